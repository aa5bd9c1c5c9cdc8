"""Fixtures for the WS-Management layer of the simulator.

The WS-Man tests replace the host model (`winsim.host.store`, `winsim.host.powershell`)
with the stubs below, so they test the protocol, not the model: the stub
PowerShell understands a few one-line scripts (ECHO, STDIN, EXIT, SLEEP, BIG,
STATE, TOUCH). `install_stubs` also runs inside fleet subprocesses, through a
sitecustomize.py that the `stub_pythonpath` fixture writes.
"""

from __future__ import annotations

import base64
import contextlib
import json
import sys
import threading
import time
import types
from dataclasses import dataclass
from pathlib import Path

WINSIM_SRC = Path(__file__).resolve().parents[1] / "winsim" / "src"
if str(WINSIM_SRC) not in sys.path:
    sys.path.insert(0, str(WINSIM_SRC))

import pytest  # noqa: E402

PASSWORD = "Winsim-Passw0rd"
RUNNER_PREFIX = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand "


# -- stub host model ---------------------------------------------------------
@dataclass
class StubResult:
    stdout: bytes = b""
    stderr: bytes = b""
    rc: int = 0


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


SCRIPTS_SEEN: list[tuple[str, bytes]] = []


def stub_run_powershell(store, script, stdin):
    SCRIPTS_SEEN.append((script, stdin))
    verb, _unused, arg = script.partition(" ")
    if verb == "ECHO":
        return StubResult((arg + "\r\n").encode())
    if verb == "STDIN":
        return StubResult(stdin)
    if verb == "EXIT":
        return StubResult(b"", b"exiting\r\n", int(arg))
    if verb == "SLEEP":
        time.sleep(float(arg))
        return StubResult(b"slept\r\n")
    if verb == "BIG":
        return StubResult(b"o" * int(arg), b"e" * int(arg))
    if verb == "STATE":
        return StubResult(json.dumps(store.read()).encode())
    if verb == "TOUCH":
        with store.transaction() as state:
            state["touched"] = arg
        return StubResult()
    return StubResult(b"", f"stub: unknown script {script[:60]!r}\r\n".encode(), 1)


def install_stubs(modules) -> None:
    """Put stub `winsim.host.powershell` and `winsim.host.store` into a sys.modules-like mapping."""
    powershell = types.ModuleType("winsim.host.powershell")
    powershell.run_powershell = stub_run_powershell
    host = types.ModuleType("winsim.host.store")
    host.HostStore = StubStore
    modules["winsim.host.powershell"] = powershell
    modules["winsim.host.store"] = host


@pytest.fixture
def stub_modules(monkeypatch):
    SCRIPTS_SEEN.clear()

    class Setter(dict):
        def __setitem__(self, key, value):
            monkeypatch.setitem(sys.modules, key, value)

    install_stubs(Setter())
    return SCRIPTS_SEEN


@pytest.fixture
def stub_pythonpath(tmp_path, monkeypatch):
    """Subprocesses started from this test get the stub host model too."""
    site = tmp_path / "stub-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('winsim_test_stubs', {str(Path(__file__))!r})\n"
        "module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "module.install_stubs(sys.modules)\n")
    monkeypatch.setenv("PYTHONPATH", str(site))
    return site


# -- in-process servers and clients -------------------------------------------
@pytest.fixture
def make_server(stub_modules, tmp_path):
    from winsim.transport.server import HostServer

    servers = []

    def make(**kwargs):
        store = StubStore.create(tmp_path / f"host{len(servers)}.json", "stub")
        server = HostServer(f"host{len(servers)}", store, **kwargs).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server):
    return make_server()


def protocol(server_or_endpoint, password=PASSWORD, operation_timeout_sec=20, **kwargs):
    import winrm

    endpoint = getattr(server_or_endpoint, "endpoint", server_or_endpoint)
    return winrm.Protocol(endpoint, transport="basic", username="Administrator", password=password,
                          operation_timeout_sec=operation_timeout_sec,
                          read_timeout_sec=operation_timeout_sec + 10, proxy=None, ca_trust_path=None,
                          **kwargs)


def run(proto, command, args=(), stdin=None):
    """One command in its own shell, as ansible-core's exec_command drives it."""
    shell_id = proto.open_shell(codepage=65001)
    try:
        command_id = proto.run_command(shell_id, command, args, console_mode_stdin=stdin is None)
        if stdin is not None:
            proto.send_command_input(shell_id, command_id, stdin, end=True)
        result = proto.get_command_output(shell_id, command_id)
        proto.cleanup_command(shell_id, command_id)
    finally:
        proto.close_shell(shell_id)
    return result


# -- command lines as each ansible-core version sends them --------------------
def encode(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode()


def runner_line(script: str) -> str:
    """The collection runner's command line (docs/architecture.md)."""
    return RUNNER_PREFIX + encode(script)


def ansible_218(line: str) -> tuple[str, list[str]]:
    # plugins/shell/powershell.py _encode_script(strict_mode=False, preserve_rc=False)
    script = "\n".join(x.strip() for x in line.splitlines() if x.strip())
    parts = RUNNER_PREFIX.split() + [encode(script)]
    return parts[0], parts[1:]


def ansible_219(line: str) -> tuple[str, list[str]]:
    # plugins/connection/winrm.py exec_command: the encoded prefix is split on spaces
    parts = line.split(" ")
    return parts[0], parts[1:]


def ansible_221(line: str) -> tuple[str, list[str]]:
    # plugins/connection/winrm.py exec_command: " -EncodedCommand " present, sent whole
    return line, []


SHAPES = {"2.18": ansible_218, "2.19": ansible_219, "2.21": ansible_221}


@pytest.fixture
def ws():
    """The helpers above, for test modules (importing conftest by name is fragile)."""
    return types.SimpleNamespace(
        PASSWORD=PASSWORD, protocol=protocol, run=run, encode=encode, runner_line=runner_line,
        shapes=SHAPES, scripts_seen=SCRIPTS_SEEN, StubStore=StubStore)
