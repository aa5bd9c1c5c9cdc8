"""winsim.host.faults: the fault file, and each fault as the host model applies it inside an operation run
(the listener's side: test_transport_answer_faults.py)."""

import json

import pytest

from winsim.host import faults
from winsim.host.store import HostStore
from winsim.windows import files, hns, scm

CONF = "C:\\ProgramData\\app\\app.conf"


@pytest.fixture
def store(tmp_path):
    return HostStore.create(tmp_path / "state" / "host.json", "ws2022", containers=True)


def test_the_fault_file_sits_beside_the_state_and_is_checked(store):
    faults.set_faults(store.path, [{"kind": "disk_full", "capacity_bytes": 5}])
    assert faults.faults_path(store.path).name == "host.faults.json"
    assert faults.load(store.path) == [{"kind": "disk_full", "capacity_bytes": 5}]
    faults.clear_faults(store.path)
    assert faults.load(store.path) == []
    for bad in ({"kind": "meteor"}, {"kind": "slow", "operation": "file_write"},
                {"kind": "slow", "operation": "file_write", "delay_s": 1, "kill_after_writes": 1},
                {"kind": "http_500", "operation": "file_write", "kill_after_moves": "1"},
                {"kind": "hns_error", "error": "E_NOPE"}):
        with pytest.raises(faults.FaultError):
            faults.set_faults(store.path, [bad])


def test_a_host_created_with_faults_has_them_and_a_fresh_one_has_none(tmp_path):
    path = tmp_path / "h.json"
    HostStore.create(path, "ws2022", faults=[{"kind": "disk_full", "capacity_bytes": 1}])
    assert faults.load(path)[0]["kind"] == "disk_full"
    HostStore.create(path, "ws2022")
    assert faults.load(path) == []


def test_outside_an_operation_no_fault_applies(store):
    faults.set_faults(store.path, [{"kind": "disk_full", "capacity_bytes": 0}])
    with store.transaction() as state:
        files.ensure_dir(state, "C:\\ProgramData\\app")
        files.write_bytes(state, CONF, b"written by hand")
    assert files.read_bytes(store.read(), CONF) == b"written by hand"


def test_a_full_disk_fails_the_write_and_leaves_what_fit_in_the_written_file(store):
    faults.set_faults(store.path, [{"kind": "disk_full", "capacity_bytes": 4}])
    with store.transaction() as state, faults.injected(store, "any", {}, state):
        files.ensure_dir(state, "C:\\ProgramData\\app")
        files.write_bytes(state, CONF, b"abc")
        files.write_bytes(state, CONF, b"wxyz")  # replaces 3 bytes: fits exactly
        with pytest.raises(files.WindowsIOError) as raised:
            files.write_bytes(state, CONF + ".2", b"more")
        assert raised.value.kind == "IOException"
        assert raised.value.message == "There is not enough space on the disk."
        assert files.read_bytes(state, CONF + ".2") == b""


def test_a_killed_process_keeps_what_it_did_and_runs_no_cleanup(store):
    faults.set_faults(store.path, [{"kind": "drop_connection", "operation": "op", "kill_after_writes": 1}])
    with store.transaction() as state, faults.injected(store, "op", {}, state) as session:
        files.ensure_dir(state, "C:\\ProgramData\\app")
        files.write_bytes(state, CONF + ".staged", b"first")
        try:
            files.write_bytes(state, CONF, b"second")
        except files.WindowsIOError:  # a catch block: a killed process never gets there
            files.delete(state, CONF + ".staged")
        pytest.fail("the process was killed at its second write")
    assert session.killed
    state = store.read()
    assert files.read_bytes(state, CONF + ".staged") == b"first"
    assert not files.is_file(state, CONF)


def test_an_hns_fault_answers_success_false_with_the_hcn_code(store):
    faults.set_faults(store.path, [{"kind": "hns_error", "method": "POST", "path": "/networks"}])
    with store.transaction() as state, faults.injected(store, "hns_network_apply", {}, state):
        assert json.loads(hns.hns_call(state, "GET", "/networks/", ""))["Success"] is True
        failed = json.loads(hns.hns_call(state, "POST", "/networks/", "{}"))
    assert failed == {"Error": "Operation cannot be performed while service is stopping. ",
                      "ErrorCode": 0x803B0020, "Success": False}


def test_a_process_killed_between_a_service_deletion_and_its_registration_leaves_no_service(store):
    faults.set_faults(store.path, [{"kind": "drop_connection", "operation": "op", "kill_after_scm_changes": 1}])
    with store.transaction() as state:
        scm.create_service(state, "svc", '"C:\\svc.exe"')
    with store.transaction() as state, faults.injected(store, "op", {}, state) as session:
        scm.delete_service(state, "svc")
        scm.create_service(state, "svc", '"C:\\svc.exe" --new')
        pytest.fail("the process was killed at its second SCM change")
    assert session.killed
    assert scm.find(store.read(), "svc") is None, "deleted, never registered again"
