"""Per-host traffic counters: what a fleet user pays for in round trips."""

from __future__ import annotations

import threading
import time
from collections import Counter

# Bounds the per-request log of one host between resets (a benchmark of 200
# hosts and two runs stays far below it); older entries are dropped first.
LOG_LIMIT = 200_000


class Counters:
    """Thread-safe counts of one simulated host's WinRM traffic.

    `requests` counts HTTP requests to /wsman by WS-Man action (the last
    segment of the action URI: Create, Command, Send, Receive, Signal,
    Delete), plus `Unauthorized`, `TooLarge` and `Malformed` for requests
    refused before an action could be read. Bytes are HTTP bodies.

    `log()` lists the same traffic as timed events (epoch seconds), for
    attributing it to the controller's tasks by time: one
    `{"t", "kind": "request", "action", "received", "sent"}` per request and
    one `{"t", "kind": "powershell"}` per PowerShell process started.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests: Counter[str] = Counter()
            self._bytes_received = 0
            self._bytes_sent = 0
            self._powershell_executions = 0
            self._shells_opened = 0
            self._log: list[dict] = []
            self._log_dropped = 0
        self._pending = threading.local()

    def request(self, action: str, body_bytes: int) -> None:
        with self._lock:
            self._requests[action] += 1
            self._bytes_received += body_bytes
            entry = {"t": time.time(), "kind": "request", "action": action, "received": body_bytes, "sent": 0}
            self._append(entry)
        # The reply goes out on the thread that read the request.
        self._pending.entry = entry

    def sent(self, body_bytes: int) -> None:
        entry = getattr(self._pending, "entry", None)
        self._pending.entry = None
        with self._lock:
            self._bytes_sent += body_bytes
            if entry is not None:
                entry["sent"] += body_bytes

    def powershell_execution(self) -> None:
        with self._lock:
            self._powershell_executions += 1
            self._append({"t": time.time(), "kind": "powershell"})

    def log(self) -> dict:
        with self._lock:
            return {"events": [dict(entry) for entry in self._log], "dropped": self._log_dropped}

    def _append(self, entry: dict) -> None:
        self._log.append(entry)
        if len(self._log) > LOG_LIMIT:
            del self._log[: len(self._log) - LOG_LIMIT]
            self._log_dropped += 1

    def shell_opened(self) -> None:
        with self._lock:
            self._shells_opened += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "requests": dict(sorted(self._requests.items())),
                "requests_total": sum(self._requests.values()),
                "bytes_received": self._bytes_received,
                "bytes_sent": self._bytes_sent,
                "powershell_executions": self._powershell_executions,
                "shells_opened": self._shells_opened,
            }
