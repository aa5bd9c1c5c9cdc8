"""NTFS owners and DACLs, MAX_PATH and the `\\\\?\\` prefix, read-only files, and DestroyLayer, as the
simulator models them (winsim.windows.ntfs, win32_files, hcs_layers, files), and the layers a build
leaves in containerd's root (winsim.programs.containerd_snapshots)."""

from __future__ import annotations

import pytest

from winsim.host.store import HostStore
from winsim.programs import containerd_snapshots
from winsim.windows import files, hcs_layers, ntfs, win32_files

TI = ntfs.TRUSTED_INSTALLER
ROOT = "C:\\ProgramData\\containerd\\root"
LONG_DIR = "C:\\Data\\" + "\\".join(["d" * 60] * 4)  # 251 characters: a folder name past 248
LONG_FILE = LONG_DIR[:200] + "\\" + "f" * 70              # 271 characters


@pytest.fixture
def state(tmp_path):
    return HostStore.create(tmp_path / "host.json", "ws2022", containers=True).read()


def put(state, path, sddl=None, content=b"x"):
    files.ensure_dir(state, files.parent(path))
    state["files"][path] = files.file_record(content)
    if sddl:
        state["files"][path]["sddl"] = sddl
    return path


def test_an_administrator_may_delete_what_inherits_the_default_dacl(state):
    path = put(state, "C:\\Data\\plain.txt")
    files.delete(state, path)
    assert files.lookup(state, path) is None


def test_trustedinstaller_files_refuse_deletion_by_an_administrator(state):
    folder = "C:\\Data\\Windows"
    files.ensure_dir(state, folder)
    state["files"][folder]["sddl"] = containerd_snapshots.SYSTEM_FILES_SDDL
    path = put(state, folder + "\\kernel32.dll", sddl=f"O:{TI}D:")
    # Read and execute inherited, no DELETE, and the folder grants no FILE_DELETE_CHILD.
    assert ntfs.granted(state, path, ntfs.operator_token(state)) == 0x1200A9
    with pytest.raises(files.WindowsIOError) as refused:
        files.delete(state, path)
    assert refused.value.kind == "UnauthorizedAccessException"
    with pytest.raises(win32_files.Win32Error) as denied:
        win32_files.delete_file(state, "\\\\?\\" + path)
    assert denied.value.code == 5
    # Being the owner is not enough either: it gives READ_CONTROL and WRITE_DAC only.
    state["files"][path]["sddl"] = "O:BAD:"
    assert ntfs.granted(state, path, ntfs.operator_token(state)) == 0x1200A9 | ntfs.WRITE_DAC
    with pytest.raises(win32_files.Win32Error):
        win32_files.delete_file(state, path)
    assert files.is_file(state, path)


def test_file_delete_child_on_the_folder_lets_a_file_go(state):
    folder = "C:\\Data\\Drop"
    files.ensure_dir(state, folder)
    state["files"][folder]["sddl"] = "O:BAD:P(A;;FA;;;BA)"    # not inherited by the file (no OI)
    path = put(state, folder + "\\x", sddl="O:SYD:P(A;;FA;;;SY)")
    assert ntfs.granted(state, path, ntfs.operator_token(state)) == 0
    win32_files.delete_file(state, path)
    assert files.lookup(state, path) is None


def test_a_system_only_folder_cannot_be_listed(state):
    folder = "C:\\Data\\RtBackup"
    files.ensure_dir(state, folder)
    state["files"][folder]["sddl"] = containerd_snapshots.SYSTEM_ONLY_SDDL
    put(state, folder + "\\log.etl")
    with pytest.raises(files.WindowsIOError) as listing:
        files.list_directory(state, folder)
    assert listing.value.message == f"Access to the path '{folder}' is denied."
    with pytest.raises(win32_files.Win32Error) as finding:
        win32_files.find_files(state, folder)
    assert finding.value.code == 5
    # DestroyLayer acts as the Host Compute Service: ACLs do not stop it.
    assert hcs_layers.destroy_layer(state, "C:\\Data", "RtBackup") == hcs_layers.S_OK
    assert files.lookup(state, folder) is None and files.lookup(state, folder + "\\log.etl") is None


def test_a_deny_ace_wins_over_a_later_allow(state):
    path = put(state, "C:\\Data\\denied.txt", sddl="O:BAD:P(D;;SD;;;BA)(A;;FA;;;BA)")
    assert not ntfs.granted(state, path, ntfs.operator_token(state)) & ntfs.DELETE


def test_a_protected_dacl_inherits_nothing(state):
    folder = "C:\\Data\\Closed"
    files.ensure_dir(state, folder)
    state["files"][folder]["sddl"] = "O:SYD:P(A;OICI;FA;;;SY)"
    path = put(state, folder + "\\inside.txt")
    # Created by the administrator, so owned by Administrators: only the owner's implicit rights.
    assert ntfs.granted(state, path, ntfs.operator_token(state)) == ntfs.READ_CONTROL | ntfs.WRITE_DAC
    assert ntfs.granted(state, path, {ntfs.SYSTEM}) == 0x1F01FF


def test_max_path_without_the_prefix(state):
    put(state, LONG_FILE)
    assert len(LONG_FILE) >= ntfs.MAX_PATH
    with pytest.raises(files.WindowsIOError) as dotnet:
        files.delete(state, LONG_FILE)
    assert dotnet.value.kind == "PathTooLongException"
    with pytest.raises(files.WindowsIOError) as prefixed:
        files.delete(state, "\\\\?\\" + LONG_FILE)
    assert prefixed.value.message == "Illegal characters in path."
    with pytest.raises(win32_files.Win32Error) as plain:
        win32_files.delete_file(state, LONG_FILE)
    assert plain.value.code == 206
    win32_files.delete_file(state, "\\\\?\\" + LONG_FILE)
    assert files.lookup(state, LONG_FILE) is None


def test_listing_a_folder_fails_when_an_entry_is_too_long_for_system_io(state):
    put(state, LONG_FILE)
    with pytest.raises(files.WindowsIOError) as listing:
        files.list_directory(state, files.parent(LONG_FILE))
    assert listing.value.kind == "PathTooLongException"
    names = win32_files.find_files(state, "\\\\?\\" + files.parent(LONG_FILE))
    assert [entry["name"] for entry in names] == ["f" * 70]


def test_a_directory_name_of_248_characters_is_too_long_for_system_io(state):
    assert len(LONG_DIR + "\\a") < ntfs.MAX_PATH
    assert ntfs.dotnet_path_problem(LONG_DIR + "\\a")[0] == "PathTooLongException"
    assert ntfs.dotnet_path_problem(LONG_DIR[:240] + "\\a") is None


def test_system_io_moves_and_copies_refuse_long_paths_and_illegal_characters(state):
    source = put(state, "C:\\Data\\short.txt")
    files.ensure_dir(state, LONG_FILE.rsplit("\\", 1)[0])
    for call in (files.move, files.copy):
        with pytest.raises(files.WindowsIOError, match="too long") as raised:
            call(state, source, LONG_FILE)
        assert raised.value.kind == "PathTooLongException"
        with pytest.raises(files.WindowsIOError, match="^Illegal characters in path.$"):
            call(state, source, "C:\\Data\\a|b.txt")
    with pytest.raises(files.WindowsIOError, match="too long"):
        files.replace(state, source, LONG_FILE)
    files.move(state, source, LONG_FILE, long_paths=True)  # Go's os.Rename adds \\?\ itself
    assert files.is_file(state, LONG_FILE) and not files.is_file(state, source)


def test_a_file_a_scanner_holds_is_read_and_copied_but_not_renamed_or_deleted(state):
    held = put(state, "C:\\Data\\held.exe")
    state["files"][held]["held_open"] = True
    assert files.read_bytes(state, held) == b"x"
    files.copy(state, held, "C:\\Data\\copy.exe")
    assert "held_open" not in state["files"]["C:\\Data\\copy.exe"], "the copy is a new file nobody holds"
    for call in (lambda: files.move(state, held, "C:\\Data\\moved.exe"), lambda: files.delete(state, held)):
        with pytest.raises(files.WindowsIOError, match="being used by another process"):
            call()
    with pytest.raises(win32_files.Win32Error):
        win32_files.delete_file(state, held)


def test_writing_over_a_file_refuses_a_read_only_one_and_keeps_its_dacl(state):
    path = put(state, "C:\\Data\\conf.toml", sddl="O:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)")
    state["files"][path]["readonly"] = True
    with pytest.raises(files.WindowsIOError, match="is denied"):
        files.write_bytes(state, path, b"new")
    state["files"][path]["readonly"] = False
    files.write_bytes(state, path, b"new")
    assert files.read_bytes(state, path) == b"new" and state["files"][path]["sddl"] == "O:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)"


def test_read_only_files_refuse_delete_and_replace_until_cleared(state):
    path = put(state, "C:\\Data\\config.toml")
    state["files"][path]["readonly"] = True
    staged = put(state, "C:\\Data\\config.toml.1234abcd.tmp")
    with pytest.raises(files.WindowsIOError) as replaced:
        files.replace(state, staged, path)
    assert replaced.value.kind == "UnauthorizedAccessException"
    with pytest.raises(win32_files.Win32Error):
        win32_files.delete_file(state, path)
    assert win32_files.get_file_attributes(state, path) & win32_files.FILE_ATTRIBUTE_READONLY
    win32_files.set_file_attributes(state, path, win32_files.FILE_ATTRIBUTE_ARCHIVE)
    files.replace(state, staged, path)
    assert files.is_file(state, path) and files.lookup(state, staged) is None


def test_destroy_layer_stops_at_a_file_in_use_and_removes_nothing(state):
    layer = ROOT + "\\io.containerd.snapshotter.v1.windows\\snapshots\\3"
    held = put(state, layer + "\\Files\\held.dll")
    state["files"][held]["in_use"] = True
    assert hcs_layers.destroy_layer(state, files.parent(layer), "3") == hcs_layers.E_SHARING_VIOLATION
    assert files.is_file(state, held)
    assert hcs_layers.destroy_layer(state, "", layer + "-missing") == hcs_layers.E_PATH_NOT_FOUND


def test_a_base_layer_keeps_the_image_acls_and_long_names(state):
    files.ensure_dir(state, ROOT)
    image = {"digest": "sha256:" + "a" * 64, "os_build": "20348.1"}
    layer = containerd_snapshots.unpack_base(state, ROOT, image)
    assert layer == ROOT + "\\io.containerd.snapshotter.v1.windows\\snapshots\\1"
    assert containerd_snapshots.unpack_base(state, ROOT, image) == layer, "a second pull reuses the layer"
    below = [key for key in state["files"] if key.startswith(layer + "\\")]
    assert max(len(key) for key in below) > ntfs.MAX_PATH
    token = ntfs.operator_token(state)
    owned = [key for key in below if state["files"][key]["type"] == "file" and "\\Files\\" in key]
    assert owned and all(ntfs.descriptor(state, key)["owner"] == TI for key in owned)
    assert all(not ntfs.granted(state, key, token) & ntfs.DELETE for key in owned)
    closed = [key for key in below if key.endswith("\\RtBackup")]
    assert closed and not ntfs.granted(state, closed[0], token) & ntfs.FILE_LIST_DIRECTORY
    commit = containerd_snapshots.commit_layer(state, ROOT, [layer], {"run-1.txt": b"x"})
    assert commit.endswith("\\snapshots\\2") and files.is_file(state, commit + "\\layerchain.json")


def test_remove_item_recurse_of_windows_powershell_5_1_empties_what_a_junction_points_to(state):
    # PowerShell/PowerShell#621 (fixed in 7): the walk goes through the link.
    for path in ("C:\\work\\a.txt", "D:\\elsewhere\\b.txt"):
        files.ensure_dir(state, files.parent(path))
        files.write_bytes(state, path, b"x")
    state["files"]["C:\\work\\link"] = {"type": "dir", "link_target": "D:\\elsewhere"}
    files.remove_tree(state, "C:\\work")
    assert files.lookup(state, "C:\\work") is None and files.lookup(state, "C:\\work\\link") is None
    assert files.lookup(state, "D:\\elsewhere\\b.txt") is None and files.is_dir(state, "D:\\elsewhere")
