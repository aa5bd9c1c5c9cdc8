"""win_container_features: which features a host needs, and which restart messages shutdown.exe can carry."""

from __future__ import annotations

import pytest

from ansible_collections.wcow.buildkit.plugins.action.win_container_features import message_problem, wanted_features

SERVER = {'product_type': 3}
DOMAIN_CONTROLLER = {'product_type': 2}
CLIENT = {'product_type': 1}


@pytest.mark.parametrize(('hyperv', 'os_info', 'wanted'), [
    (False, SERVER, ['Containers']),
    (True, SERVER, ['Containers', 'Microsoft-Hyper-V']),
    (True, DOMAIN_CONTROLLER, ['Containers', 'Microsoft-Hyper-V']),
    (False, CLIENT, ['Containers', 'Microsoft-Hyper-V-All']),
    (True, CLIENT, ['Containers', 'Microsoft-Hyper-V-All']),
])
def test_hyper_v_is_forced_on_clients_under_the_client_name(hyperv, os_info, wanted):
    assert wanted_features(hyperv, os_info) == wanted


@pytest.mark.parametrize('message', ['Reboot initiated by Ansible', 'x' * 512, "it's time", 'Überholung'])
def test_messages_shutdown_exe_accepts(message):
    assert message_problem(message) is None


@pytest.mark.parametrize(('message', 'problem'), [
    ('', 'must not be empty'),
    ('   ', 'must not be empty'),
    ('x' * 513, 'is 513 characters long; shutdown.exe allows at most 512'),
    ('say "now"', 'must not contain double quotes'),
    ('two\nlines', 'must not contain control characters such as line breaks'),
    ('tab\there', 'must not contain control characters such as line breaks'),
])
def test_messages_refused_before_the_host_is_touched(message, problem):
    assert message_problem(message) == problem
