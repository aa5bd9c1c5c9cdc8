"""file_remove operation model: delete (or rename to a backup), then the directory when left empty."""

import pytest

from wcow_winsim.operations import HANDLERS, PowerShellError
from winsim.host.profiles import build_state
from winsim.windows import files

CONF_DIR = "C:\\Program Files\\containerd\\cni\\conf"
CONF = CONF_DIR + "\\0-containerd-nat.conf"


def remove(state, path=CONF, backup=False, remove_empty_parent=True):
    return HANDLERS["file_remove"](state, {"path": path, "backup": backup, "remove_empty_parent": remove_empty_parent})


@pytest.fixture
def state():
    state = build_state("ws2022", containers=True)
    files.ensure_dir(state, CONF_DIR)
    files.write_bytes(state, CONF, b"{}")
    return state


def test_removes_the_file_and_the_emptied_directory(state):
    assert remove(state) == {"path": CONF, "removed": True, "backup_file": None, "parent_removed": True}
    assert files.lookup(state, CONF) is None and not files.is_dir(state, CONF_DIR)
    assert files.is_dir(state, "C:\\Program Files\\containerd\\cni"), "only the file's own directory"
    assert remove(state) == {"path": CONF, "removed": False, "backup_file": None, "parent_removed": False}


def test_a_directory_holding_something_else_is_kept(state):
    files.write_bytes(state, CONF_DIR + "\\other.conf", b"{}")
    assert remove(state)["parent_removed"] is False
    assert files.is_file(state, CONF_DIR + "\\other.conf")


def test_backup_renames_instead_of_deleting(state):
    result = remove(state, backup=True)
    assert result["removed"] is True and result["parent_removed"] is False
    assert result["backup_file"].startswith(CONF + ".") and result["backup_file"].endswith(".bak")
    assert files.read_bytes(state, result["backup_file"]) == b"{}"


def test_a_directory_is_refused(state):
    with pytest.raises(PowerShellError, match="is a directory, not a file"):
        remove(state, path=CONF_DIR)
    assert files.is_file(state, CONF)


def test_a_file_in_use_is_not_deleted(state):
    files.lookup(state, CONF)["in_use"] = True
    with pytest.raises(PowerShellError, match="being used by another process"):
        remove(state)
    assert files.is_file(state, CONF)
