"""The windows_containers role against simulated hosts: a bare host checked, then prepared with one
restart, then left alone; hosts the collection does not support refused before any change; restarts not allowed."""

from __future__ import annotations

import pytest

from winsim.fleet import HostSpec

ROLE = 'wcow.buildkit.windows_containers'
GATE = 'Gather the wcow facts and refuse hosts the collection does not support'
FEATURES = 'Enable the Windows container features, restarting once when needed'
PENDING = 'Fail when the features still wait for a restart that is not allowed'
REFRESH = 'Gather the wcow facts again, now that the features changed'
SHOW = 'show facts'


def play(role_vars=None):
    return [{'name': 'windows_containers', 'hosts': 'all', 'gather_facts': False, 'tasks': [
        {'name': 'role', 'ansible.builtin.include_role': {'name': ROLE}, 'vars': role_vars or {}},
        {'name': SHOW, 'ansible.builtin.debug': {'var': 'ansible_facts.wcow.features'}},
    ]}]


def converge(ansible, fleet, tmp_path, role_vars=None, check=False):
    return ansible.playbook(tmp_path, fleet.inventory_path, play(role_vars), check=check)


def task(outcome, host, name):
    """The result of the role's task `name` (its name carries the role's as a prefix)."""
    found = [r for r in outcome.for_host(host) if r['task'] == name or r['task'].endswith(' : ' + name)]
    assert len(found) == 1, 'expected one %r on %s:\n%s' % (name, host, outcome.output)
    return found[0]


def changed_tasks(outcome, host):
    return [r['task'] for r in outcome.for_host(host) if r['result'].get('changed')]


@pytest.mark.every_core
def test_bare_server_2022_checked_then_prepared_with_one_restart_then_left_alone(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022'))
    bare = fleet.store('ws2022').read()

    checked = converge(ansible, fleet, tmp_path, check=True)
    assert checked.rc == 0, checked.output
    assert task(checked, 'ws2022', FEATURES)['result']['changed'] is True
    assert fleet.store('ws2022').read() == bare, 'check mode must not touch the host'

    fleet.reset_counters()
    applied = converge(ansible, fleet, tmp_path)
    assert applied.rc == 0, applied.output
    assert task(applied, 'ws2022', GATE)['status'] == 'ok'
    features = task(applied, 'ws2022', FEATURES)['result']
    assert features['changed'] is True and features['rebooted'] is True
    assert task(applied, 'ws2022', PENDING)['status'] == 'skipped'
    assert task(applied, 'ws2022', REFRESH)['status'] == 'ok'
    assert task(applied, 'ws2022', SHOW)['result']['ansible_facts.wcow.features']['Containers'] == 'Enabled', \
        'the facts are gathered again after the restart'
    state = fleet.store('ws2022').read()
    assert state['features']['Containers'] == 'Enabled'
    assert state['boot']['count'] == bare['boot']['count'] + 1, 'exactly one restart'
    assert [n['Name'] for n in state['hns']['networks']] == ['nat']

    fleet.reset_counters()
    again = converge(ansible, fleet, tmp_path)
    assert again.rc == 0, again.output
    assert changed_tasks(again, 'ws2022') == []
    assert task(again, 'ws2022', REFRESH)['status'] == 'skipped'
    assert fleet.store('ws2022').read()['boot']['count'] == state['boot']['count']
    # The gate's read and the features' read.
    assert fleet.counters('ws2022')['powershell_executions'] == 2


def test_hyper_v_on_a_server_when_asked(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2025', 'ws2025'))
    outcome = converge(ansible, fleet, tmp_path, dict(wcow_hyperv=True))
    assert outcome.rc == 0, outcome.output
    state = fleet.store('ws2025').read()
    assert state['features'] == {'Containers': 'Enabled', 'Microsoft-Hyper-V': 'Enabled'}
    assert changed_tasks(converge(ansible, fleet, tmp_path, dict(wcow_hyperv=True)), 'ws2025') == []


@pytest.mark.every_core
def test_server_2016_is_refused_before_anything_changes(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2016', 'ws2016'))
    before = fleet.store('ws2016').read()
    fleet.reset_counters()
    outcome = converge(ansible, fleet, tmp_path)
    assert outcome.rc != 0
    gate = task(outcome, 'ws2016', GATE)
    assert gate['status'] == 'failed' and 'build 14393' in gate['result']['msg']
    assert [r['task'] for r in outcome.for_host('ws2016') if r['task'].endswith(FEATURES)] == []
    assert fleet.counters('ws2016')['powershell_executions'] == 1
    assert fleet.store('ws2016').read() == before


def test_arm64_is_refused_unless_allowed(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('arm', 'ws2022', architecture='arm64'))
    refused = converge(ansible, fleet, tmp_path)
    assert task(refused, 'arm', GATE)['status'] == 'failed'
    assert 'CNI plugin' in task(refused, 'arm', GATE)['result']['msg']
    assert fleet.store('arm').read()['features']['Containers'] == 'Disabled'

    allowed = converge(ansible, fleet, tmp_path, dict(wcow_allow_arm64_without_cni=True))
    assert allowed.rc == 0, allowed.output
    assert fleet.store('arm').read()['features']['Containers'] == 'Enabled'


def test_without_restarts_the_role_fails_clearly_unless_told_to_go_on(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019'))
    boots = fleet.store('ws2019').read()['boot']['count']
    stopped = converge(ansible, fleet, tmp_path, dict(wcow_allow_reboot=False))
    pending = task(stopped, 'ws2019', PENDING)
    assert pending['status'] == 'failed'
    assert 'wait for a restart' in pending['result']['msg'] and 'wcow_allow_reboot' in pending['result']['msg']
    state = fleet.store('ws2019').read()
    assert state['features']['Containers'] == 'EnablePending' and state['boot']['count'] == boots

    going_on = converge(ansible, fleet, tmp_path, dict(wcow_allow_reboot=False,
                                                       wcow_windows_containers_require_restarted=False))
    assert going_on.rc == 0, going_on.output
    assert task(going_on, 'ws2019', FEATURES)['result']['changed'] is False
    assert task(going_on, 'ws2019', SHOW)['result']['ansible_facts.wcow.features']['Containers'] == 'EnablePending'
    assert fleet.store('ws2019').read()['boot']['count'] == boots
