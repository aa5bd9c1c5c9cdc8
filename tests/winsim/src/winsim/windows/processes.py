"""Processes: which file a command line runs, and what the program then does.

- `split_command_line(text)`: the argv a Go program reads from its command
  line (CommandLineToArgvW rules; Go's os.Args follows them).
- `resolve_image(state, command_line)`: the file CreateProcess runs for a
  command line without an application name, as the SCM starts services.
- `run_program(state, path, args)`: a program run to completion (registration,
  `--version`, buildctl), returning exit code and output.
- How a program misbehaves, set by a test in state["process_behaviour"][<path
  lower-cased>]: `runs_s`, the seconds it runs before it ends (the simulated
  clock: a caller whose wait is shorter meets StillRunning, and the program's
  own model never runs), and `exit_code`, the uint32 it ends with instead of
  its model (an unhandled exception ends a process with the exception's
  code, 0xC0000005 for an access violation; `exit -1` gives 0xFFFFFFFF:
  docs/windows-facts.md#process-exit-codes).
- `launch_service(state, key)` / `end_service(state, key, code)`: the SCM
  starting and stopping a service's process.

Programs are told by content (winsim.programs): containerd, buildkitd and
buildctl are modelled in the modules of the same names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import programs
from . import environment, files, pipes, scm
from .guids import seeded_int


@dataclass
class Completed:
    exit_code: int
    stdout: str = ""
    stderr: str = ""


@dataclass
class Process:
    """What a program model gets: the host, its image, argv and pid, and its service if it is one."""

    state: dict
    path: str
    argv: list
    program: programs.Program
    pid: int
    service: str | None = None
    # The account the process runs as; None for the WinRM user (Administrator).
    user: object = None
    # Variables set for this process only (ProcessStartInfo.EnvironmentVariables), over the defaults.
    env: dict | None = None


class DaemonExit(Exception):
    """The program exited before it connected to the SCM (its reason is already logged, if anywhere)."""

    def __init__(self, reason: str, exit_code: int = 1):
        super().__init__(reason)
        self.reason = reason
        self.exit_code = exit_code


class StillRunning(Exception):
    """The program had not ended when its caller's wait gave up (Process.WaitForExit(ms) returned false)."""

    def __init__(self, path: str, runs_s: float):
        super().__init__(path)
        self.path = path
        self.runs_s = runs_s


class StartError(Exception):
    """CreateProcess failed (Process.Start throws a Win32Exception with this message)."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# .NET's Win32Exception texts for what Process.Start meets (FormatMessage; for
# 193 .NET uses its own "not a valid application" text).
_START_MESSAGES = {
    2: "The system cannot find the file specified",
    3: "The system cannot find the path specified",
    193: "The specified executable is not a valid application for this OS platform.",
}


def split_command_line(text: str) -> list:
    """argv of a command line: the program name up to a closing quote (or white
    space), then arguments where 2n backslashes and a quote give n backslashes
    and a delimiter, 2n+1 give a literal quote, and "" inside quotes is a
    literal quote that ends the quoted part (Go os/exec_windows.go readNextArg)."""
    if not text:
        return []
    if text[0] == '"':
        end = text.find('"', 1)
        program, rest = (text[1:], "") if end < 0 else (text[1:end], text[end + 1:])
    else:
        match = re.match(r"[^ \t]*", text)
        program, rest = match.group(0), text[match.end():]
    args, i, n = [], 0, len(rest)
    while True:
        while i < n and rest[i] in " \t":
            i += 1
        if i >= n:
            return [program] + args
        arg, quoted, slashes = "", False, 0
        while i < n:
            char = rest[i]
            if char == "\\":
                slashes += 1
            elif char == '"':
                arg += "\\" * (slashes // 2)
                if slashes % 2:
                    arg += '"'
                elif quoted and i + 1 < n and rest[i + 1] == '"':
                    arg += '"'
                    i += 1
                    quoted = False
                else:
                    quoted = not quoted
                slashes = 0
            else:
                arg += "\\" * slashes
                slashes = 0
                if char in " \t" and not quoted:
                    break
                arg += char
            i += 1
        args.append(arg + "\\" * slashes)


def resolve_image(state: dict, command_line: str) -> str:
    """The file CreateProcess runs (lpApplicationName NULL, as for services).

    A quoted program name is taken as it is. An unquoted one with spaces is
    tried prefix by prefix, ".exe" appended when it has no extension:
    "c:\\program files\\sub dir\\program name" tries c:\\program.exe, then
    c:\\program files\\sub.exe, ... (CreateProcessW, lpCommandLine remarks,
    learn.microsoft.com). Raises scm.Win32Error 2 (file) or 3 (folder missing).
    """
    if command_line.startswith('"'):
        end = command_line.find('"', 1)
        candidates = [command_line[1:end] if end > 0 else command_line[1:]]
    else:
        words = command_line.split(" ")
        candidates = [" ".join(words[:count]) for count in range(1, len(words) + 1)]
    for candidate in candidates:
        for path in (candidate,) if re.search(r"\.[^\\/.]+$", candidate) else (candidate + ".exe", candidate):
            key = files.find_key(state, path)
            if key is not None and state["files"][key]["type"] == "file":
                return key
    first = candidates[0]
    parent = files.parent(first)
    raise scm.Win32Error(3 if parent is not None and not files.is_dir(state, parent) else 2, "StartService")


def _next_pid(state: dict) -> int:
    # Windows process IDs are multiples of 4.
    pid = state.get("next_pid") or 4000 + 4 * (seeded_int("pid", state["hostname"].lower()) % 1000)
    state["next_pid"] = pid + 4
    return pid


def _models():
    from ..programs import buildctl, buildkitd, containerd

    return {"containerd": containerd, "buildkitd": buildkitd, "buildctl": buildctl}


def run_program(state: dict, path: str, args: list, user=None, env: dict | None = None,
                wait_s: float | None = None) -> Completed:
    """Process.Start(path, args) and WaitForExit, as `user` (an accounts.Account; None
    for the WinRM user), with `env` added to its environment; raises StartError when it cannot start,
    StillRunning when it runs longer than `wait_s` (None: waited for without a limit)."""
    key = files.find_key(state, path)
    if key is None or state["files"][key]["type"] != "file":
        parent = files.parent(path)
        code = 3 if parent is not None and not files.is_dir(state, parent) else 2
        raise StartError(code, _START_MESSAGES[code])
    data = files.read_bytes(state, key)
    if not data:
        raise StartError(193, _START_MESSAGES[193])
    behaviour = state.get("process_behaviour", {}).get(key.lower(), {})
    runs_s = float(behaviour.get("runs_s", 0))
    if wait_s is not None and runs_s > wait_s:
        raise StillRunning(key, runs_s)
    if "exit_code" in behaviour:
        # Process.ExitCode is an Int32: the same 32 bits, signed.
        code = behaviour["exit_code"] & 0xFFFFFFFF
        return Completed(code - 0x100000000 if code & 0x80000000 else code)
    program = programs.identify(data)
    model = _models().get(program.name) if program else None
    if model is None:
        # A program the simulator does not know: it runs and says nothing.
        return Completed(0)
    return model.run_cli(Process(state, key, [path] + list(args), program, _next_pid(state), user=user, env=env))


def launch_service(state: dict, key: str) -> None:
    """The SCM creating a service's process and waiting for it to connect.

    A program that exits before it calls StartServiceCtrlDispatcher fails the
    start at once with 1053 (dotnet/runtime#77861: "the error comes up almost
    immediately", events 7000 and 7009). One that exits right after reporting
    Running leaves the start successful and the service stopped with 1067.
    """
    service = state["services"][key]
    command_line = environment.expand(service["ImagePath"])
    path = resolve_image(state, command_line)
    data = files.read_bytes(state, path)
    if not data:
        raise scm.Win32Error(193, "StartService")
    program = programs.identify(data)
    model = _models().get(program.name) if program else None
    pid = _next_pid(state)
    if model is None or not hasattr(model, "run_service"):
        # Not a service program: it never connects to the SCM.
        raise scm.Win32Error(1053, "StartService")
    process = Process(state, path, split_command_line(command_line), program, pid, service=key)
    starts_after_s = float(state.get("process_behaviour", {}).get(path.lower(), {}).get("runs_s", 0))
    if starts_after_s:
        # Connected to the SCM, it reports SERVICE_START_PENDING that long before its own start goes on: a wait
        # shorter than that sees Start Pending (finish_start runs the rest once the wait is long enough).
        service.update(State="Start Pending", ProcessId=pid, ExitCode=0, Runtime=None, StartsAfterS=starts_after_s)
        _hold_image(state, path, pid)
        return
    _run_service(state, key, process)


def finish_start(state: dict, key: str) -> None:
    """A service in Start Pending once its start time has passed: its program's start goes on."""
    service = state["services"][key]
    command_line = environment.expand(service["ImagePath"])
    path = resolve_image(state, command_line)
    program = programs.identify(files.read_bytes(state, path))
    _release_images(state, service["ProcessId"])
    service.pop("StartsAfterS", None)
    _run_service(state, key, Process(state, path, split_command_line(command_line), program, service["ProcessId"],
                                     service=key))


def _run_service(state: dict, key: str, process: Process) -> None:
    service, path, pid = state["services"][key], process.path, process.pid
    model = _models()[process.program.name]
    try:
        runtime = model.run_service(process)
    except DaemonExit:
        pipes.close_all(state, pid)
        service["ExitCode"] = 1053
        raise scm.Win32Error(1053, "StartService") from None
    # The process got the key's Environment value when it was created; a later change waits for the next start.
    service.update(State="Running", ProcessId=pid, ExitCode=0, Runtime=runtime,
                   ProcessEnvironment=list(service.get("Environment", [])))
    _hold_image(state, path, pid)
    if runtime.get("exits_after_start"):
        end_service(state, key, exit_code=1067)


def end_service(state: dict, key: str, exit_code: int) -> None:
    pid = state["services"][key]["ProcessId"]
    pipes.close_all(state, pid)
    _release_images(state, pid)
    scm.service_stopped(state, key, exit_code)


def _hold_image(state: dict, path: str, pid: int) -> None:
    # docs/windows-facts.md#files-in-use: a running .exe cannot be overwritten or deleted.
    record = state["files"][path]
    record["in_use"] = True
    record.setdefault("in_use_by", [])
    record["in_use_by"].append(pid)


def _release_images(state: dict, pid: int) -> None:
    # The image may have been renamed while running (allowed): find it by pid.
    for record in state["files"].values():
        holders = record.get("in_use_by")
        if holders and pid in holders:
            holders.remove(pid)
            if not holders:
                record["in_use"] = False
                del record["in_use_by"]
