"""The WS-Management server driven by the real pywinrm client."""

from __future__ import annotations

import types
import uuid
import xml.etree.ElementTree as ET

import pytest
import requests
import xmltodict
from winrm.exceptions import InvalidCredentialsError, WinRMOperationTimeoutError, WSManFaultError

SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
CMD = SHELL + "cmd"


@pytest.mark.parametrize("version", ["2.18", "2.19", "2.21"])
def test_every_ansible_command_shape_reaches_the_innermost_script_with_stdin(server, ws, version):
    command, args = ws.shapes[version](ws.runner_line("STDIN"))
    stdout, stderr, rc = ws.run(ws.protocol(server), command, args, stdin=b"payload on stdin")
    assert (stdout, stderr, rc) == (b"payload on stdin", b"", 0)
    assert ws.scripts_seen == [("STDIN", b"payload on stdin")]
    assert server.counters.snapshot()["powershell_executions"] == 1


@pytest.mark.parametrize(("version", "expected_rc"), [("2.18", 1), ("2.19", 3), ("2.21", 3)])
def test_exit_code_passes_through_or_becomes_1_behind_the_2_18_wrapper(server, ws, version, expected_rc):
    command, args = ws.shapes[version](ws.runner_line("EXIT 3"))
    stdout, stderr, rc = ws.run(ws.protocol(server), command, args)
    assert (stderr, rc) == (b"exiting\r\n", expected_rc)


def test_console_mode_stdin_runs_the_command_without_a_send(server, ws):
    stdout, _unused, rc = ws.run(ws.protocol(server), "powershell", ["-EncodedCommand", ws.encode("ECHO hi")])
    assert (stdout, rc) == (b"hi\r\n", 0)
    assert server.counters.snapshot()["requests"].get("Send") is None


def test_without_console_mode_the_command_waits_for_the_end_of_stdin(server, ws):
    proto = ws.protocol(server, operation_timeout_sec=1)
    shell_id = proto.open_shell()
    command_id = proto.run_command(shell_id, ws.runner_line("STDIN"), console_mode_stdin=False)
    proto.send_command_input(shell_id, command_id, b"first ", end=False)
    with pytest.raises(WinRMOperationTimeoutError):
        proto.get_command_output_raw(shell_id, command_id)
    assert ws.scripts_seen == []
    proto.send_command_input(shell_id, command_id, b"second", end=True)
    assert proto.get_command_output(shell_id, command_id) == (b"first second", b"", 0)
    proto.close_shell(shell_id)


def test_a_long_command_answers_timeouts_until_done_and_pywinrm_retries(server, ws):
    proto = ws.protocol(server, operation_timeout_sec=1)
    shell_id = proto.open_shell()
    command_id = proto.run_command(shell_id, ws.runner_line("SLEEP 2.5"))
    with pytest.raises(WinRMOperationTimeoutError):
        proto.get_command_output_raw(shell_id, command_id)
    assert proto.get_command_output(shell_id, command_id) == (b"slept\r\n", b"", 0)
    assert server.counters.snapshot()["requests"]["Receive"] >= 3
    proto.close_shell(shell_id)


def test_the_timeout_fault_is_the_one_windows_sends(server, ws):
    proto = ws.protocol(server, operation_timeout_sec=1)
    shell_id = proto.open_shell()
    command_id = proto.run_command(shell_id, ws.runner_line("SLEEP 2"))
    header = proto.build_wsman_header(SHELL + "Receive", CMD, shell_id)
    header["env:Header"]["w:OperationTimeout"] = "PT0.500S"
    header["env:Body"] = {"rsp:Receive": {"rsp:DesiredStream": {"@CommandId": command_id, "#text": "stdout stderr"}}}
    reply = requests.post(server.endpoint, data=xmltodict.unparse({"env:Envelope": header}),
                          auth=("Administrator", ws.PASSWORD), timeout=10)
    assert reply.status_code == 500
    root = ET.fromstring(reply.content)
    ns = {"s": "http://www.w3.org/2003/05/soap-envelope", "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"}
    assert root.findtext("s:Body/s:Fault/s:Code/s:Subcode/s:Value", namespaces=ns) == "w:TimedOut"
    assert root.find("s:Body/s:Fault/s:Detail/f:WSManFault", ns).get("Code") == "2150858793"


def test_replies_relate_to_the_request_message_id(server, ws):
    proto = ws.protocol(server)
    message_id = uuid.uuid4()
    header = proto.build_wsman_header("http://schemas.xmlsoap.org/ws/2004/09/transfer/Create", CMD,
                                      message_id=message_id)
    header["env:Body"] = {"rsp:Shell": {"rsp:InputStreams": "stdin", "rsp:OutputStreams": "stdout stderr"}}
    reply = ET.fromstring(proto.send_message(xmltodict.unparse({"env:Envelope": header})))
    relates_to = reply.find(".//{http://schemas.xmlsoap.org/ws/2004/08/addressing}RelatesTo").text
    assert relates_to == f"uuid:{message_id}"
    shell_id = reply.find(".//{http://schemas.microsoft.com/wbem/wsman/1/windows/shell}ShellId").text
    proto.close_shell(shell_id)  # pywinrm asserts RelatesTo here too


def test_a_wrong_password_is_http_401_basic(server, ws):
    with pytest.raises(InvalidCredentialsError, match="the specified credentials were rejected by the server"):
        ws.protocol(server, password="wrong").open_shell()
    reply = requests.post(server.endpoint, data=b"<x/>", timeout=10)
    assert reply.status_code == 401
    assert reply.headers["WWW-Authenticate"] == 'Basic realm="WSMAN"'
    assert server.counters.snapshot()["requests"] == {"Unauthorized": 2}


def test_an_unknown_action_is_a_fault(server, ws):
    proto = ws.protocol(server)
    header = proto.build_wsman_header("http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", CMD)
    header["env:Body"] = {}
    with pytest.raises(WSManFaultError) as fault:
        proto.send_message(xmltodict.unparse({"env:Envelope": header}))
    assert (fault.value.code, fault.value.fault_subcode) == (500, "a:ActionNotSupported")


def test_another_resource_uri_is_a_fault(server, ws):
    proto = ws.protocol(server)
    header = proto.build_wsman_header("http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
                                      "http://schemas.microsoft.com/powershell/Microsoft.PowerShell")
    header["env:Body"] = {"rsp:Shell": {"rsp:InputStreams": "stdin"}}
    with pytest.raises(WSManFaultError) as fault:
        proto.send_message(xmltodict.unparse({"env:Envelope": header}))
    assert fault.value.wsman_fault_code == 2150858752


@pytest.mark.parametrize("body", [b"not xml at all", b"<x/>",
                                  b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"/>'])
def test_a_malformed_envelope_is_a_fault(server, ws, body):
    reply = requests.post(server.endpoint, data=body, auth=("Administrator", ws.PASSWORD), timeout=10)
    assert reply.status_code == 500
    assert b"<s:Fault>" in reply.content and b"w:SchemaValidationError" in reply.content


def test_an_unknown_shell_is_a_fault(server, ws):
    with pytest.raises(WSManFaultError) as fault:
        ws.protocol(server).run_command("6B2A2C48-0000-0000-0000-000000000000", "powershell", ["-c", "x"])
    assert fault.value.wsman_fault_code == 2150858843
    assert "shell was not found" in fault.value.response


def test_terminate_forgets_the_command(server, ws):
    proto = ws.protocol(server)
    shell_id = proto.open_shell()
    command_id = proto.run_command(shell_id, ws.runner_line("ECHO x"))
    assert proto.get_command_output(shell_id, command_id)[2] == 0
    proto.cleanup_command(shell_id, command_id)
    with pytest.raises(WSManFaultError) as fault:
        proto.get_command_output_raw(shell_id, command_id)
    assert "command identifier that does not exist" in fault.value.response
    proto.close_shell(shell_id)
    with pytest.raises(WSManFaultError):
        proto.close_shell(shell_id)


def test_stdin_after_console_mode_is_refused_not_ignored(server, ws):
    proto = ws.protocol(server)
    shell_id = proto.open_shell()
    command_id = proto.run_command(shell_id, ws.runner_line("ECHO x"), console_mode_stdin=True)
    with pytest.raises(WSManFaultError, match="not modelled"):
        proto.send_command_input(shell_id, command_id, b"late", end=True)
    proto.close_shell(shell_id)


def test_output_larger_than_an_envelope_spans_several_receives(server, ws):
    stdout, stderr, rc = ws.run(ws.protocol(server), ws.runner_line("BIG 200000"))
    assert (len(stdout), len(stderr), rc) == (200000, 200000, 0)
    assert set(stdout) == {ord("o")} and set(stderr) == {ord("e")}
    assert server.counters.snapshot()["requests"]["Receive"] >= 4


def test_a_model_failure_reaches_the_client_as_a_failure(make_server, ws):
    def broken(script, stdin):
        raise RuntimeError("model bug")

    plugins = [types.SimpleNamespace(invoke=broken)]
    stdout, stderr, rc = ws.run(ws.protocol(make_server(plugins=plugins)), ws.runner_line("ECHO x"))
    assert rc == 1 and b"model bug" in stderr
