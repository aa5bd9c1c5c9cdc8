"""service_data_remove and service_read's measure_paths: data folders measured and removed as Windows would,
containerd's snapshot layers too (TrustedInstaller-owned files, a SYSTEM-only folder, paths past MAX_PATH)."""

import hashlib

import pytest

from wcow_winsim.operations import HANDLERS, PowerShellError
from winsim.host.profiles import build_state
from winsim.programs import containerd_snapshots
from winsim.windows import files, hcs_layers, ntfs

ROOT = "C:\\ProgramData\\containerd\\root"
LAYER = ROOT + "\\snapshots\\1\\Files\\layer.dat"
NOTE = ROOT + "\\note.txt"
LINK = ROOT + "\\linked"
OUTSIDE = "D:\\keep\\file.txt"
CONFIG = "C:\\Program Files\\containerd\\config.toml"


@pytest.fixture
def state():
    state = build_state("ws2022", containers=True)
    for path in (LAYER, NOTE, OUTSIDE, CONFIG):
        files.ensure_dir(state, files.parent(path))
        files.write_bytes(state, path, b"data")
    state["files"][LINK] = {"type": "dir", "link_target": files.parent(OUTSIDE)}
    return state


def remove(state, paths=(ROOT,), empty_folders=(), config=None, data_roots=()):
    return HANDLERS["service_data_remove"](state, {"config": config, "paths": list(paths),
                                                   "empty_folders": list(empty_folders),
                                                   "data_roots": list(data_roots)})


def test_measure_counts_below_a_folder_without_following_links(state):
    read = HANDLERS["service_read"](state, {"names": [], "probe_versions": [], "read_files": [],
                                            "measure_paths": [ROOT, NOTE, "C:\\nothing\\here", LINK]})
    assert read["measured"] == [
        {"path": ROOT, "type": "dir", "files": 2, "dirs": 4, "bytes": 8, "unreadable": 0},
        {"path": NOTE, "type": "file", "files": 1, "dirs": 0, "bytes": 4, "unreadable": 0},
        {"path": "C:\\nothing\\here", "type": "missing", "files": 0, "dirs": 0, "bytes": 0, "unreadable": 0},
        {"path": LINK, "type": "link", "files": 0, "dirs": 0, "bytes": 0, "unreadable": 0},
    ]


def test_removes_the_tree_read_only_files_too_and_links_as_links(state):
    state["files"][files.find_key(state, NOTE)]["readonly"] = True
    assert remove(state, empty_folders=["C:\\ProgramData\\containerd"]) == {
        "config_removed": False, "removed": [ROOT], "kept": [], "folders_removed": ["C:\\ProgramData\\containerd"],
        "not_removed": [], "not_removed_count": 0}
    assert not any(files.normalise(k).startswith(files.normalise(ROOT)) for k in state["files"])
    assert files.is_file(state, OUTSIDE), "what the link pointed to is not touched"
    assert remove(state) == {"config_removed": False, "removed": [], "kept": [], "folders_removed": [], "not_removed": [],
                             "not_removed_count": 0}


def test_a_file_in_use_is_listed_the_rest_goes_and_a_second_run_finishes(state):
    state["files"][files.find_key(state, LAYER)]["in_use"] = True
    held = remove(state)
    assert held["removed"] == [] and held["not_removed_count"] == 1
    assert held["not_removed"] == [
        f"{LAYER}: The process cannot access the file because it is being used by another process"]
    assert files.is_file(state, LAYER) and files.lookup(state, NOTE) is None and files.lookup(state, LINK) is None
    state["files"][files.find_key(state, LAYER)]["in_use"] = False
    assert remove(state)["removed"] == [ROOT]


def layered(state):
    """A base layer and a RUN layer as a build leaves them (winsim.programs.containerd_snapshots)."""
    base = containerd_snapshots.unpack_base(state, ROOT, {"digest": "sha256:" + "b" * 64, "os_build": "20348.1"})
    containerd_snapshots.commit_layer(state, ROOT, [base], {"run-4.txt": b"x"})
    return base


def test_layers_are_measured_without_failing_and_go_with_destroy_layer(state):
    base = layered(state)
    assert max(len(key) for key in state["files"] if key.startswith(base)) > ntfs.MAX_PATH
    measured, = HANDLERS["service_read"](state, {"names": [], "probe_versions": [], "measure_paths": [ROOT]})[
        "measured"]
    assert measured["unreadable"] == 1, "the SYSTEM-only folder is counted, not entered"
    assert measured["files"] > 2
    assert remove(state)["removed"] == [ROOT]
    assert not any(files.normalise(k).startswith(files.normalise(ROOT)) for k in state["files"])


def test_what_an_administrator_may_not_delete_outside_a_layer_is_listed(state):
    base = layered(state)
    # The same files copied out of the snapshotter's folders: no DestroyLayer for them.
    moved = ROOT + "\\copied"
    files.move_dir(state, base, moved)
    first = remove(state)
    assert first["removed"] == [] and first["not_removed_count"] >= 3
    assert all(line.endswith(": Access is denied") for line in first["not_removed"]), first["not_removed"]
    assert any(len(line) > ntfs.MAX_PATH for line in first["not_removed"]), "long paths are named in full"
    again = remove(state)
    assert again["not_removed"] == first["not_removed"], "a second run meets only what is left"
    assert files.lookup(state, NOTE) is None and files.is_dir(state, moved)


def test_a_layer_in_use_is_listed_with_the_destroy_layer_error(state):
    base = layered(state)
    key = next(k for k in state["files"] if k.startswith(base) and k.endswith("cmd.exe"))
    state["files"][key]["in_use"] = True
    held = remove(state)
    assert held["not_removed"] == [f"{base}: DestroyLayer: The process cannot access the file because it is being "
                                   "used by another process"]
    assert files.is_dir(state, base)


def test_a_data_root_that_cannot_be_read_fails_the_measure(state):
    state["files"][files.find_key(state, "C:\\ProgramData\\containerd")]["sddl"] = "O:SYD:P(A;OICI;FA;;;SY)"
    with pytest.raises(PowerShellError, match="Reading .* failed: Access is denied"):
        HANDLERS["service_read"](state, {"names": [], "probe_versions": [], "measure_paths": [ROOT]})


def test_a_root_that_is_a_link_is_refused(state):
    with pytest.raises(PowerShellError, match=r"is a link \(junction or symbolic link\) to another folder"):
        remove(state, paths=[LINK])
    assert files.lookup(state, LINK) is not None


def test_the_config_goes_only_with_the_hash_read(state):
    digest = hashlib.sha256(b"data").hexdigest().upper()
    assert remove(state, paths=[], config={"path": CONFIG, "sha256": "0" * 64})["config_removed"] is False
    assert files.is_file(state, CONFIG)
    assert remove(state, paths=[], config={"path": CONFIG, "sha256": digest})["config_removed"] is True
    assert files.lookup(state, CONFIG) is None


def test_a_folder_that_is_not_empty_stays(state):
    assert remove(state, paths=[], empty_folders=["C:\\ProgramData\\containerd"])["folders_removed"] == []


def test_file_delete_refuses_a_read_only_file(state):
    state["files"][files.find_key(state, NOTE)]["readonly"] = True
    with pytest.raises(files.WindowsIOError, match="is denied"):
        files.delete(state, NOTE)
    files.remove_tree(state, ROOT)  # Remove-Item -Recurse -Force removes it
    assert files.lookup(state, NOTE) is None


def test_layers_are_walked_when_vmcompute_does_not_load_and_the_rest_goes_on(state):
    base = layered(state)
    state["features"]["Containers"] = "DisablePending"  # vmcompute.dll no longer loads
    first = remove(state, paths=[ROOT, OUTSIDE])
    assert first["removed"] == [OUTSIDE], "a layer that cannot be destroyed does not stop the other paths"
    assert first["not_removed_count"] >= 1
    assert all(line.startswith(base) and line.endswith(": Access is denied") for line in first["not_removed"])
    assert files.lookup(state, NOTE) is None and files.is_dir(state, base)


def test_layers_are_walked_when_vmcompute_lacks_the_destroy_layer_export(state):
    base = layered(state)
    state["vmcompute_missing_exports"] = ["DestroyLayer"]  # the DLL loads; GetProcAddress finds no DestroyLayer
    with pytest.raises(hcs_layers.EntryPointMissing, match="entry point named 'DestroyLayer'"):
        hcs_layers.destroy_layer(state, files.parent(base), base.rsplit("\\", 1)[1])
    first = remove(state, paths=[ROOT, OUTSIDE])
    assert first["removed"] == [OUTSIDE], "the layer is walked with ordinary calls, which its ACLs refuse"
    assert all(line.startswith(base) and line.endswith(": Access is denied") for line in first["not_removed"])
    assert first["not_removed_count"] >= 1 and files.is_dir(state, base)


def test_a_path_written_with_forward_slashes_is_removed(state):
    mixed = "C:\\ProgramData\\containerd/root"
    assert remove(state, paths=[mixed])["removed"] == [mixed]
    assert files.lookup(state, NOTE) is None
