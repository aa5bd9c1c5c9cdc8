"""Fixtures for the WS-Management layer of the simulator.

The WS-Man tests replace the host model with the stub host of winsim_stubs.py,
so they test the protocol, not the model: a stub state file
(`winsim.host.store`) and a plug-in that understands a few one-line scripts
(ECHO, STDIN, EXIT, SLEEP, BIG, STATE, TOUCH). The stub store is also put
into fleet subprocesses, through a sitecustomize.py that the
`stub_pythonpath` fixture writes.
"""

from __future__ import annotations

import base64
import sys
import types
from pathlib import Path

WINSIM_SRC = Path(__file__).resolve().parents[1] / "winsim" / "src"
if str(WINSIM_SRC) not in sys.path:
    sys.path.insert(0, str(WINSIM_SRC))

import pytest  # noqa: E402
import winsim_stubs  # noqa: E402

PASSWORD = "Winsim-Passw0rd"
RUNNER_PREFIX = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand "


@pytest.fixture
def stub_modules(monkeypatch):
    winsim_stubs.SCRIPTS_SEEN.clear()

    class Setter(dict):
        def __setitem__(self, key, value):
            monkeypatch.setitem(sys.modules, key, value)

    winsim_stubs.install_stub_store(Setter())
    return winsim_stubs.SCRIPTS_SEEN


@pytest.fixture
def stub_pythonpath(tmp_path, monkeypatch):
    """Subprocesses started from this test get the stub state file too."""
    site = tmp_path / "stub-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('winsim_stubs', {winsim_stubs.__file__!r})\n"
        "module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "module.install_stub_store(sys.modules)\n")
    monkeypatch.setenv("PYTHONPATH", str(site))
    return site


# -- in-process servers and clients -------------------------------------------
@pytest.fixture
def make_server(stub_modules, tmp_path):
    from winsim.transport.server import HostServer

    servers = []

    def make(**kwargs):
        store = winsim_stubs.StubStore.create(tmp_path / f"host{len(servers)}.json", "stub")
        server = HostServer(f"host{len(servers)}", store, **{"plugins": [winsim_stubs], **kwargs}).start()
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
        shapes=SHAPES, scripts_seen=winsim_stubs.SCRIPTS_SEEN, StubStore=winsim_stubs.StubStore)
