"""Fixtures for the tests of the wcow_winsim plug-in: a WinRM client for hosts served with it."""

from __future__ import annotations

import types

import pytest

from winsim import client


@pytest.fixture
def ws():
    """winsim.client's helpers, under the names the simulator's own tests use."""
    return types.SimpleNamespace(protocol=client.protocol, run=client.run, runner_line=client.powershell_line)
