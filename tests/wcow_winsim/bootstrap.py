"""The wcow.buildkit bootstrap as a simulated host runs it: the plug-in's `invoke`.

The collection's runner starts powershell.exe with the bootstrap (first line
`# wcow.buildkit bootstrap`) and sends on stdin one line, the base64 of a JSON
payload {"operation", "script", "params"}, then anything the operation reads.
The bootstrap runs the payload's operation script, whose first line
`# wcow.buildkit operation: <name>` names it, with -Params, and prints one
JSON document: the operation's result, or {"wcow_error": {message, category,
position}} with exit code 1 when the script throws. Anything else is not this
plug-in's (None): the host then fails it as an uncaught error.
"""

from __future__ import annotations

import functools
import re

from winsim.host.powershell import UncaughtError, convert_from_json, convert_to_json, from_base64_string, read_line, throw_position
from winsim.plugin import Operation, ProcessResult
from winsim.windows import mutexes

from .operations import HANDLERS, PowerShellError, host_lock

BOOTSTRAP_LINE = "# wcow.buildkit bootstrap"
_OPERATION_LINE = re.compile(r"# wcow\.buildkit operation: ([A-Za-z0-9_]+)")


def invoke(script: str, stdin: bytes) -> ProcessResult | Operation | None:
    if _first_line(script) != BOOTSTRAP_LINE:
        return None
    try:
        handler, operation_script, params, lock, rest = _unwrap(stdin)
    except UncaughtError as error:
        return error.result()
    if params is None:
        # The bootstrap calls the script with -Params, declared Mandatory.
        bind = PowerShellError("Cannot bind argument to parameter 'Params' because it is null.", "InvalidData", "")
        return _failed(bind, operation_script)
    name = _OPERATION_LINE.fullmatch(_first_line(operation_script)).group(1)
    # Only a handler marked `reads_stdin` gets the lines after the payload.
    extra = {"stdin": rest} if getattr(handler, "reads_stdin", False) else {}
    return Operation(name, params, functools.partial(_run, handler, operation_script, params, extra, lock))


def _run(handler, operation_script: str, params, extra: dict, lock, state: dict) -> ProcessResult:
    locked = host_lock.takes_lock(operation_script)
    owner = mutexes.new_owner()
    entered = False
    try:
        if locked:
            host_lock.enter(state, owner, host_lock.timeout_of(lock))
            entered = True
        token = host_lock.holding(locked)
        try:
            result = handler(state, params, **extra)
        finally:
            host_lock.release_holding(token)
    except PowerShellError as error:
        # What the script changed before it threw stays changed; the bootstrap's finally releases the lock.
        answer = _failed(error, operation_script)
    except BaseException:
        # Killed (winsim.host.faults.ProcessKilled): no finally runs, the mutex is abandoned.
        mutexes.owner_died(state, owner)
        raise
    else:
        answer = ProcessResult(convert_to_json(result), b"", 0)
    if entered:
        mutexes.release(state, host_lock.NAME, owner)
    return answer


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].removesuffix("\r")


def _unwrap(stdin: bytes):
    # The bootstrap reads one line ([Console]::In.ReadLine()) and leaves the rest for the operation.
    first, rest = read_line(stdin)
    # [Text.Encoding]::UTF8.GetString replaces bad bytes rather than failing.
    payload = convert_from_json(from_base64_string(first).decode("utf-8", errors="replace"))
    operation_script = payload.get("script") if isinstance(payload, dict) else None
    if not isinstance(operation_script, str):
        raise UncaughtError(
            "winsim: the bootstrap payload is not an object with a 'script' text.",
            "InvalidData: (:) [], RuntimeException",
            "WinSimBadPayload",
        )
    # The operation is named by the script's first line, never by payload["operation"].
    match = _OPERATION_LINE.fullmatch(_first_line(operation_script))
    handler = HANDLERS.get(match.group(1)) if match else None
    if handler is None:
        raise UncaughtError(
            f"winsim: no model of the operation script starting with {_first_line(operation_script)[:100]!r}.",
            "NotImplemented: (:) [], RuntimeException",
            "WinSimUnknownOperation",
        )
    return handler, operation_script, payload.get("params"), payload.get("lock"), rest


def _failed(error: PowerShellError, operation_script: str) -> ProcessResult:
    position = error.position
    if position is None:
        position = throw_position(operation_script, error.message) if error.category == "OperationStopped" else ""
    document = {"wcow_error": {"message": error.message, "category": error.category, "position": position}}
    return ProcessResult(convert_to_json(document), b"", 1)
