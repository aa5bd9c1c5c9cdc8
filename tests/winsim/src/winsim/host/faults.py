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

`operation` names an operation as the plug-in that runs it calls it
(winsim.plugin.Operation.name); `match` holds parameters that must be
equal, e.g. {"name": "containerd"}. With
`kill_after_writes: N` the PowerShell process dies at its (N+1)th file write:
what it wrote, moved or registered until then stays, and none of its
catch/finally blocks run. Without it the operation runs to its end first.
`kill_after_moves: N` does the same at its (N+1)th file move or replace
([IO.File]::Move, [IO.File]::Replace): after what it staged, before the swap.
`kill_after_scm_changes: N` does the same at its (N+1)th CreateService or
DeleteService: with 1, a service deleted to be registered again stays gone.
`kill_after_task_starts: N` kills it right after its Nth Start-ScheduledTask,
while it waits for the task: the task stays registered.

What real hosts do, modelled here:
- A lost connection does not stop the command: the shell lives on until its
  IdleTimeOut (rsp:IdleTimeOut in the Create answer, winsim.transport.shells). The
  process ends early when the client's clean-up reaches the host (ansible-core
  winrm.py `_winrm_exec` sends Signal terminate in its `finally`; MS-WSMV
  3.1.4.12) or when the WinRM service restarts, and then runs no clean-up of
  its own: so the host may have finished, or stopped part-way.
- A process that died leaves the client a fault in place of its output
  (diyan/pywinrm#259); WinRM answered commands in flight with WSManFault 995
  in HTTP 500 (winsim.transport.answer_faults.io_aborted).
- A host slower than the controller's read timeout: the controller gives up
  with "Read timed out." (ansible-core winrm.py, option connection_timeout:
  read_timeout_sec, operation_timeout_sec) and reports the host unreachable;
  the host went on and finished.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

KINDS = ("drop_connection", "http_500", "slow", "reboot", "hns_error", "disk_full")
# The kinds that spoil the answer at the listener (winsim.transport.answer_faults).
ANSWER_KINDS = ("drop_connection", "http_500", "slow", "reboot")
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
    if kind in ANSWER_KINDS and not isinstance(fault.get("operation"), str):
        raise FaultError(f"{kind} needs the operation it hits: {fault!r}")
    for key in ("kill_after_writes", "kill_after_moves", "kill_after_scm_changes", "kill_after_task_starts"):
        if key in fault and (kind not in _KILLING_KINDS or not isinstance(fault[key], int)):
            raise FaultError(f"{key} (an int) goes with {', '.join(_KILLING_KINDS)}: {fault!r}")
    if kind == "slow" and not isinstance(fault.get("delay_s"), (int, float)):
        raise FaultError(f"slow needs delay_s: {fault!r}")
    if kind == "disk_full" and not isinstance(fault.get("capacity_bytes"), int):
        raise FaultError(f"disk_full needs capacity_bytes: {fault!r}")
    if kind == "hns_error" and fault.get("error", "HCN_E_MANAGER_STOPPED") not in HNS_ERRORS:
        raise FaultError(f"hns_error: error is one of {', '.join(HNS_ERRORS)}: {fault!r}")


def hits(fault: dict, operation: str, params: Any) -> bool:
    """Whether `fault` names this operation and its `match` holds for these parameters."""
    if fault.get("operation") != operation:
        return False
    wanted = fault.get("match") or {}
    return isinstance(params, dict) and all(params.get(key) == value for key, value in wanted.items())


# -- inside the host: one operation run --------------------------------------
class _Session:
    def __init__(self, faults: list, operation: str, params: Any, state: dict) -> None:
        self.state = state
        self.faults = faults
        hit = [f for f in faults if f["kind"] in _KILLING_KINDS and hits(f, operation, params)]
        self.kill_after = next((f["kill_after_writes"] for f in hit if "kill_after_writes" in f), None)
        self.kill_after_moves = next((f["kill_after_moves"] for f in hit if "kill_after_moves" in f), None)
        self.moves = 0
        self.kill_after_scm_changes = next(
            (f["kill_after_scm_changes"] for f in hit if "kill_after_scm_changes" in f), None)
        self.scm_changes = 0
        self.kill_after_task_starts = next(
            (f["kill_after_task_starts"] for f in hit if "kill_after_task_starts" in f), None)
        self.task_starts = 0
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


def before_scm_change() -> None:
    """Called by the SCM model before it creates or deletes a service; raises ProcessKilled when a fault kills the
    process there."""
    session = getattr(_local, "session", None)
    if session is None:
        return
    if session.kill_after_scm_changes is not None and session.scm_changes >= session.kill_after_scm_changes:
        raise ProcessKilled()
    session.scm_changes += 1


def after_task_start() -> None:
    """Called by the Task Scheduler model once a task started; raises ProcessKilled when a fault kills the process
    after this start, while it waits for the task."""
    session = getattr(_local, "session", None)
    if session is None:
        return
    session.task_starts += 1
    if session.kill_after_task_starts is not None and session.task_starts >= session.kill_after_task_starts:
        raise ProcessKilled()


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
