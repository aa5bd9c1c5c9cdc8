"""Whether a simulated host answers WinRM now, given the restart its state schedules.

The host model records a restart that shutdown.exe scheduled in the state file
(`winsim.windows.boot`); the HTTP server asks `PowerGate.answering()` before
each WS-Management request. While the host is down the request gets no answer
(the connection is dropped, as a client sees a host whose WinRM listener is
gone); once the downtime is over the boot is applied to the state, and every
shell of the old boot is gone, as after a real restart of the WinRM service.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable

from ..windows import boot

_ANSWERING = ("none", "scheduled", "shutting_down")


class PowerGate:
    def __init__(self, store: Any, on_restart: Callable[[], None]) -> None:
        self._store = store
        self._on_restart = on_restart
        self._lock = threading.Lock()
        self._seen: tuple | None = None
        self._boot: dict = {}

    def answering(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        with self._lock:
            phase = boot.shutdown_phase({"boot": self._current_boot()}, now)
            if phase in _ANSWERING:
                return True
            # Down, or back: either way the shells of the old boot are gone.
            self._on_restart()
            if phase == "down":
                return False
            with self._store.transaction() as state:
                boot.finish_due_restart(state, now)
            self._seen = None
            return True

    def _current_boot(self) -> dict:
        """state["boot"], read again only when the state file changed."""
        path = getattr(self._store, "path", None)
        if path is None:
            return {}
        try:
            stat = path.stat()
        except FileNotFoundError:
            return {}
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if key != self._seen:
            try:
                state = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
            self._boot = state.get("boot") or {} if isinstance(state, dict) else {}
            self._seen = key
        return self._boot
