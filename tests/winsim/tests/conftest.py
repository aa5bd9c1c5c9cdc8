"""Fixtures for the WS-Management layer of the simulator.

The WS-Man tests replace the host model with the stub host of winsim_stubs.py,
so they test the protocol, not the model: a stub state file
(`winsim.host.store`) and a plug-in that understands a few one-line scripts
(ECHO, STDIN, EXIT, SLEEP, BIG, STATE, TOUCH). The stub store is also put
into fleet subprocesses, through a sitecustomize.py that the
`stub_pythonpath` fixture writes.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

# The package's own source, for a run of these tests outside the collection's pytest.ini.
WINSIM_SRC = Path(__file__).resolve().parents[1] / "src"
if str(WINSIM_SRC) not in sys.path:
    sys.path.insert(0, str(WINSIM_SRC))

import pytest  # noqa: E402
import winsim_stubs  # noqa: E402
from winsim import client  # noqa: E402
from winsim.transport.server import DEFAULT_PASSWORD as PASSWORD, HostServer  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes seconds rather than milliseconds")


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


# -- command lines as each ansible-core version sends them --------------------
def ansible_218(line: str) -> tuple[str, list[str]]:
    # plugins/shell/powershell.py _encode_script(strict_mode=False, preserve_rc=False)
    script = "\n".join(x.strip() for x in line.splitlines() if x.strip())
    parts = client.POWERSHELL_PREFIX.split() + [client.encode(script)]
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
    """The client's helpers and the ones above, for test modules (importing conftest by name is fragile)."""
    return types.SimpleNamespace(
        PASSWORD=PASSWORD, protocol=client.protocol, run=client.run, encode=client.encode,
        runner_line=client.powershell_line,
        shapes=SHAPES, scripts_seen=winsim_stubs.SCRIPTS_SEEN, StubStore=winsim_stubs.StubStore)
