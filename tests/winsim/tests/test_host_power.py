"""winsim.host.power: a host whose state schedules no restart always answers WinRM."""


def test_a_store_without_boot_state_always_answers(make_server, ws):
    server = make_server()
    assert server.power.answering() is True
    assert ws.run(ws.protocol(server), ws.runner_line("ECHO up"))[0] == b"up\r\n"
