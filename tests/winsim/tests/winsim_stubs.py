"""A stub host for the WS-Management tests: a state file with no profile behind it, and a plug-in.

The plug-in (this module: `invoke`, winsim.plugin) understands a few one-line
scripts (ECHO, STDIN, EXIT, SLEEP, BIG, STATE, TOUCH), so the tests exercise
the protocol, not a host model. `install_stub_store` replaces
`winsim.host.store` in a sys.modules-like mapping; a sitecustomize.py does it
inside fleet subprocesses (conftest.py, `stub_pythonpath`).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import types
from pathlib import Path

from winsim.plugin import Operation, ProcessResult

SCRIPTS_SEEN: list[tuple[str, bytes]] = []


class StubStore:
    """A JSON file, like winsim.host.store.HostStore but with no profiles behind it."""

    _lock = threading.Lock()

    def __init__(self, path):
        self.path = Path(path)

    @classmethod
    def create(cls, path, profile, **options):
        store = cls(path)
        store.path.write_text(json.dumps({"profile": profile, "options": options}))
        return store

    def read(self):
        return json.loads(self.path.read_text())

    @contextlib.contextmanager
    def transaction(self):
        with self._lock:
            state = self.read()
            yield state
            self.path.write_text(json.dumps(state))


def invoke(script, stdin):
    SCRIPTS_SEEN.append((script, stdin))
    verb, _unused, arg = script.partition(" ")
    if verb == "ECHO":
        return ProcessResult((arg + "\r\n").encode())
    if verb == "STDIN":
        return ProcessResult(stdin)
    if verb == "EXIT":
        return ProcessResult(b"", b"exiting\r\n", int(arg))
    if verb == "SLEEP":
        time.sleep(float(arg))
        return ProcessResult(b"slept\r\n")
    if verb == "BIG":
        return ProcessResult(b"o" * int(arg), b"e" * int(arg))
    if verb == "STATE":
        return Operation("STATE", {}, lambda state: ProcessResult(json.dumps(state).encode()))
    if verb == "TOUCH":
        return Operation("TOUCH", {"touched": arg}, lambda state: _touch(state, arg))
    return None


def _touch(state, arg):
    state["touched"] = arg
    return ProcessResult()


def install_stub_store(modules) -> None:
    """Put a stub `winsim.host.store` into a sys.modules-like mapping."""
    store = types.ModuleType("winsim.host.store")
    store.HostStore = StubStore
    modules["winsim.host.store"] = store
