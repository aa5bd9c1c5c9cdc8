"""WinRM quotas, per-host counters and added latency."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from winrm.exceptions import WinRMTransportError, WSManFaultError

from winsim.transport.shells import Limits


def test_the_31st_shell_of_a_user_exceeds_the_quota(server, ws):
    proto = ws.protocol(server)
    shells = [proto.open_shell() for _unused in range(30)]
    with pytest.raises(WSManFaultError) as fault:
        proto.open_shell()
    assert (fault.value.code, fault.value.wsman_fault_code) == (500, 2150859173)
    assert fault.value.fault_subcode == "w:QuotaLimit"
    assert "This user is allowed a maximum number of 30 concurrent shells, which has been exceeded." \
        in fault.value.response
    proto.close_shell(shells.pop(), close_session=False)
    shells.append(proto.open_shell())
    assert server.counters.snapshot()["shells_opened"] == 31


def test_the_shell_quota_is_configurable(make_server, ws):
    proto = ws.protocol(make_server(limits=Limits(max_shells_per_user=1)))
    proto.open_shell()
    with pytest.raises(WSManFaultError, match="maximum number of concurrent shells"):
        proto.open_shell()


def test_an_envelope_over_max_envelope_size_is_http_413(make_server, ws):
    proto = ws.protocol(make_server(limits=Limits(max_envelope_kb=4)))
    shell_id = proto.open_shell()
    command_id = proto.run_command(shell_id, ws.runner_line("STDIN"), console_mode_stdin=False)
    with pytest.raises(WinRMTransportError) as error:
        proto.send_command_input(shell_id, command_id, b"x" * 4096, end=True)
    assert error.value.code == 413


def test_the_default_envelope_limit_takes_ansible_put_file_chunks(server, ws):
    # connection/winrm.py _put_file_stdin_iterator: 250000-byte chunks sent as
    # base64 + CRLF, which the Send envelope encodes again (~445 kB < 500 kB).
    chunk = base64.b64encode(b"y" * 250000) + b"\r\n"
    proto = ws.protocol(server)
    assert ws.run(proto, ws.runner_line("STDIN"), stdin=chunk)[0] == chunk
    with pytest.raises(WinRMTransportError) as error:
        ws.run(proto, ws.runner_line("STDIN"), stdin=b"z" * 400000)
    assert error.value.code == 413


def test_commands_count_against_the_operations_quota_until_the_shell_closes(make_server, ws):
    proto = ws.protocol(make_server(limits=Limits(max_concurrent_operations_per_user=3)))
    shell_id = proto.open_shell()
    for _unused in range(3):
        command_id = proto.run_command(shell_id, ws.runner_line("ECHO x"))
        proto.get_command_output(shell_id, command_id)
        proto.cleanup_command(shell_id, command_id)  # Terminate does not give the operation back
    with pytest.raises(WSManFaultError) as fault:
        proto.run_command(shell_id, ws.runner_line("ECHO x"))
    # The code ansible-core's winrm plugin answers by re-creating the shell.
    assert fault.value.wmierror_code == 0x803381A6
    assert "maximum number of 3 concurrent operations" in fault.value.reason
    proto.close_shell(shell_id, close_session=False)
    fresh = proto.open_shell()
    assert proto.run_command(fresh, ws.runner_line("ECHO x"))


def test_counters_count_requests_by_action_bytes_and_executions(server, ws):
    proto = ws.protocol(server)
    ws.run(proto, ws.runner_line("STDIN"), stdin=b"abc")
    counters = server.counters.snapshot()
    assert counters["requests"] == {"Command": 1, "Create": 1, "Delete": 1, "Receive": 1, "Send": 1, "Signal": 1}
    assert counters["requests_total"] == 6
    assert (counters["powershell_executions"], counters["shells_opened"]) == (1, 1)
    assert counters["bytes_received"] > 6 * 1000 and counters["bytes_sent"] > 6 * 500

    over_http = requests.get(f"http://127.0.0.1:{server.port}/winsim/counters", timeout=5).json()
    assert over_http["requests"] == counters["requests"] and over_http["open_shells"] == 0

    requests.post(f"http://127.0.0.1:{server.port}/winsim/counters/reset", timeout=5)
    assert server.counters.snapshot()["requests_total"] == 0


def test_two_hosts_count_separately(make_server, ws):
    busy, idle = make_server(), make_server()
    ws.run(ws.protocol(busy), ws.runner_line("ECHO x"))
    assert busy.counters.snapshot()["requests_total"] == 5
    assert idle.counters.snapshot()["requests_total"] == 0


def test_latency_is_added_to_every_request(make_server, ws):
    slow = make_server(latency_ms=150)
    started = time.monotonic()
    ws.run(ws.protocol(slow), ws.runner_line("ECHO x"))  # 5 requests
    assert time.monotonic() - started >= 0.75

    reply = requests.post(f"http://127.0.0.1:{slow.port}/winsim/latency", data=json.dumps({"latency_ms": 0}),
                          timeout=5)
    assert reply.json() == {"latency_ms": 0}
    started = time.monotonic()
    ws.run(ws.protocol(slow), ws.runner_line("ECHO x"))
    assert time.monotonic() - started < 0.75


def test_the_control_api_refuses_what_it_does_not_know(server):
    base = f"http://127.0.0.1:{server.port}"
    assert requests.get(base + "/winsim/nothing", timeout=5).status_code == 404
    assert requests.post(base + "/winsim/latency", data=b"{}", timeout=5).status_code == 400
    assert requests.get(base + "/wsman", timeout=5).status_code == 404
