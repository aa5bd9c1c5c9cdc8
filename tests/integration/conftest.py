"""Fixtures: ansible-core installations and fleets of simulated Windows hosts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(TESTS), str(TESTS / 'integration'), str(TESTS / 'winsim' / 'src')]

from ansible_runner import Ansible, ansible_bindirs  # noqa: E402
from winsim.fleet import Fleet, HostSpec  # noqa: E402

# What the simulated hosts know of this collection's scripts (tests/wcow_winsim).
WINSIM_PLUGINS = ('wcow_winsim',)
PLAYBOOK_GROUP = 'wcow_buildkit_hosts'


def pytest_generate_tests(metafunc):
    """Run on the newest ansible-core; tests marked every_core on each one installed.

    The oldest core takes another winrm exec path (it encodes the command
    once more): the every_core tests cover it without doubling the suite.
    """
    if 'ansible' not in metafunc.fixturenames:
        return
    bindirs = ansible_bindirs()
    if metafunc.definition.get_closest_marker('every_core') is None:
        bindirs = bindirs[:1]
    metafunc.parametrize('ansible', bindirs, indirect=True, scope='session',
                         ids=[Path(bindir).parent.name for bindir in bindirs])


@pytest.fixture(scope='session')
def ansible(request):
    return Ansible(request.param)


@pytest.fixture
def start_fleet(tmp_path):
    """Start simulated hosts: start_fleet(name=profile or HostSpec, ...)."""
    started = []

    def start(*specs, latency_ms=0):
        fleet = Fleet(tmp_path / ('fleet%d' % len(started)), plugins=WINSIM_PLUGINS)
        hosts = [spec if isinstance(spec, HostSpec) else HostSpec(*spec) for spec in specs]
        fleet.start(hosts=hosts, latency_ms=latency_ms)
        started.append(fleet)
        # The group the collection's playbooks run on (playbooks/site.yml).
        fleet.inventory_path = fleet.write_inventory(group=PLAYBOOK_GROUP)
        return fleet

    yield start
    for fleet in started:
        fleet.stop()


@pytest.fixture
def artifact_server(tmp_path):
    """An HTTP server on loopback serving release archives the test publishes (artifact_server.py)."""
    from artifact_server import ArtifactServer

    server = ArtifactServer(tmp_path / 'artifacts').start()
    yield server
    server.stop()
