"""Faults a test injects into one simulated host, and the hooks that apply them.

A host's faults are a JSON list in `state/NAME.faults.json`, beside its state
file. Tests set and clear them between runs (`set_faults`, `clear_faults`) or
start the host with them (`HostSpec(..., faults=[...])`). A fault stays until
it is cleared. Each fault is an object with a `kind`:

- `drop_connection` {operation, match?, kill_after_writes?}: the TCP
  connection carrying the answer to the operation's command is reset.
- `http_500` {operation, match?, kill_after_writes?}: the answer is a WS-Man
  fault with HTTP 500 instead of the command's output.
- `slow` {operation, match?, delay_s}: the answer comes `delay_s` late, after
  the controller's read timeout (`ansible_winrm_read_timeout_sec`).
- `reboot` {operation, match?, kill_after_writes?}: the host restarts while
  the operation runs; the answer is lost and WinRM is down for the boot's
  `reboot_downtime_s`.
- `hns_error` {method?, path?, error?}: HNSCall answers Success=false.
- `disk_full` {capacity_bytes}: the volume holds that many bytes of files;
  a write beyond it fails with ERROR_DISK_FULL.

`operation` names the operation script (its first line); `match` holds
parameters that must be equal, e.g. {"name": "containerd"}. With
`kill_after_writes: N` the PowerShell process dies at its (N+1)th file write:
what it wrote, moved or registered until then stays, and none of its
catch/finally blocks run. Without it the operation runs to its end first.
`kill_after_moves: N` does the same at its (N+1)th file move or replace
([IO.File]::Move, [IO.File]::Replace): after what it staged, before the swap.

What real hosts do, modelled here:
- A lost connection does not stop the command: the shell lives on until its
  IdleTimeOut (rsp:IdleTimeOut in the Create answer, winsim.transport.shells). The
  process ends early when the client's clean-up reaches the host (ansible-core
  winrm.py `_winrm_exec` sends Signal terminate in its `finally`; MS-WSMV
  3.1.4.12) or when the WinRM service restarts, and then runs no clean-up of
  its own: so the host may have finished, or stopped part-way.
- A process that died leaves the client a fault in place of its output
  (diyan/pywinrm#259); WinRM answered commands in flight with WSManFault 995
  in HTTP 500 (see `io_aborted`).
- A host slower than the controller's read timeout: the controller gives up
  with "Read timed out." (ansible-core winrm.py, option connection_timeout:
  read_timeout_sec, operation_timeout_sec) and reports the host unreachable;
  the host went on and finished.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable

from ..transport import wsman

KINDS = ("drop_connection", "http_500", "slow", "reboot", "hns_error", "disk_full")
_ANSWER_KINDS = ("drop_connection", "http_500", "slow", "reboot")
_KILLING_KINDS = ("drop_connection", "http_500", "reboot")

# ERROR_DISK_FULL (112): "There is not enough space on the disk." (Microsoft
# Learn, System Error Codes (0-499)); .NET throws it as an IOException from
# FileStream.Write, so [IO.File]::WriteAllBytes leaves the file it created
# holding what was written before the volume filled up.
DISK_FULL_MESSAGE = "There is not enough space on the disk."

# HCN error codes and texts: MicrosoftDocs/Virtualization-Documentation
# virtualization/api/hcn/Reference/HCNHResult.md. HCN_E_MANAGER_STOPPED is
# what a call meets while the HNS service is stopping (the default here).
HNS_ERRORS = {
    "HCN_E_MANAGER_STOPPED": (0x803B0020, "Operation cannot be performed while service is stopping."),
    "HCN_E_SWITCH_NOT_FOUND": (0x803B0004, "The virtual switch was not found."),
    "HCN_E_ADAPTER_NOT_FOUND": (0x803B0006, "An adapter was not found."),
}

_local = threading.local()


class FaultError(ValueError):
    pass


class ProcessKilled(BaseException):
    """The PowerShell process was terminated: raised past every except clause of the host model."""


class DropConnection(Exception):
    """The server resets the connection instead of answering."""


# -- the fault file --------------------------------------------------------
def faults_path(state_path: str | os.PathLike) -> Path:
    state_path = Path(state_path)
    return state_path.with_name(state_path.stem + ".faults.json")


def set_faults(state_path: str | os.PathLike, faults: list | None) -> None:
    """Write the host's faults (checked first); an empty list or None clears them."""
    target = faults_path(state_path)
    if not faults:
        target.unlink(missing_ok=True)
        return
    for fault in faults:
        validate(fault)
    staged = target.with_name(target.name + ".tmp")
    staged.write_text(json.dumps(faults, indent=2) + "\n", encoding="utf-8")
    os.replace(staged, target)


def clear_faults(state_path: str | os.PathLike) -> None:
    set_faults(state_path, None)


def load(state_path: str | os.PathLike | None) -> list:
    if state_path is None:
        return []
    try:
        return json.loads(faults_path(state_path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []


def validate(fault: Any) -> None:
    if not isinstance(fault, dict) or fault.get("kind") not in KINDS:
        raise FaultError(f"a fault is an object whose kind is one of {', '.join(KINDS)}: {fault!r}")
    kind = fault["kind"]
    if kind in _ANSWER_KINDS and not isinstance(fault.get("operation"), str):
        raise FaultError(f"{kind} needs the operation it hits: {fault!r}")
    for key in ("kill_after_writes", "kill_after_moves"):
        if key in fault and (kind not in _KILLING_KINDS or not isinstance(fault[key], int)):
            raise FaultError(f"{key} (an int) goes with {', '.join(_KILLING_KINDS)}: {fault!r}")
    if kind == "slow" and not isinstance(fault.get("delay_s"), (int, float)):
        raise FaultError(f"slow needs delay_s: {fault!r}")
    if kind == "disk_full" and not isinstance(fault.get("capacity_bytes"), int):
        raise FaultError(f"disk_full needs capacity_bytes: {fault!r}")
    if kind == "hns_error" and fault.get("error", "HCN_E_MANAGER_STOPPED") not in HNS_ERRORS:
        raise FaultError(f"hns_error: error is one of {', '.join(HNS_ERRORS)}: {fault!r}")


def _hits(fault: dict, operation: str, params: Any) -> bool:
    if fault.get("operation") != operation:
        return False
    wanted = fault.get("match") or {}
    return isinstance(params, dict) and all(params.get(key) == value for key, value in wanted.items())


# -- inside the host: one operation run --------------------------------------
class _Session:
    def __init__(self, faults: list, operation: str, params: Any, state: dict) -> None:
        self.state = state
        self.faults = faults
        hit = [f for f in faults if f["kind"] in _KILLING_KINDS and _hits(f, operation, params)]
        self.kill_after = next((f["kill_after_writes"] for f in hit if "kill_after_writes" in f), None)
        self.kill_after_moves = next((f["kill_after_moves"] for f in hit if "kill_after_moves" in f), None)
        self.moves = 0
        self.reboot = any(f["kind"] == "reboot" for f in hit)
        self.capacity = next((f["capacity_bytes"] for f in faults if f["kind"] == "disk_full"), None)
        self.writes = 0
        self.killed = False


@contextlib.contextmanager
def injected(store: Any, operation: str, params: Any, state: dict):
    """Apply the host's faults to one operation run inside the state transaction.

    A ProcessKilled stops here, so that the transaction keeps what the
    process changed before it died.
    """
    session = _Session(load(getattr(store, "path", None)), operation, params, state)
    previous = getattr(_local, "session", None)
    _local.session = session
    try:
        yield session
    except ProcessKilled:
        session.killed = True
    finally:
        _local.session = previous
        if session.reboot:
            _crash(state)


def _crash(state: dict) -> None:
    # An unplanned restart (a bugcheck, a power loss, a forced update restart):
    # no shutdown grace, WinRM stops answering now and the host boots after
    # its downtime (winsim.windows.boot phases; strictest plausible).
    boot = state["boot"]
    boot["shutdown"] = {"at": time.time() - float(boot.get("shutdown_grace_s", 0)), "restart": True,
                        "comment": "winsim fault: unplanned restart"}


def before_write(data_size: int, replaced_size: int) -> int | None:
    """Called by the file model before a write: None, or the bytes that fit on a full volume.

    Raises ProcessKilled when a fault kills the process at this write.
    """
    session = getattr(_local, "session", None)
    if session is None:
        return None
    if session.kill_after is not None and session.writes >= session.kill_after:
        raise ProcessKilled()
    session.writes += 1
    if session.capacity is None:
        return None
    used = sum(r.get("size", 0) for r in session.state["files"].values() if r.get("type") == "file")
    free = session.capacity - (used - replaced_size)
    return None if data_size <= free else max(free, 0)


def before_move() -> None:
    """Called by the file model before a move or replace; raises ProcessKilled when a fault kills the process there."""
    session = getattr(_local, "session", None)
    if session is None:
        return
    if session.kill_after_moves is not None and session.moves >= session.kill_after_moves:
        raise ProcessKilled()
    session.moves += 1


def hns_failure(method: str, path: str) -> tuple | None:
    """(ErrorCode, text) for an HNSCall that a fault makes fail, else None."""
    session = getattr(_local, "session", None)
    if session is None:
        return None
    for fault in session.faults:
        if fault["kind"] != "hns_error":
            continue
        if fault.get("method", method).upper() != method.upper():
            continue
        if not path.lower().startswith(fault.get("path", "/").lower()):
            continue
        return HNS_ERRORS[fault.get("error", "HCN_E_MANAGER_STOPPED")]
    return None


# -- at the WinRM listener --------------------------------------------------
def io_aborted() -> wsman.Fault:
    # WSManFault Code 995 (ERROR_OPERATION_ABORTED) with HTTP 500, as real
    # hosts answered commands in flight (WinRb/WinRM#265,
    # kubernetes-sigs/sig-windows-dev-tools#24, clong/DetectionLab#673).
    text = "The I/O operation has been aborted because of either a thread exit or an application request. "
    return wsman.Fault("s:Receiver", "w:InternalError", text, 995)


class Injector:
    """The listener's side: learns which operation each command runs, and spoils its answer."""

    def __init__(self, state_path: str | os.PathLike | None) -> None:
        self._state_path = state_path
        self._lock = threading.Lock()
        self._commands: dict[str, dict] = {}
        self._stdin: dict[str, bytes] = {}
        self._decided: set[str] = set()
        self._seen: tuple | None = None
        self._faults: list = []

    def around(self, request: wsman.Request, answer: Callable[[], bytes]) -> bytes:
        faults = self._current()
        if not faults:
            return answer()
        if request.short_action == "Send":
            self._learn(request, faults)
            return answer()
        if request.short_action != "Receive":
            return answer()
        desired = request.body.find("rsp:Receive/rsp:DesiredStream", wsman.NS) if request.body is not None else None
        command_id = (desired.get("CommandId") or "").upper() if desired is not None else ""
        with self._lock:
            fault = self._commands.get(command_id)
        if fault is None:
            return answer()
        body = answer()  # waits for the command, which runs to its end or is killed
        with self._lock:
            self._commands.pop(command_id, None)
        if fault["kind"] == "slow":
            time.sleep(float(fault["delay_s"]))
            return body
        if fault["kind"] == "http_500":
            raise io_aborted()
        if fault["kind"] == "drop_connection":
            raise DropConnection()
        return body  # reboot: the listener is down by now and drops it

    def _current(self) -> list:
        if self._state_path is None:
            return []
        path = faults_path(self._state_path)
        try:
            stat = path.stat()
        except FileNotFoundError:
            return []
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if key != self._seen:
            try:
                self._faults = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return []
            self._seen = key
        return self._faults

    def _learn(self, request: wsman.Request, faults: list) -> None:
        for stream in request.body.findall("rsp:Send/rsp:Stream", wsman.NS):
            command_id = (stream.get("CommandId") or "").upper()
            try:
                data = base64.b64decode(stream.text or "", validate=True)
            except (binascii.Error, ValueError):
                continue
            with self._lock:
                if command_id in self._decided:
                    continue
                buffered = self._stdin.get(command_id, b"") + data
                line = re.split(rb"\r\n|\n|\r", buffered, maxsplit=1)
                done = len(line) > 1 or (stream.get("End") or "").lower() == "true"
                if not done:
                    self._stdin[command_id] = buffered
                    continue
                self._stdin.pop(command_id, None)
                if len(self._decided) > 10000:
                    self._decided.clear()
                self._decided.add(command_id)
                operation, params = _operation_of(line[0])
                hit = next((f for f in faults if f["kind"] in _ANSWER_KINDS and _hits(f, operation, params)), None)
                if hit is not None:
                    self._commands[command_id] = hit


def _operation_of(payload_line: bytes) -> tuple[str, Any]:
    """The operation named by the bootstrap payload's script, and its parameters."""
    try:
        document = json.loads(base64.b64decode(re.sub(rb"\s", b"", payload_line), validate=True))
        first = document["script"].split("\n", 1)[0].strip()
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        return "", None
    match = re.fullmatch(r"# wcow\.buildkit operation: ([A-Za-z0-9_]+)", first)
    return (match.group(1) if match else ""), document.get("params")
