"""The data roots the collection records as its own (the data_root snippet): data_root_apply creates and marks
only what is missing, service_read reads links along a path and the record, service_data_remove removes only a
marked folder whose identity is the recorded one, refuses any link along a path, and clears the record."""

import pytest

from wcow_winsim.operations import HANDLERS, PowerShellError
from wcow_winsim.operations.data_root import MARKER_KEY
from winsim.host.profiles import build_state
from winsim.windows import files, registry_keys

ROOT = "C:\\ProgramData\\containerd\\root"
STATE = "C:\\ProgramData\\containerd\\state"
FINANCE = "D:\\Shares\\Finance"


@pytest.fixture
def state():
    state = build_state("ws2022", containers=True)
    files.ensure_dir(state, FINANCE)
    files.write_bytes(state, FINANCE + "\\budget.xlsx", b"numbers")
    return state


def create(state, *paths):
    return HANDLERS["data_root_apply"](state, {"paths": list(paths)})


def read(state, *paths):
    return HANDLERS["service_read"](state, {"names": [], "probe_versions": [], "data_roots": list(paths)})["data_roots"]


def remove(state, data_roots, paths=(), config=None):
    return HANDLERS["service_data_remove"](state, {"config": config, "paths": list(paths), "empty_folders": [],
                                                   "data_roots": list(data_roots)})


def markers(state):
    return registry_keys.values(state, MARKER_KEY)


def test_missing_roots_are_created_and_recorded_once(state):
    assert [r["exists"] for r in read(state, ROOT, STATE)] == [False, False]
    assert create(state, ROOT, STATE) == {"created": [ROOT, STATE]}
    assert files.is_dir(state, ROOT) and files.is_dir(state, STATE)
    first = read(state, ROOT, STATE)
    assert all(r["exists"] and r["marked"] and r["link"] is None for r in first), first
    assert first[0]["id"] != first[1]["id"], "each folder has its own file id"
    assert markers(state)[ROOT]["data"] == first[0]["id"]
    assert create(state, ROOT, STATE) == {"created": []}, "a second run creates and records nothing"
    assert read(state, ROOT, STATE) == first


def test_a_folder_that_exists_is_never_recorded(state):
    files.ensure_dir(state, ROOT)
    assert create(state, ROOT) == {"created": []}
    root, = read(state, ROOT)
    assert root["exists"] and root["marker"] is None and root["marked"] is False
    assert not registry_keys.key_exists(state, MARKER_KEY)


def test_a_root_below_a_junction_is_left_to_the_daemon(state):
    files.ensure_dir(state, "C:\\ProgramData")
    state["files"]["C:\\ProgramData\\containerd"] = {"type": "dir", "link_target": "D:\\Shares"}
    assert create(state, ROOT) == {"created": []}
    root, = read(state, ROOT)
    assert root["link"] == "C:\\ProgramData\\containerd" and root["exists"] is False
    assert files.lookup(state, "D:\\Shares\\root") is None, "nothing is created through the link"


def test_an_unmarked_folder_named_as_a_data_root_is_kept(state):
    assert remove(state, [FINANCE]) == {"config_removed": False, "removed": [], "kept": [FINANCE],
                                        "folders_removed": [], "not_removed": [], "not_removed_count": 0}
    assert files.is_file(state, FINANCE + "\\budget.xlsx")


def test_a_marked_root_goes_and_its_record_with_it(state):
    create(state, ROOT, STATE)
    files.write_bytes(state, ROOT + "\\meta.db", b"x")
    assert remove(state, [ROOT])["removed"] == [ROOT]
    assert files.lookup(state, ROOT) is None
    assert list(markers(state)) == [STATE], "only the removed root's record goes"
    assert remove(state, [STATE])["removed"] == [STATE]
    assert not registry_keys.key_exists(state, MARKER_KEY), "the key goes once empty"
    assert not registry_keys.key_exists(state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\wcow.buildkit")


def test_a_root_deleted_and_made_again_by_someone_else_is_not_ours(state):
    create(state, ROOT)
    recorded = markers(state)[ROOT]["data"]
    del state["files"][files.find_key(state, ROOT)]
    files.ensure_dir(state, ROOT)
    root, = read(state, ROOT)
    assert root["marker"] == recorded and root["id"] != recorded and root["marked"] is False
    assert remove(state, [ROOT])["kept"] == [ROOT]
    assert files.is_dir(state, ROOT)


def test_the_record_of_a_root_already_gone_is_cleared(state):
    create(state, ROOT)
    del state["files"][files.find_key(state, ROOT)]
    assert remove(state, [ROOT])["removed"] == []
    assert not registry_keys.key_exists(state, MARKER_KEY)


@pytest.mark.parametrize("junction, root", [
    ("C:\\ProgramData\\containerd", "C:\\ProgramData\\containerd\\root"),   # a link in the middle of the path
    ("C:\\ProgramData\\containerd\\root", "C:\\ProgramData\\containerd\\root"),   # the root itself
], ids=["middle", "last"])
def test_a_link_along_the_path_refuses_before_anything_changes(state, junction, root):
    config = "C:\\Program Files\\containerd\\config.toml"
    files.ensure_dir(state, files.parent(config))
    files.write_bytes(state, config, b"toml")
    files.ensure_dir(state, files.parent(junction))
    state["files"][junction] = {"type": "dir", "link_target": FINANCE if junction == root else "D:\\Shares"}
    if junction != root:
        files.ensure_dir(state, "D:\\Shares\\root")
        files.write_bytes(state, "D:\\Shares\\root\\payroll.xlsx", b"numbers")
    before = {key: dict(value) for key, value in state["files"].items()}
    digest = "2E8AEB3F9A5D8A23A9D5F3A0A5B1C0D8E7F6A5B4C3D2E1F0A9B8C7D6E5F4A3B2"
    with pytest.raises(PowerShellError, match=r"along its path is a link \(junction, symbolic link or mount point\)"):
        remove(state, [root], config={"path": config, "sha256": digest})
    assert state["files"] == before


def test_a_link_above_the_log_file_refuses(state):
    files.ensure_dir(state, "C:\\ProgramData")
    state["files"]["C:\\ProgramData\\containerd"] = {"type": "dir", "link_target": FINANCE}
    with pytest.raises(PowerShellError, match=r"^C:\\ProgramData\\containerd\\budget.xlsx is not removed: "
                       r"C:\\ProgramData\\containerd along its path is a link"):
        remove(state, [], paths=["C:\\ProgramData\\containerd\\budget.xlsx"])
    assert files.is_file(state, FINANCE + "\\budget.xlsx")


def test_a_folder_on_the_path_that_cannot_be_read_stops_the_read(state):
    files.ensure_dir(state, ROOT)
    # Neither FILE_READ_ATTRIBUTES on the folder nor FILE_LIST_DIRECTORY on its parent for Administrators.
    for key in ("C:\\ProgramData\\containerd", ROOT):
        state["files"][files.find_key(state, key)]["sddl"] = "O:SYD:P(A;OICI;FA;;;SY)"
    message = " to check it is a data root of this collection failed: Access is denied"
    with pytest.raises(PowerShellError, match=r"^Reading C:\\ProgramData\\containerd\\root" + message):
        read(state, ROOT)
