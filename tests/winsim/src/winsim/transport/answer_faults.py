"""The faults that spoil a command's answer at the WinRM listener (winsim.host.faults has the fault file).

The host's powershell.exe tells the listener which operation a command runs
(`Injector.operation_started`, from the Operation a plug-in returned) before
it runs it; the listener then spoils the answer of a command whose operation a
fault names: `drop_connection` resets the connection, `http_500` answers a
WS-Man fault, `slow` answers late, and for `reboot` the host is down by then.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Callable

from ..host import faults
from . import wsman


class DropConnection(Exception):
    """The server resets the connection instead of answering."""


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
        self._seen: tuple | None = None
        self._faults: list = []

    def operation_started(self, command_id: str, operation: str, params: Any) -> None:
        """The command `command_id` runs `operation` with `params`: its answer is spoiled if a fault says so."""
        hit = next((f for f in self._current() if f["kind"] in faults.ANSWER_KINDS
                    and faults.hits(f, operation, params)), None)
        if hit is not None:
            with self._lock:
                self._commands[command_id.upper()] = hit

    def around(self, request: wsman.Request, answer: Callable[[], bytes]) -> bytes:
        if request.short_action != "Receive":
            return answer()
        # Answered once the command ran to its end or was killed: its operation is known by then.
        body = answer()
        desired = request.body.find("rsp:Receive/rsp:DesiredStream", wsman.NS) if request.body is not None else None
        command_id = (desired.get("CommandId") or "").upper() if desired is not None else ""
        with self._lock:
            fault = self._commands.pop(command_id, None)
        if fault is None:
            return body
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
        path = faults.faults_path(self._state_path)
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
