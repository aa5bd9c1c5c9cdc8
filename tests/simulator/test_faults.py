"""winsim.host.faults: the fault file, and each fault as the host model and the listener (winsim.transport.answer_faults)
apply it."""

import base64
import json
import time
import xml.etree.ElementTree as ET

import pytest

from winsim.host import faults

from wcow_winsim import run_powershell
from winsim.host.store import HostStore
from winsim.transport import answer_faults, wsman
from winsim.windows import boot, files, hns

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


def test_file_write_on_a_full_disk_keeps_the_old_file_and_no_staged_one(store):
    assert file_write(store, content="old").rc == 0
    faults.set_faults(store.path, [{"kind": "disk_full", "capacity_bytes": 8}])
    result = file_write(store, content="much longer than eight bytes")
    assert result.rc == 1
    assert "There is not enough space on the disk." in json.loads(result.stdout)["wcow_error"]["message"]
    state = store.read()
    assert files.read_bytes(state, CONF) == b"old"
    assert [k for k in state["files"] if k.endswith(".tmp")] == []


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


def test_an_hns_fault_answers_success_false_with_the_hcn_code(store):
    faults.set_faults(store.path, [{"kind": "hns_error", "method": "POST", "path": "/networks"}])
    with store.transaction() as state, faults.injected(store, "hns_network_apply", {}, state):
        assert json.loads(hns.hns_call(state, "GET", "/networks/", ""))["Success"] is True
        failed = json.loads(hns.hns_call(state, "POST", "/networks/", "{}"))
    assert failed == {"Error": "Operation cannot be performed while service is stopping. ",
                      "ErrorCode": 0x803B0020, "Success": False}


def _request(action, command_id):
    body = ET.Element(f"{{{wsman.NS['s']}}}Body")
    receive = ET.SubElement(body, f"{{{wsman.NS['rsp']}}}Receive")
    ET.SubElement(receive, f"{{{wsman.NS['rsp']}}}DesiredStream", CommandId=command_id).text = "stdout stderr"
    return wsman.Request(action=wsman.SHELL + action, message_id="uuid:1", resource_uri=wsman.CMD_RESOURCE_URI,
                         body=body)


def _command(injector, command_id, operation, params):
    # The host's powershell.exe tells the listener which operation the command runs, then it is answered.
    injector.operation_started(command_id, operation, params)
    return injector.around(_request("Receive", command_id), lambda: b"output")


@pytest.mark.parametrize("kind, outcome", [("drop_connection", answer_faults.DropConnection), ("http_500", wsman.Fault)])
def test_the_listener_spoils_only_the_answer_of_the_faulted_operation(store, kind, outcome):
    faults.set_faults(store.path, [{"kind": kind, "operation": "service_apply", "match": {"name": "buildkitd"}}])
    injector = answer_faults.Injector(store.path)
    assert _command(injector, "A", "service_apply", {"name": "containerd"}) == b"output"
    assert _command(injector, "B", "file_write", {"name": "buildkitd"}) == b"output"
    with pytest.raises(outcome) as raised:
        _command(injector, "C", "service_apply", {"name": "buildkitd"})
    if kind == "http_500":
        assert raised.value.wsman_code == 995 and "I/O operation has been aborted" in raised.value.reason


def test_a_slow_host_answers_after_the_delay(store):
    faults.set_faults(store.path, [{"kind": "slow", "operation": "file_write", "delay_s": 0.3}])
    injector = answer_faults.Injector(store.path)
    started = time.monotonic()
    assert _command(injector, "A", "file_write", {}) == b"output"
    assert time.monotonic() - started >= 0.3


def test_without_a_fault_file_the_listener_only_answers(store):
    injector = answer_faults.Injector(store.path)
    assert _command(injector, "A", "file_write", {}) == b"output"
