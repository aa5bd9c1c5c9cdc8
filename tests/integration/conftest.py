"""Fixtures: ansible-core installations and fleets of simulated Windows hosts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ansible_runner import Ansible, ansible_bindirs  # noqa: E402
from winsim.fleet import Fleet, HostSpec  # noqa: E402


@pytest.fixture(scope='session', params=ansible_bindirs(), ids=lambda bindir: Path(bindir).parent.name)
def ansible(request):
    return Ansible(request.param)


@pytest.fixture
def start_fleet(tmp_path):
    """Start simulated hosts: start_fleet(name=profile or HostSpec, ...)."""
    started = []

    def start(*specs, latency_ms=0):
        fleet = Fleet(tmp_path / ('fleet%d' % len(started)))
        hosts = [spec if isinstance(spec, HostSpec) else HostSpec(*spec) for spec in specs]
        fleet.start(hosts=hosts, latency_ms=latency_ms)
        started.append(fleet)
        fleet.inventory_path = fleet.write_inventory()
        return fleet

    yield start
    for fleet in started:
        fleet.stop()
