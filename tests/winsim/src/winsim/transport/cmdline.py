"""What cmd.exe and powershell.exe do with a WinRS command line.

WinRM joins rsp:Command and each rsp:Arguments with a space and hands the
line to cmd.exe (MS-WSMV, Text-based Command Shell; pywinrm protocol.py
run_command joins the arguments the same way). The shapes ansible-core sends:

- 2.18 (connection/winrm.py exec_command): every command goes through
  shell/powershell.py _encode_script, so an already encoded PowerShell line is
  encoded a second time: ``PowerShell -NoProfile -NonInteractive
  -ExecutionPolicy Unrestricted -EncodedCommand <b64 of "PowerShell ...
  -EncodedCommand <b64>">``.
- 2.19/2.20: a line with that prefix is split on spaces into command
  ``PowerShell`` and arguments; anything else is encoded as in 2.18.
- 2.21: a line containing `` -EncodedCommand `` is sent whole in rsp:Command;
  anything else goes through _powershell/_script.py get_pwsh_encoded_cmdline
  (lower-case ``powershell``, maybe ``-EncodedArguments``).

Everything is decoded down to the innermost script, which runs through
`run_script(script, stdin)`.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Callable, Protocol

from ..plugin import ProcessResult

# cmd.exe refuses longer command lines (hashicorp/vagrant#3816,
# diyan/pywinrm#184; "Command prompt (Cmd.exe) command-line string limitation").
CMD_MAX_LINE = 8191

# powershell.exe ExitCodeBadCommandLineParameter (PowerShell/PowerShell
# src/Microsoft.PowerShell.ConsoleHost/host/msh/CommandLineParameterParser.cs).
EXIT_BAD_PARAMETER = 64

_POWERSHELL_DIRS = (r"c:\windows\system32\windowspowershell\v1.0", r"c:\windows\syswow64\windowspowershell\v1.0")
_CMD_BUILTINS = {"assoc", "call", "cd", "chdir", "cls", "copy", "date", "del", "dir", "echo", "erase", "exit",
                 "for", "ftype", "goto", "if", "md", "mkdir", "mklink", "move", "path", "pause", "popd", "prompt",
                 "pushd", "rd", "ren", "rename", "rmdir", "set", "setlocal", "shift", "start", "time", "title",
                 "type", "ver", "verify", "vol"}


class ResultLike(Protocol):
    stdout: bytes
    stderr: bytes
    rc: int


RunScript = Callable[[str, bytes], ResultLike]


def run_command_line(line: str, stdin: bytes, run_script: RunScript) -> ResultLike:
    """Run a WinRS command line as `cmd.exe /c <line>` would."""
    if len(line) > CMD_MAX_LINE:
        return ProcessResult(stderr=b"The command line is too long.\r\n", rc=1)
    argv = split_windows_args(line)
    if not argv:
        return _unsupported("an empty command line")
    operator = _cmd_operator(line)
    if operator:
        return _unsupported(f"the cmd.exe operator {operator!r}")
    program = argv[0]
    if not _is_powershell(program):
        name = f'"{program}"' if line.lstrip().startswith('"') else program
        if program.lower() in _CMD_BUILTINS:
            return _unsupported(f"the cmd.exe built-in {program!r}")
        if program.lower() in ("cmd", "cmd.exe"):
            return _unsupported("a nested cmd.exe")
        # cmd.exe /c exits 1 after this message (the %ERRORLEVEL% inside a
        # batch file would be 9009).
        return ProcessResult(stderr=(f"'{name}' is not recognized as an internal or external command,\r\n"
                                     "operable program or batch file.\r\n").encode(), rc=1)
    return run_powershell_exe(argv[1:], stdin, run_script)


def run_powershell_exe(args: list[str], stdin: bytes, run_script: RunScript) -> ResultLike:
    """powershell.exe with these arguments; nested powershell calls recurse."""
    parsed = parse_powershell_args(args, stdin)
    if isinstance(parsed, ProcessResult):
        return parsed
    script, script_stdin = parsed
    nested = nested_powershell_args(script)
    if nested is None:
        return run_script(script, script_stdin)
    inner = run_powershell_exe(nested, script_stdin, run_script)
    # The wrapping -Command/-EncodedCommand process exits with $? of its last
    # statement: 0 if the native command exited 0, else 1 (about_PowerShell_exe).
    return ProcessResult(stdout=inner.stdout, stderr=inner.stderr, rc=0 if inner.rc == 0 else 1)


# (name, smallest unambiguous prefix, takes a value), in the order
# CommandLineParameterParser.cs ParseHelper tries them; the first match wins.
_SWITCHES = [
    ("help", "h", False), ("?", "?", False), ("noexit", "noe", False),
    ("importsystemmodules", "imp", False), ("noprofile", "nop", False), ("nologo", "nol", False),
    ("noninteractive", "noni", False), ("socketservermode", "so", False), ("servermode", "s", False),
    ("namedpipeservermode", "nam", False), ("configurationname", "config", True), ("command", "c", False),
    ("windowstyle", "w", True), ("file", "f", False), ("outputformat", "o", True), ("of", "o", True),
    ("inputformat", "i", True), ("if", "i", True), ("executionpolicy", "ex", True), ("ep", "ep", True),
    ("encodedcommand", "e", False), ("ec", "e", False), ("encodedarguments", "encodeda", False),
    ("ea", "ea", False), ("sta", "s", False), ("mta", "mta", False), ("version", "v", True),
    ("psconsolefile", "psconsolefile", True),
]
_CANONICAL = {"of": "outputformat", "if": "inputformat", "ep": "executionpolicy", "ec": "encodedcommand",
              "ea": "encodedarguments"}


def _match_switch(key: str) -> tuple[str, bool] | None:
    for name, smallest, takes_value in _SWITCHES:
        if name.startswith(key) and len(key) >= len(smallest):
            return _CANONICAL.get(name, name), takes_value
    return None


def parse_powershell_args(args: list[str], stdin: bytes) -> tuple[str, bytes] | ProcessResult:
    """The script powershell.exe would run, and the stdin it gets, or a failure."""
    script: str | None = None
    i = 0
    while i < len(args):
        raw = args[i]
        key = raw.strip().lower()
        if not key:
            i += 1
            continue
        if key[0] not in "-/":
            return _command_text(args[i:], script, stdin)
        key = key[1:]
        if key.startswith("-"):
            key = key[1:]
        match = _match_switch(key) if key else None
        if match is None:
            # "The first parameter we fail to recognize marks the beginning of
            # the command string" (CommandLineParameterParser.cs).
            return _command_text(args[i:], script, stdin)
        name, takes_value = match
        if name == "command":
            return _command_text(args[i + 1:], script, stdin)
        if name in ("file", "help", "?", "noexit", "socketservermode", "servermode", "namedpipeservermode"):
            return _unsupported(f"powershell.exe -{name}")
        if name == "encodedarguments":
            return _unsupported("powershell.exe -EncodedArguments (ansible-core 2.21's own wrapper)")
        if name == "encodedcommand":
            if script is not None:
                return _bad_parameter("Cannot process the command because -Command or -EncodedCommand has "
                                      "already been specified.")
            if i + 1 >= len(args):
                return _bad_parameter("Cannot process the command because of a missing parameter. "
                                      "A command must follow -EncodedCommand.")
            script = _decode_encoded_command(args[i + 1])
            if script is None:
                return _bad_parameter("Cannot process the command because the value specified with "
                                      "-EncodedCommand is not properly encoded. The value must be Base64 encoded.")
            i += 2
            continue
        if takes_value:
            if i + 1 >= len(args):
                return _bad_parameter(f"Cannot process the command because -{name} needs a value.")
            i += 2
            continue
        i += 1
    if script is None:
        # No command: powershell.exe would start an interactive prompt.
        return _unsupported("powershell.exe without -Command or -EncodedCommand")
    return script, stdin


def _command_text(rest: list[str], script: str | None, stdin: bytes) -> tuple[str, bytes] | ProcessResult:
    if script is not None:
        return _bad_parameter("Cannot process the command because -Command or -EncodedCommand has already "
                              "been specified.")
    if not rest:
        return _bad_parameter("Cannot process the command because of a missing parameter. "
                              "A command must follow -Command.")
    if rest == ["-"]:
        # -Command - reads the script from stdin (about_PowerShell_exe).
        return stdin.decode("utf-8", "replace"), b""
    return " ".join(rest), stdin


def _decode_encoded_command(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).decode("utf-16-le")
    except (binascii.Error, ValueError):
        return None


# A script that is one native call of powershell with bare-word arguments, as
# 2.18's second encoding produces (blank lines and per-line whitespace
# stripped by _encode_script).
_NESTED = re.compile(r"^\s*(?:[a-z]:\\[^\s;|&'\"`$(){}]*\\)?powershell(?:\.exe)?((?:[ \t]+[^\s;|&'\"`$(){}]+)+)\s*$",
                     re.IGNORECASE)


def nested_powershell_args(script: str) -> list[str] | None:
    match = _NESTED.match(script)
    return match.group(1).split() if match else None


def _cmd_operator(line: str) -> str | None:
    """An unquoted cmd.exe operator (pipe, redirection, chaining, escape)."""
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "&|<>^":
            return char
    return None


def _is_powershell(program: str) -> bool:
    path = program.replace("/", "\\").lower()
    directory, _unused, base = path.rpartition("\\")
    if base not in ("powershell", "powershell.exe"):
        return False
    return not directory or directory in _POWERSHELL_DIRS


def split_windows_args(line: str) -> list[str]:
    """Split a command line as CommandLineToArgvW / the MSVC runtime do."""
    args: list[str] = []
    current: list[str] = []
    in_arg = in_quotes = False
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch == "\\":
            j = i
            while j < n and line[j] == "\\":
                j += 1
            count = j - i
            if j < n and line[j] == '"':
                current.append("\\" * (count // 2))
                if count % 2:
                    current.append('"')
                    i = j + 1
                else:
                    i = j
            else:
                current.append("\\" * count)
                i = j
            in_arg = True
            continue
        if ch == '"':
            if in_quotes and i + 1 < n and line[i + 1] == '"':
                current.append('"')
                i += 2
                continue
            in_quotes = not in_quotes
            in_arg = True
            i += 1
            continue
        if ch in " \t" and not in_quotes:
            if in_arg:
                args.append("".join(current))
                current, in_arg = [], False
            i += 1
            continue
        current.append(ch)
        in_arg = True
        i += 1
    if in_arg:
        args.append("".join(current))
    return args


def _bad_parameter(message: str) -> ProcessResult:
    return ProcessResult(stderr=(message + "\r\n").encode(), rc=EXIT_BAD_PARAMETER)


def _unsupported(what: str) -> ProcessResult:
    return ProcessResult(stderr=f"winsim: {what} is not modelled by the simulator.\r\n".encode(), rc=1)
