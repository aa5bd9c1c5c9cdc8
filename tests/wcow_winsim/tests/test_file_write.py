"""file_write operation model: staged write, then Replace (with backup) or Move; failures leave no trace."""

import base64
import json

import pytest

from wcow_winsim import run_powershell
from wcow_winsim.operations import HANDLERS, PowerShellError
from winsim.host.profiles import build_state
from winsim.host.store import HostStore
from winsim.windows import files

CONF = "C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf"


def write(state, path=CONF, content="{}\n", encoding="text", backup=False):
    return HANDLERS["file_write"](state, {"path": path, "content": content, "content_encoding": encoding, "backup": backup})


def text(state, path=CONF):
    return files.read_bytes(state, path).decode("utf-8")


def leftovers(state, directory):
    return [key for key in files.children(state, directory) if key.lower().endswith((".tmp", ".bak"))]


@pytest.fixture
def state():
    return build_state("ws2022", containers=True)


def test_creates_missing_parent_directories_and_the_file(state):
    assert not files.is_dir(state, "C:\\Program Files\\containerd")
    result = write(state, content='{"a": 1}\n')
    assert result == {"path": CONF, "backup_file": None, "data_roots_created": []}
    assert files.is_dir(state, "C:\\Program Files\\containerd\\cni\\conf")
    assert text(state) == '{"a": 1}\n'
    assert leftovers(state, files.parent(CONF)) == []


def test_expands_environment_variables(state):
    result = write(state, path="%ProgramFiles%\\containerd\\cni\\conf\\x.conf")
    assert result["path"] == "C:\\Program Files\\containerd\\cni\\conf\\x.conf"
    assert files.is_file(state, "C:\\Program Files\\containerd\\cni\\conf\\x.conf")


def test_text_is_utf8_without_bom_and_base64_is_bytes(state):
    write(state, content="é")
    assert files.read_bytes(state, CONF) == b"\xc3\xa9"
    write(state, content=base64.b64encode(b"\xef\xbb\xbf{}").decode(), encoding="base64")
    assert files.read_bytes(state, CONF) == b"\xef\xbb\xbf{}"


def test_replace_without_backup_keeps_no_old_copy(state):
    write(state, content="old")
    result = write(state, content="new")
    assert result["backup_file"] is None
    assert text(state) == "new"
    assert leftovers(state, files.parent(CONF)) == []


def test_replace_with_backup_keeps_the_old_file_beside_it(state):
    write(state, content="old")
    result = write(state, content="new", backup=True)
    backup = result["backup_file"]
    assert backup.startswith(CONF + ".") and backup.endswith(".bak")
    assert text(state, backup) == "old" and text(state) == "new"
    second = write(state, content="newer", backup=True)["backup_file"]
    assert second != backup and text(state, second) == "new" and text(state, backup) == "old"


def test_backup_of_a_new_file_is_null(state):
    assert write(state, backup=True)["backup_file"] is None


def test_a_file_in_use_is_not_replaced_and_the_staged_file_is_removed(state):
    write(state, content="old")
    with pytest.raises(PowerShellError) as raised:
        files.lookup(state, CONF)["in_use"] = True
        write(state, content="new")
    assert raised.value.message.startswith('Exception calling "Replace" with "3" argument(s): "The process cannot access')
    assert raised.value.category == "NotSpecified"
    assert text(state) == "old"
    assert leftovers(state, files.parent(CONF)) == []


def test_a_directory_at_the_path_is_refused(state):
    files.ensure_dir(state, CONF)
    with pytest.raises(PowerShellError, match='"Move" with "2" argument'):
        write(state)
    assert files.is_dir(state, CONF)
    assert leftovers(state, files.parent(CONF)) == []


def test_a_file_where_a_directory_is_needed_is_refused(state):
    files.ensure_dir(state, "C:\\Program Files\\containerd")
    files.write_bytes(state, "C:\\Program Files\\containerd\\cni", b"x")
    with pytest.raises(PowerShellError, match="already exists") as raised:
        write(state)
    assert raised.value.category == "ResourceExists"
    assert files.read_bytes(state, "C:\\Program Files\\containerd\\cni") == b"x"


@pytest.mark.parametrize("params", [
    {"path": CONF, "content": "x", "content_encoding": "text"},
    {"path": CONF, "content": 3, "content_encoding": "text", "backup": False},
    {"path": CONF, "content": "x", "content_encoding": "text", "backup": "yes"},
])
def test_bad_params(state, params):
    with pytest.raises(PowerShellError) as raised:
        HANDLERS["file_write"](state, params)
    assert raised.value.category == "InvalidArgument"


def test_unknown_encoding_and_bad_base64_change_nothing(state):
    with pytest.raises(PowerShellError, match="^Unknown content_encoding utf16: expected text or base64.$"):
        write(state, encoding="utf16")
    with pytest.raises(PowerShellError, match="FromBase64String"):
        write(state, content="not base64!", encoding="base64")
    assert not files.is_dir(state, "C:\\Program Files\\containerd")


def test_through_the_bootstrap(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2019")
    script = "# wcow.buildkit operation: file_write\n$ErrorActionPreference = 'Stop'\n"
    params = {"path": CONF, "content": "{}", "content_encoding": "text", "backup": False}
    payload = base64.b64encode(json.dumps({"operation": "file_write", "script": script, "params": params}).encode())
    result = run_powershell(store, "# wcow.buildkit bootstrap\n", payload + b"\r\n")
    assert result.rc == 0, result.stdout
    assert json.loads(result.stdout) == {"path": CONF, "backup_file": None, "data_roots_created": []}
    assert text(store.read()) == "{}"


def test_a_read_only_file_is_replaced_and_stays_read_only(state):
    write(state, content="old\n")
    files.lookup(state, CONF)["readonly"] = True
    result = write(state, content="new\n", backup=True)
    assert text(state) == "new\n" and files.lookup(state, CONF)["readonly"] is True
    # The backup is the old file: read-only as it was.
    assert text(state, result["backup_file"]) == "old\n" and files.lookup(state, result["backup_file"])["readonly"] is True
    assert [key for key in leftovers(state, files.parent(CONF)) if key.endswith(".tmp")] == []


def test_a_failed_swap_of_a_read_only_file_keeps_it_read_only(state):
    write(state, content="old\n")
    record = files.lookup(state, CONF)
    record["readonly"], record["in_use"] = True, True
    with pytest.raises(PowerShellError, match="being used by another process"):
        write(state, content="new\n")
    assert text(state) == "old\n" and files.lookup(state, CONF)["readonly"] is True
    assert leftovers(state, files.parent(CONF)) == []


@pytest.mark.parametrize("code, backup", [(files.ERROR_UNABLE_TO_MOVE_REPLACEMENT, False),
                                          (files.ERROR_UNABLE_TO_MOVE_REPLACEMENT_2, False),
                                          (files.ERROR_UNABLE_TO_MOVE_REPLACEMENT_2, True)])
def test_a_swap_failing_after_the_old_file_moved_away_puts_the_new_file_in_place(state, code, backup):
    # docs/windows-facts.md#files-in-use: ReplaceFile can fail after it renamed the file it replaces; the path
    # must not stay empty, nor the error be lost to the attribute's restoring.
    write(state, content="old\n")
    files.lookup(state, CONF)["readonly"] = True
    state["replace_failures"] = {CONF.lower(): code}
    with pytest.raises(PowerShellError, match="Unable to move the replacement file"):
        write(state, content="new\n", backup=backup)
    assert text(state) == "new\n" and files.lookup(state, CONF)["readonly"] is True
    assert [key for key in leftovers(state, files.parent(CONF)) if key.endswith(".tmp")] == []
    backups = [key for key in leftovers(state, files.parent(CONF)) if key.endswith(".bak")]
    assert [text(state, key) for key in backups] == (["old\n"] if backup else [])
    assert all(files.lookup(state, key)["readonly"] for key in backups)


def test_a_swap_failing_with_the_names_kept_leaves_the_old_file_read_only(state):
    write(state, content="old\n")
    files.lookup(state, CONF)["readonly"] = True
    state["replace_failures"] = {CONF.lower(): files.ERROR_UNABLE_TO_MOVE_REPLACEMENT}
    with pytest.raises(PowerShellError, match="has retained its original name"):
        write(state, content="new\n", backup=True)
    assert text(state) == "old\n" and files.lookup(state, CONF)["readonly"] is True
    assert leftovers(state, files.parent(CONF)) == []
