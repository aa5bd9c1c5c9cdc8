"""service_data_remove and service_read's measure_paths: data folders measured and removed as Windows would."""

import hashlib

import pytest

from wcow_winsim.operations import HANDLERS, PowerShellError
from winsim.host.profiles import build_state
from winsim.windows import files

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


def remove(state, paths=(ROOT,), empty_folders=(), config=None):
    return HANDLERS["service_data_remove"](state, {"config": config, "paths": list(paths),
                                                   "empty_folders": list(empty_folders)})


def test_measure_counts_below_a_folder_without_following_links(state):
    read = HANDLERS["service_read"](state, {"names": [], "probe_versions": [], "read_files": [],
                                            "measure_paths": [ROOT, NOTE, "C:\\nothing\\here", LINK]})
    assert read["measured"] == [
        {"path": ROOT, "type": "dir", "files": 2, "dirs": 4, "bytes": 8},
        {"path": NOTE, "type": "file", "files": 1, "dirs": 0, "bytes": 4},
        {"path": "C:\\nothing\\here", "type": "missing", "files": 0, "dirs": 0, "bytes": 0},
        {"path": LINK, "type": "link", "files": 0, "dirs": 0, "bytes": 0},
    ]


def test_removes_the_tree_read_only_files_too_and_links_as_links(state):
    state["files"][files.find_key(state, NOTE)]["readonly"] = True
    assert remove(state, empty_folders=["C:\\ProgramData\\containerd"]) == {
        "config_removed": False, "removed": [ROOT], "folders_removed": ["C:\\ProgramData\\containerd"]}
    assert not any(files.normalise(k).startswith(files.normalise(ROOT)) for k in state["files"])
    assert files.is_file(state, OUTSIDE), "what the link pointed to is not touched"
    assert remove(state) == {"config_removed": False, "removed": [], "folders_removed": []}


def test_a_file_in_use_stops_the_removal_and_a_second_run_finishes(state):
    state["files"][files.find_key(state, LAYER)]["in_use"] = True
    with pytest.raises(PowerShellError) as failed:
        remove(state)
    assert failed.value.message == (
        f"Removing {ROOT} stopped: Exception calling \"Delete\" with \"1\" argument(s): \"The process cannot access "
        f"the file '{LAYER}' because it is being used by another process.\"")
    assert files.is_file(state, LAYER) and files.is_dir(state, ROOT)
    state["files"][files.find_key(state, LAYER)]["in_use"] = False
    assert remove(state)["removed"] == [ROOT]


def test_a_root_that_is_a_link_is_refused(state):
    with pytest.raises(PowerShellError, match="is a link"):
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
