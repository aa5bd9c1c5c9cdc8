"""A daemon's log: logrus text lines appended to its --log-file, or nowhere.

Without --log-file a service's output goes to NUL (docs/windows-facts.md#buildkitd-as-a-windows-service;
cmd/containerd/command/service_windows.go does the
same). Lines look like logrus' TextFormatter with full timestamps:
`time="2024-02-26T10:42:16Z" level=warning msg="using null network as the default"`
(moby/buildkit docs/windows.md shows such lines).
"""

from __future__ import annotations

import datetime
import json

from ..windows import files

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class LogOpenError(Exception):
    """os.OpenFile(path, O_APPEND|O_CREATE|O_WRONLY) failed."""


def _now(state: dict) -> str:
    # A simulated clock: the last boot time plus one second per log line written.
    boot = datetime.datetime.strptime(state["boot"]["last_boot_time"], _TIME_FORMAT)
    state["log_clock"] = state.get("log_clock", 0) + 1
    return (boot + datetime.timedelta(seconds=state["log_clock"])).strftime(_TIME_FORMAT)


def _quote(value: str) -> str:
    # logrus quotes values holding anything but [A-Za-z0-9-._/@^+], like Go's %q.
    if value and all(c.isalnum() or c in "-._/@^+" for c in value):
        return value
    return json.dumps(value)


class Log:
    def __init__(self, state: dict, path: str | None):
        self.state = state
        self.path = path

    def open(self) -> "Log":
        """Creates the file when missing; its folder must exist (Go: "open <path>: The system cannot find the path specified.")."""
        if self.path is None:
            return self
        record = files.lookup(self.state, self.path)
        if record is None:
            parent = files.parent(self.path)
            if parent is not None and not files.is_dir(self.state, parent):
                raise LogOpenError(f"open {self.path}: The system cannot find the path specified.")
            try:
                files.write_bytes(self.state, self.path, b"")
            except files.WindowsIOError as error:
                # A volume with no room left for even an empty file (winsim.host.faults disk_full):
                # os.OpenFile returns the *PathError, "open <path>: <Windows message>".
                raise LogOpenError(f"open {self.path}: {error.message}") from None
        elif record["type"] != "file":
            raise LogOpenError(f"open {self.path}: is a directory")
        return self

    def line(self, level: str, message: str, **fields) -> None:
        text = f"time=\"{_now(self.state)}\" level={level} msg={_quote(message)}"
        for name, value in fields.items():
            text += f" {name}={_quote(str(value))}"
        self.raw(text)

    def raw(self, text: str) -> None:
        if self.path is None:
            return
        key = files.find_key(self.state, self.path)
        if key is None:
            return  # removed while the daemon ran: its handle writes nowhere we can see
        current = files.read_bytes(self.state, key)
        try:
            files.write_bytes(self.state, key, current + (text + "\n").encode("utf-8"))
        except files.WindowsIOError:
            # logrus Entry.write: a failed Out.Write prints "Failed to write to log, <err>" on
            # os.Stderr and goes on (sirupsen/logrus entry.go); a service's stderr is NUL
            # (docs/windows-facts.md#buildkitd-as-a-windows-service), so the line,
            # or what did not fit of it, is lost and the daemon keeps running.
            pass


def read_lines(state: dict, path: str) -> list:
    """The lines of a log file (tests and failure messages)."""
    if not files.is_file(state, path):
        return []
    return files.read_bytes(state, path).decode("utf-8", errors="replace").splitlines()
