"""file_write with protect, and the NTFS defaults it works against: C:\\ProgramData lets Users create files and
folders below it; the protected DACL keeps them out (docs/windows-facts.md#protected-dacls)."""

import pytest

from wcow_winsim.operations import HANDLERS
from wcow_winsim.operations.acl import protected_sddl
from winsim.host.profiles import build_state
from winsim.windows import accounts, files, ntfs, pipes

FOLDER = "C:\\ProgramData\\buildkitd"
TOML = FOLDER + "\\buildkitd.toml"


@pytest.fixture
def state():
    return build_state("ws2022", containers=True)


def user(state):
    bob = accounts.create_user(state, "bob")
    return bob.sid, pipes.token_sids(state, bob)


def write(state, content, protect):
    params = {"path": TOML, "content": content, "content_encoding": "text", "backup": False}
    if protect is not None:
        params["protect"] = protect
    return HANDLERS["file_write"](state, params)


def test_users_may_create_in_a_programdata_subfolder_and_own_what_they_create(state):
    sid, token = user(state)
    files.ensure_dir(state, FOLDER)
    files.write_as(state, TOML, b"[grpc]\n", sid, token)
    assert ntfs.descriptor(state, TOML)["owner"] == sid
    # CREATOR OWNER's inherited full control names bob on his file.
    assert ntfs.granted(state, TOML, token) & ntfs.WRITE_DAC


def test_a_folder_made_in_the_drive_root_is_writable_by_authenticated_users(state):
    sid, token = user(state)
    files.ensure_dir(state, "C:\\buildkit")
    files.write_as(state, "C:\\buildkit\\buildctl.exe", b"MZ", sid, token)
    with pytest.raises(files.WindowsIOError):
        files.write_as(state, "C:\\planted.exe", b"MZ", sid, token)


def test_protect_creates_the_folder_protected_and_protects_the_file_before_the_move(state):
    sid, token = user(state)
    write(state, "", {"users_read": False, "folders": [FOLDER]})
    assert ntfs.render(ntfs.descriptor(state, FOLDER)) == protected_sddl(True, False)
    assert ntfs.render(ntfs.descriptor(state, TOML)) == protected_sddl(False, False)
    for path in (TOML, FOLDER + "\\other.toml"):
        with pytest.raises(files.WindowsIOError):
            files.write_as(state, path, b"x", sid, token)


def test_a_replaced_file_gets_the_protected_dacl_again(state):
    sid, token = user(state)
    files.ensure_dir(state, FOLDER)
    files.write_as(state, TOML, b"[grpc]\n", sid, token)
    write(state, "", {"users_read": True, "folders": [FOLDER]})
    assert ntfs.render(ntfs.descriptor(state, TOML)) == protected_sddl(False, True)
    assert ntfs.granted(state, TOML, token) & 0x2 == 0


def test_without_protect_nothing_changes_a_dacl(state):
    write(state, "", None)
    assert not ntfs.descriptor(state, FOLDER)["protected"]


def test_set_access_control_refuses_an_owner_outside_the_token(state):
    files.ensure_dir(state, FOLDER)
    with pytest.raises(ntfs.AccessDenied):
        ntfs.set_security(state, FOLDER, "O:S-1-5-21-9-9-9-1000D:P(A;;FA;;;BA)")


def test_readable_folders_keep_users_read_and_execute(state):
    install = "C:\\Program Files\\containerd"
    params = {"path": install + "\\config.toml", "content": "", "content_encoding": "text", "backup": False,
              "protect": {"users_read": False, "folders": [install, FOLDER], "readable_folders": [install.upper()]}}
    HANDLERS["file_write"](state, params)
    assert ntfs.render(ntfs.descriptor(state, install)) == protected_sddl(True, True)
    assert ntfs.render(ntfs.descriptor(state, FOLDER)) == protected_sddl(True, False)
    assert ntfs.render(ntfs.descriptor(state, install + "\\config.toml")) == protected_sddl(False, False)
