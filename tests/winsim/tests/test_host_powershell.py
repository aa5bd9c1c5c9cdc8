"""winsim.host.powershell: the plug-ins decide what a script does; a script none claims fails."""

from __future__ import annotations

import types

import pytest

from winsim.host import faults
from winsim.host.powershell import UncaughtError, run_powershell
from winsim.host.store import HostStore
from winsim.plugin import Operation, ProcessResult
from winsim.windows import files

CONF = "C:\\ProgramData\\app\\app.conf"


@pytest.fixture
def store(tmp_path):
    return HostStore.create(tmp_path / "host.json", "ws2022")


def plugin(claims):
    """A plug-in whose invoke answers claims(script, stdin), and records what it was asked."""
    asked = []

    def invoke(script, stdin):
        asked.append(script)
        return claims(script, stdin)

    return types.SimpleNamespace(invoke=invoke, asked=asked)


def writes(first, second, then=ProcessResult(b"done\r\n")):
    """An Operation that writes two files, then answers `then`."""
    def run(state):
        files.ensure_dir(state, files.parent(CONF))
        files.write_bytes(state, first, b"1")
        files.write_bytes(state, second, b"2")
        return then

    return Operation("write_two", {"path": first}, run)


def test_without_a_plugin_every_script_fails_as_an_uncaught_error_and_changes_nothing(store):
    before = store.path.read_bytes()
    result = run_powershell(store, "Get-Date\r\n", b"")
    assert (result.rc, result.stdout) == (1, b"")
    assert result.stderr.startswith(b'#< CLIXML\r\n<Objs Version="1.1.0.1"')
    assert b"WinSimUnrecognisedScript" in result.stderr and b"'Get-Date'" in result.stderr
    assert store.path.read_bytes() == before


def test_the_first_plugin_that_claims_the_script_answers(store):
    declines = plugin(lambda script, stdin: None)
    answers = plugin(lambda script, stdin: ProcessResult(stdin, b"", 3))
    never = plugin(lambda script, stdin: ProcessResult(b"", b"", 0))
    assert run_powershell(store, "X", b"in", [declines, answers, never]) == ProcessResult(b"in", b"", 3)
    assert (declines.asked, answers.asked, never.asked) == (["X"], ["X"], [])


def test_an_uncaught_error_of_a_plugin_is_a_clixml_record():
    result = UncaughtError("a <b> & _x", "NotSpecified: (:) [], RuntimeException", "Some.Id").result()
    assert result.rc == 1 and result.stdout == b""
    assert "a &lt;b&gt; &amp; _x005F_x" in result.stderr.decode() and "Some.Id" in result.stderr.decode()


def test_an_operation_runs_in_a_transaction_and_keeps_what_it_wrote_when_it_fails(store):
    seen = []
    failing = writes(CONF, CONF + ".2", then=ProcessResult(b"", b"failed\r\n", 1))
    result = run_powershell(store, "X", b"", [plugin(lambda script, stdin: failing)], on_operation=seen.append)
    assert result == ProcessResult(b"", b"failed\r\n", 1)
    assert seen == [failing], "the listener hears of the operation"
    state = store.read()
    assert files.read_bytes(state, CONF) == b"1" and files.read_bytes(state, CONF + ".2") == b"2"


def test_a_fault_on_the_operation_kills_it_midway_and_takes_its_answer(store):
    faults.set_faults(store.path, [{"kind": "drop_connection", "operation": "write_two", "match": {"path": CONF},
                                    "kill_after_writes": 1}])
    result = run_powershell(store, "X", b"", [plugin(lambda script, stdin: writes(CONF, CONF + ".2"))])
    assert result == ProcessResult(b"", b"", 1)
    state = store.read()
    assert files.read_bytes(state, CONF) == b"1" and not files.is_file(state, CONF + ".2")
    other = run_powershell(store, "X", b"", [plugin(lambda script, stdin: writes(CONF + ".3", CONF + ".4"))])
    assert other.rc == 0, "the fault matches the operation's parameters only"
