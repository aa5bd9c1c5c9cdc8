"""file_write after a run that was killed between staging and the swap: the next run removes that
run's staged `<path>.<8 hex>.tmp` and only files of exactly that name pattern."""

import base64
import json

import pytest

from wcow_winsim import run_powershell
from wcow_winsim.operations import HANDLERS
from winsim.host import faults
from winsim.host.profiles import build_state
from winsim.host.store import HostStore
from winsim.windows import files

BOOTSTRAP = "# wcow.buildkit bootstrap\r\n"
DIR = "C:\\ProgramData\\app"
CONF = DIR + "\\app.conf"


def file_write(store, content):
    params = {"path": CONF, "content": content, "content_encoding": "text", "backup": False}
    document = {"operation": "file_write", "script": "# wcow.buildkit operation: file_write\n", "params": params}
    return run_powershell(store, BOOTSTRAP, base64.b64encode(json.dumps(document).encode()) + b"\r\n")


def staged(state):
    return [key for key in files.children(state, DIR) if key.lower().endswith(".tmp")]


@pytest.fixture
def store(tmp_path):
    return HostStore.create(tmp_path / "state" / "h.json", "ws2022", containers=True)


def test_a_run_killed_before_the_swap_leaves_its_staged_file_and_the_next_run_removes_it(store):
    assert file_write(store, "old").rc == 0
    faults.set_faults(store.path, [{"kind": "drop_connection", "operation": "file_write", "kill_after_moves": 0}])
    killed = file_write(store, "new")
    assert (killed.rc, killed.stdout) == (1, b""), "killed: no output"
    state = store.read()
    assert files.read_bytes(state, CONF) == b"old", "killed before the swap"
    left = staged(state)
    assert len(left) == 1 and files.read_bytes(state, left[0]) == b"new"

    faults.clear_faults(store.path)
    assert file_write(store, "new").rc == 0
    state = store.read()
    assert files.read_bytes(state, CONF) == b"new"
    assert staged(state) == []


@pytest.fixture
def state():
    state = build_state("ws2022", containers=True)
    files.ensure_dir(state, DIR)
    return state


def test_only_its_own_staged_names_are_removed(state):
    mine = [CONF + ".0a1b2c3d.tmp", DIR + "\\APP.CONF.deadbeef.tmp"]
    others = [
        CONF + ".0A1B2C3E.tmp",  # upper-case hex: [Guid]::ToString('N') never writes that
        CONF + ".0a1b2c3.tmp", CONF + ".0a1b2c3d9.tmp", CONF + ".0a1b2c3g.tmp",  # not 8 hex digits
        CONF + ".0a1b2c3d.tmp.keep", CONF + ".0a1b2c3d.bak", CONF + ".20240101-000000.0a1b2c3d.bak",
        DIR + "\\other.conf.0a1b2c3d.tmp", DIR + "\\xapp.conf.0a1b2c3d.tmp", CONF + ".tmp",
    ]
    for path in mine + others:
        files.write_bytes(state, path, b"x")
    files.ensure_dir(state, CONF + ".1234abcd.tmp")  # a folder of that name: GetFiles lists files only
    HANDLERS["file_write"](state, {"path": CONF, "content": "c", "content_encoding": "text", "backup": False})
    assert files.read_bytes(state, CONF) == b"c"
    assert not any(files.lookup(state, path) for path in mine)
    assert all(files.is_file(state, path) for path in others)
    assert files.is_dir(state, CONF + ".1234abcd.tmp")


def test_a_staged_file_that_cannot_be_deleted_stays_and_the_write_goes_on(state):
    held = CONF + ".0a1b2c3d.tmp"
    files.write_bytes(state, held, b"x")
    state["files"][held]["in_use"] = True
    HANDLERS["file_write"](state, {"path": CONF, "content": "c", "content_encoding": "text", "backup": False})
    assert files.read_bytes(state, CONF) == b"c" and files.is_file(state, held)
