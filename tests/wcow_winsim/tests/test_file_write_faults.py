"""Faults (winsim.host.faults) met by file_write through the bootstrap: a full disk, a kill, a restart."""

import base64
import json
import time

import pytest

from wcow_winsim import run_powershell
from winsim.host import faults
from winsim.host.store import HostStore
from winsim.windows import boot, files

BOOTSTRAP = "# wcow.buildkit bootstrap\r\n"
CONF = "C:\\ProgramData\\app\\app.conf"


def payload(name, params):
    document = {"operation": name, "script": f"# wcow.buildkit operation: {name}\n", "params": params}
    return base64.b64encode(json.dumps(document).encode("utf-8"))


def file_write(store, path=CONF, content="0123456789"):
    params = {"path": path, "content": content, "content_encoding": "text", "backup": False}
    return run_powershell(store, BOOTSTRAP, payload("file_write", params) + b"\r\n")


@pytest.fixture
def store(tmp_path):
    return HostStore.create(tmp_path / "state" / "host.json", "ws2022", containers=True)


def test_file_write_on_a_full_disk_keeps_the_old_file_and_no_staged_one(store):
    assert file_write(store, content="old").rc == 0
    faults.set_faults(store.path, [{"kind": "disk_full", "capacity_bytes": 8}])
    result = file_write(store, content="much longer than eight bytes")
    assert result.rc == 1
    assert "There is not enough space on the disk." in json.loads(result.stdout)["wcow_error"]["message"]
    state = store.read()
    assert files.read_bytes(state, CONF) == b"old"
    assert [k for k in state["files"] if k.endswith(".tmp")] == []


def test_kill_at_the_first_write_changes_only_what_came_before(store):
    faults.set_faults(store.path, [{"kind": "http_500", "operation": "file_write", "kill_after_writes": 0}])
    assert file_write(store).rc == 1
    state = store.read()
    assert files.is_dir(state, "C:\\ProgramData\\app"), "the directory was created before the write"
    assert not any(k.lower().startswith(CONF.lower()) for k in state["files"])


def test_a_fault_hits_only_its_operation_and_match(store):
    faults.set_faults(store.path, [{"kind": "drop_connection", "operation": "file_write",
                                    "match": {"path": "C:\\other"}, "kill_after_writes": 0}])
    assert file_write(store).rc == 0
    assert files.read_bytes(store.read(), CONF) == b"0123456789"


def test_a_reboot_fault_takes_the_host_down_at_once(store):
    faults.set_faults(store.path, [{"kind": "reboot", "operation": "file_write", "kill_after_writes": 1}])
    file_write(store)
    state = store.read()
    assert boot.shutdown_phase(state, time.time()) == "down"
    assert state["boot"]["shutdown"]["comment"].startswith("winsim fault")
