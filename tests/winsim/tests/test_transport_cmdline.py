"""Command lines as cmd.exe and powershell.exe treat them (winsim.transport.cmdline)."""

from __future__ import annotations

import pytest

from winsim.transport import cmdline


class Recorder:
    def __init__(self, rc=0):
        self.calls = []
        self.rc = rc

    def __call__(self, script, stdin):
        self.calls.append((script, stdin))
        return cmdline.ProcessResult(b"out", b"err", self.rc)


@pytest.mark.parametrize("version", ["2.18", "2.19", "2.21"])
def test_each_ansible_shape_decodes_to_the_innermost_script(ws, version):
    command, args = ws.shapes[version](ws.runner_line("Get-Date\r\n$x = 1"))
    run = Recorder()
    result = cmdline.run_command_line(" ".join([command] + args), b"in", run)
    assert run.calls == [("Get-Date\r\n$x = 1", b"in")]
    assert (result.stdout, result.stderr, result.rc) == (b"out", b"err", 0)


@pytest.mark.parametrize(("inner_rc", "outer_rc"), [(0, 0), (1, 1), (5, 1), (-1, 1)])
def test_a_wrapping_powershell_exits_0_or_1_after_its_native_command(ws, inner_rc, outer_rc):
    command, args = ws.shapes["2.18"](ws.runner_line("x"))
    result = cmdline.run_command_line(" ".join([command] + args), b"", Recorder(inner_rc))
    assert result.rc == outer_rc


def test_a_command_line_over_8191_characters_is_too_long(ws):
    prefix = "powershell -Command ECHO "
    run = Recorder()
    at_limit = cmdline.run_command_line(prefix + "a" * (8191 - len(prefix)), b"", run)
    assert at_limit.rc == 0 and len(run.calls) == 1
    over = cmdline.run_command_line(prefix + "a" * (8192 - len(prefix)), b"", run)
    assert (over.stdout, over.stderr, over.rc) == (b"", b"The command line is too long.\r\n", 1)
    assert len(run.calls) == 1


def test_2_18_double_encoding_of_a_large_script_hits_the_limit(ws):
    # Why the runner sends its payload on stdin (docs/architecture.md).
    command, args = ws.shapes["2.18"](ws.runner_line("#" * 1200))
    assert cmdline.run_command_line(" ".join([command] + args), b"", Recorder()).rc == 1


@pytest.mark.parametrize("line", ["pwsh -Command x", "foo.exe /bar", "C:\\Tools\\powershell.exe -Command x"])
def test_an_unknown_program_is_not_recognized(line):
    run = Recorder()
    result = cmdline.run_command_line(line, b"", run)
    program = line.split()[0]
    assert result.stderr == (f"'{program}' is not recognized as an internal or external command,\r\n"
                             "operable program or batch file.\r\n").encode()
    assert result.rc == 1 and run.calls == []


@pytest.mark.parametrize("line", ["echo hello", "type file.txt | powershell -Command -", "cmd.exe /c ver"])
def test_cmd_built_ins_and_nested_cmd_fail_loudly(line):
    result = cmdline.run_command_line(line, b"", Recorder())
    assert result.rc == 1 and b"not modelled" in result.stderr


@pytest.mark.parametrize("program", ["PowerShell", "powershell", "POWERSHELL.EXE",
                                     "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                                     '"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"'])
def test_powershell_is_found_by_name_or_full_path(ws, program):
    run = Recorder()
    cmdline.run_command_line(f"{program} -EncodedCommand {ws.encode('x')}", b"", run)
    assert run.calls == [("x", b"")]


@pytest.mark.parametrize("switch", ["-EncodedCommand", "-encodedcommand", "-enc", "-ec", "-e", "/e", "--enc"])
def test_encoded_command_abbreviations(ws, switch):
    run = Recorder()
    cmdline.run_command_line(f"powershell -nop -noni -ex Bypass -InputFormat None {switch} {ws.encode('y')}",
                             b"", run)
    assert run.calls == [("y", b"")]


def test_encoded_arguments_are_refused_as_unsupported(ws):
    run = Recorder()
    result = cmdline.run_command_line(f"powershell -EncodedCommand {ws.encode('x')} -EncodedArguments AAAA",
                                      b"", run)
    assert result.rc == 1 and b"-EncodedArguments" in result.stderr and run.calls == []


def test_bad_base64_is_a_bad_parameter():
    result = cmdline.run_command_line("powershell -EncodedCommand not*base64", b"", Recorder())
    assert result.rc == 64 and b"not properly encoded" in result.stderr


def test_command_text_and_command_from_stdin():
    run = Recorder()
    cmdline.run_command_line("powershell -NoProfile -Command Get-Item C:\\", b"", run)
    cmdline.run_command_line("powershell -NoProfile Get-Item", b"", run)
    cmdline.run_command_line("powershell -Command -", b"Write-Output 1", run)
    assert run.calls == [("Get-Item C:\\", b""), ("Get-Item", b""), ("Write-Output 1", b"")]


def test_powershell_without_a_command_fails_loudly():
    result = cmdline.run_command_line("powershell -NoProfile", b"", Recorder())
    assert result.rc == 1 and b"not modelled" in result.stderr


def test_a_script_that_only_mentions_powershell_is_the_innermost(ws):
    run = Recorder()
    script = "PowerShell -NoProfile -Command 'quoted'"
    cmdline.run_command_line(f"powershell -EncodedCommand {ws.encode(script)}", b"", run)
    assert run.calls == [(script, b"")]


@pytest.mark.parametrize(("line", "argv"), [
    ('a "b c" d', ["a", "b c", "d"]),
    (r'a\\b "c\"d" e\\"f g"', [r"a\\b", 'c"d', r"e\f g"]),
    ('"" x', ["", "x"]),
    ('  spaced\targs  ', ["spaced", "args"]),
    ('"a""b"', ['a"b']),
])
def test_windows_argument_splitting(line, argv):
    assert cmdline.split_windows_args(line) == argv


def test_over_the_wire_too_long_and_unknown_program(server, ws):
    proto = ws.protocol(server)
    assert ws.run(proto, "powershell", ["-Command", "ECHO " + "a" * 8200]) == (
        b"", b"The command line is too long.\r\n", 1)
    stdout, stderr, rc = ws.run(proto, "pwsh", ["-Command", "x"])
    assert (rc, stderr.splitlines()[0]) == (1, b"'pwsh' is not recognized as an internal or external command,")
    assert server.counters.snapshot()["powershell_executions"] == 0
