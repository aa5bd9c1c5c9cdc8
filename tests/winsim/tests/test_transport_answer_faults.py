"""winsim.transport.answer_faults: the listener spoils the answer of a command whose operation a fault names."""

import time
import xml.etree.ElementTree as ET

import pytest

from winsim.host import faults
from winsim.host.store import HostStore
from winsim.transport import answer_faults, wsman


@pytest.fixture
def store(tmp_path):
    return HostStore.create(tmp_path / "state" / "host.json", "ws2022", containers=True)


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
