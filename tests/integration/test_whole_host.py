"""The whole-host path (wcow_whole_host: buildkit_host_state) against the roles on the same scenario.

Two hosts start alike, one run by the roles, the other by the whole-host
path, in the same playbook runs: a drift report of bare hosts, a converge, a
run with nothing to change, then drift made by hand on both, reported, then
corrected. After each step the two must agree: the drift findings, which
resources changed, and the hosts' end state. Both run with the Microsoft
Defender exclusions on (wcow_defender_exclusions).
"""

from __future__ import annotations

import json

import pytest
import yaml

from test_site import extra_vars  # noqa: F401  # pylint: disable=unused-import
from winsim.fleet import HostSpec
from winsim.windows import environment, scm

ROLES, WHOLE = 'roles', 'whole'
CALLBACKS = 'wcow_results,wcow.buildkit.drift_report'
STATE_TASK = 'wcow.buildkit.buildkit_host : Read and plan the whole host at once'
# The preflight role checks the variables on the controller, on both paths alike: no resource of the host.
PREFLIGHT = 'wcow.buildkit.preflight :'
DEFENDER = ['-e', json.dumps({'wcow_defender_exclusions': True})]


@pytest.fixture
def fleet(start_fleet):
    fleet = start_fleet(HostSpec(ROLES, 'ws2022'), HostSpec(WHOLE, 'ws2022'))
    inventory = yaml.safe_load(fleet.inventory_path.read_text())
    hosts = next(group['hosts'] for group in _groups(inventory) if WHOLE in (group.get('hosts') or {}))
    hosts[WHOLE]['wcow_whole_host'] = True
    fleet.inventory_path.write_text(yaml.safe_dump(inventory))
    return fleet


def _groups(node):
    yield node.get('all', node)
    for child in (node.get('all', node).get('children') or {}).values():
        yield from _groups(child)


def play(ansible, fleet, tmp_path, extra_vars, name, check=False, report_dir=None):  # noqa: F811
    env = {'ANSIBLE_CALLBACKS_ENABLED': CALLBACKS, 'WCOW_DRIFT_REPORT_DIR': str(report_dir)} if report_dir else None
    run = ansible.playbook(tmp_path, fleet.inventory_path, [{'import_playbook': 'wcow.buildkit.%s' % name}],
                           check=check, diff=check, extra_args=list(extra_vars) + DEFENDER, env=env)
    assert run.rc == 0, run.output
    return run


def changed_resources(run, host):
    """Resource task name -> changed, from the role tasks' results or the whole-host action's."""
    if host == WHOLE:
        state = run.task(host, STATE_TASK)['result']
        return {entry['task']: bool(entry['result'].get('changed')) for entry in state['resources']
                if not entry['result'].get('skipped')}
    return {result['task'].split(' : ', 1)[-1]: bool(result['result'].get('changed'))
            for result in run.for_host(host) if result['status'] != 'skipped'
            and result['task'].startswith('wcow.buildkit.') and ' : ' in result['task']
            and 'Restart' not in result['task'] and 'Validating arguments' not in result['task']
            and not result['task'].startswith(('wcow.buildkit.buildkit_host :', PREFLIGHT))
            and result['result'].get('changed') is not None}


def findings(report, host):
    return {name: entry['status'] for name, entry in report['hosts'][host]['resources'].items()}


def end_state(fleet, host):
    state = fleet.store(host).read()
    services = {name: (entry.get('State'), entry.get('ImagePath'), entry.get('Start'))
                for name, entry in state['services'].items() if name.lower() in ('containerd', 'buildkitd')}
    return {'features': state['features'], 'services': services,
            'path': environment.read_raw(state, 'machine'),
            'files': sorted(name for name in state['files'] if 'temp' not in name.lower()),
            'boots': state['boot']['count'], 'defender': state['defender']}


def drift(ansible, fleet, tmp_path, extra_vars, label):  # noqa: F811
    report_dir = tmp_path / ('report-%s' % label)
    run = play(ansible, fleet, tmp_path, extra_vars, 'drift', check=True, report_dir=report_dir)
    report = json.loads((report_dir / 'drift-report.json').read_text())
    assert findings(report, WHOLE) == findings(report, ROLES), label
    assert changed_resources(run, WHOLE) == changed_resources(run, ROLES), label
    return findings(report, WHOLE)


def test_whole_host_path_matches_the_roles(ansible, fleet, tmp_path, extra_vars):  # noqa: F811
    bare = drift(ansible, fleet, tmp_path, extra_vars, 'bare')
    assert 'missing' in bare.values() and set(bare.values()) <= {'missing', 'drifted', 'blocked'}, bare

    first = play(ansible, fleet, tmp_path, extra_vars, 'site')
    assert first.changed_hosts == [ROLES, WHOLE]
    assert first.task(WHOLE, STATE_TASK)['result']['in_sync'] is False
    assert end_state(fleet, WHOLE) == end_state(fleet, ROLES)
    assert len(end_state(fleet, WHOLE)['defender']['exclusion_path']) == 3

    second = play(ansible, fleet, tmp_path, extra_vars, 'site')
    assert second.changed_hosts == []
    state = second.task(WHOLE, STATE_TASK)['result']
    assert state['in_sync'] is True and state['ansible_facts']['wcow']
    assert changed_resources(second, WHOLE) == changed_resources(second, ROLES)
    ran = [result['task'] for result in second.for_host(WHOLE)
           if result['status'] != 'skipped' and 'Validating arguments' not in result['task']
           and not result['task'].startswith(PREFLIGHT)]
    assert ran == [STATE_TASK], 'a host in sync runs the one whole-host task: %s' % ran
    assert set(drift(ansible, fleet, tmp_path, extra_vars, 'in-sync').values()) == {'in_sync'}

    for host in (ROLES, WHOLE):
        with fleet.store(host).transaction() as state:
            environment.edit_path_by_hand(state, 'machine', lambda value: ';'.join(
                entry for entry in value.split(';') if not entry.lower().endswith('\\buildkit')))
            scm.change_config(state, 'buildkitd', start=scm.START_DEMAND)
            state['defender']['exclusion_process'] = state['defender']['exclusion_process'][1:]
    drifted = drift(ansible, fleet, tmp_path, extra_vars, 'drifted')
    assert sorted(status for status in drifted.values() if status != 'in_sync') == ['drifted'] * 3, drifted

    third = play(ansible, fleet, tmp_path, extra_vars, 'site')
    assert third.changed_hosts == [ROLES, WHOLE]
    assert end_state(fleet, WHOLE) == end_state(fleet, ROLES)
    assert set(drift(ansible, fleet, tmp_path, extra_vars, 'corrected').values()) == {'in_sync'}
