"""Per-host traffic counters: what a fleet user pays for in round trips."""

from __future__ import annotations

import threading
from collections import Counter


class Counters:
    """Thread-safe counts of one simulated host's WinRM traffic.

    `requests` counts HTTP requests to /wsman by WS-Man action (the last
    segment of the action URI: Create, Command, Send, Receive, Signal,
    Delete), plus `Unauthorized`, `TooLarge` and `Malformed` for requests
    refused before an action could be read. Bytes are HTTP bodies.
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

    def request(self, action: str, body_bytes: int) -> None:
        with self._lock:
            self._requests[action] += 1
            self._bytes_received += body_bytes

    def sent(self, body_bytes: int) -> None:
        with self._lock:
            self._bytes_sent += body_bytes

    def powershell_execution(self) -> None:
        with self._lock:
            self._powershell_executions += 1

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
