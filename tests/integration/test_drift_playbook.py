"""The drift report against simulated hosts: drift made by hand is reported, a real run corrects it;
the drift playbook refuses to run outside check mode, and finds what the site playbook corrects."""

from __future__ import annotations

import html.parser
import json
import socket
from xml.etree import ElementTree

import pytest
import yaml

from demo import artifacts
from winsim.fleet import HostSpec
from winsim.windows import accounts, environment

CALLBACKS = 'wcow_results,wcow.buildkit.drift_report'
BUILDKIT = '%ProgramFiles%\\buildkit'
CONTAINERD = '%ProgramFiles%\\containerd\\bin'
GROUP = 'buildkit-users'
NETWORK = 'Ensure the nat network exists'
PATH = 'Put BuildKit on the machine PATH'
GROUP_TASK = 'Create the group of BuildKit users'
ROLE_PATH = 'Put containerd on the machine PATH'
VERDICT = 'Fail on the hosts that drifted (wcow_drift_fail)'

# Four wcow.buildkit tasks, the last one in a role (ansible prefixes its name
# with the role's), and tasks that are no resources: another module's, a skipped one.
PLAY = {
    'name': 'Converge the probe resources',
    'hosts': 'all',
    'gather_facts': False,
    'tasks': [
        {'name': NETWORK, 'wcow.buildkit.win_hns_network': {
            'name': 'nat', 'subnet': '172.20.0.0/16', 'enforce_subnet': False}},
        {'name': PATH, 'wcow.buildkit.win_path_entry': {'path': BUILDKIT}},
        {'name': GROUP_TASK, 'wcow.buildkit.win_local_group': {'name': GROUP, 'description': 'May use buildkitd'}},
        {'name': 'Remember the run', 'ansible.builtin.set_fact': {'drift_probe_ran': True}},
        {'name': 'Never runs', 'wcow.buildkit.win_path_entry': {'path': 'C:\\never'}, 'when': False},
        {'name': 'Probe role', 'ansible.builtin.include_role': {'name': 'drift_probe'}},
    ],
}
ROLE_TASKS = [{'name': ROLE_PATH, 'wcow.buildkit.win_path_entry': {'path': CONTAINERD}}]


@pytest.fixture
def fleet(start_fleet, tmp_path):
    role = tmp_path / 'roles' / 'drift_probe' / 'tasks'
    role.mkdir(parents=True)
    (role / 'main.yml').write_text(yaml.safe_dump(ROLE_TASKS))
    return start_fleet(HostSpec('ws2019', 'ws2019', containers=True), HostSpec('ws2022', 'ws2022', containers=True))


def import_playbook(name):
    return [{'name': name, 'ansible.builtin.import_playbook': 'wcow.buildkit.%s' % name}]


def converge(ansible, fleet, tmp_path):
    run = ansible.playbook(tmp_path, fleet.inventory_path, [PLAY])
    assert run.rc == 0, run.output
    return run


def drift_check(ansible, fleet, tmp_path, report_dir, extra_args=(), env=None):
    environment_ = {'ANSIBLE_CALLBACKS_ENABLED': CALLBACKS}
    environment_.update(env if env is not None else {'WCOW_DRIFT_REPORT_DIR': str(report_dir)})
    run = ansible.playbook(tmp_path, fleet.inventory_path, [PLAY], check=True, diff=True, extra_args=extra_args,
                           env=environment_)
    assert run.rc == 0, run.output
    return run, json.loads((report_dir / 'drift-report.json').read_text(encoding='utf-8'))


def statuses(report, host):
    return {name: entry['status'] for name, entry in report['hosts'][host]['resources'].items()}


def hand_drift(fleet, host):
    """Someone took BuildKit off the PATH with SetEnvironmentVariable, deleted the group and the nat network."""
    with fleet.store(host).transaction() as state:
        environment.edit_path_by_hand(state, 'machine', lambda value: ';'.join(
            entry for entry in value.split(';') if not entry.lower().endswith('\\buildkit')))
        accounts.delete_group(state, GROUP)
        state['hns']['networks'] = [n for n in state['hns']['networks'] if n['Name'] != 'nat']


class ProblemCells(html.parser.HTMLParser):
    """(host, resource, status) of each cell the HTML report lists as not in sync."""

    def __init__(self):
        super().__init__()
        self.cells = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'li' and attrs.get('class') == 'cell':
            self.cells.append((attrs['data-host'], attrs['data-resource'], attrs['data-status']))


@pytest.mark.every_core
def test_drift_made_by_hand_is_reported_then_corrected(ansible, fleet, tmp_path):
    converge(ansible, fleet, tmp_path)
    hand_drift(fleet, 'ws2019')
    drifted_state = fleet.store('ws2019').read()

    report_dir = tmp_path / 'report'
    _run, report = drift_check(ansible, fleet, tmp_path, report_dir)
    assert fleet.store('ws2019').read() == drifted_state, 'the drift run must not touch the host'
    assert report['check_mode'] is True and report['diff_mode'] is True
    assert report['resources'] == [NETWORK, PATH, GROUP_TASK, ROLE_PATH], 'no set_fact, no skipped task, no prefix'
    assert statuses(report, 'ws2019') == {NETWORK: 'missing', PATH: 'drifted', GROUP_TASK: 'missing',
                                          ROLE_PATH: 'in_sync'}
    assert report['hosts']['ws2019']['status'] == 'drifted', 'a host whose group was deleted is no missing host'
    assert statuses(report, 'ws2022') == dict.fromkeys([NETWORK, PATH, GROUP_TASK, ROLE_PATH], 'in_sync')
    assert report['hosts']['ws2022']['status'] == 'in_sync'
    ws2019 = report['hosts']['ws2019']['resources']
    assert ws2019[PATH]['module'] == 'wcow.buildkit.win_path_entry'
    assert '+ %s' % BUILDKIT in ws2019[PATH]['summary']
    assert ws2019[GROUP_TASK]['summary'] == ['absent now; wanted: description=May use buildkitd, members=[], '
                                             'name=%s' % GROUP]
    assert ws2019[ROLE_PATH]['role'] == 'drift_probe'

    markdown = (report_dir / 'drift-report.md').read_text(encoding='utf-8')
    assert '| all | 1 | 1 | 0 | 0 | 2 |' in markdown, 'hosts: 1 in sync, 1 drifted'
    assert '| %s | 1 | 0 | **1** | 0 | 0 | 0 | 0 |' % NETWORK in markdown
    ws2019 = markdown[markdown.index('### ws2019: drifted'):]
    assert '- **%s** (wcow.buildkit.win\\_local\\_group): absent on host' % GROUP_TASK in ws2019
    assert '### ws2022' not in markdown and 'Hosts in sync (1): ws2022.' in markdown
    cells = ProblemCells()
    cells.feed((report_dir / 'drift-report.html').read_text(encoding='utf-8'))
    cells.close()
    assert cells.cells == [('ws2019', NETWORK, 'missing'), ('ws2019', PATH, 'drifted'),
                           ('ws2019', GROUP_TASK, 'missing')], 'only the cells not in sync'

    fixed = converge(ansible, fleet, tmp_path)
    assert fixed.changed_hosts == ['ws2019']
    assert accounts.find_local(fleet.store('ws2019').read(), GROUP) is not None

    # Options from extra vars win over the environment.
    after_dir = tmp_path / 'after'
    _run, after = drift_check(ansible, fleet, tmp_path, after_dir, env={'WCOW_DRIFT_REPORT_DIR': str(report_dir)},
                              extra_args=['-e', json.dumps({'wcow_drift_report_dir': str(after_dir),
                                                            'wcow_drift_report_title': 'After the fix'})])
    for host in ('ws2019', 'ws2022'):
        assert statuses(after, host) == dict.fromkeys([NETWORK, PATH, GROUP_TASK, ROLE_PATH], 'in_sync')
        assert after['hosts'][host]['status'] == 'in_sync'
    assert after['title'] == 'After the fix'
    assert (after_dir / 'drift-report.md').read_text(encoding='utf-8').startswith('# After the fix\n')
    assert json.loads((report_dir / 'drift-report.json').read_text())['hosts']['ws2019']['status'] == 'drifted'


def inventory_with_a_host_gone(fleet, tmp_path):
    """The fleet's inventory and `gone`, a host whose WinRM port nothing listens on."""
    inventory = yaml.safe_load(fleet.inventory_path.read_text())
    hosts = inventory['all']['children']['wcow_buildkit_hosts']['hosts']
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        closed_port = probe.getsockname()[1]
    hosts['gone'] = dict(hosts['ws2022'], ansible_port=closed_port)
    path = tmp_path / 'inventory-with-gone.yml'
    path.write_text(yaml.safe_dump(inventory))
    return path


def test_unreachable_hosts_failed_tasks_and_tasks_not_run_are_reported(ansible, fleet, tmp_path):
    play = {'name': 'Some fail', 'hosts': 'all', 'gather_facts': False, 'tasks': [
        {'name': PATH, 'wcow.buildkit.win_path_entry': {'path': BUILDKIT}},
        {'name': GROUP_TASK, 'wcow.buildkit.win_local_group': {'name': GROUP, 'members': ['nobody-by-that-name']},
         'ignore_errors': True},
        {'name': 'Stop on ws2022', 'ansible.builtin.fail': {'msg': 'stopped <here>'},
         'when': "inventory_hostname == 'ws2022'"},
        {'name': ROLE_PATH, 'wcow.buildkit.win_path_entry': {'path': CONTAINERD}},
    ]}
    report_dir = tmp_path / 'report'
    run = ansible.playbook(tmp_path, inventory_with_a_host_gone(fleet, tmp_path), [play], check=True, diff=True,
                           env={'ANSIBLE_CALLBACKS_ENABLED': CALLBACKS, 'WCOW_DRIFT_REPORT_DIR': str(report_dir)})
    assert run.rc != 0
    report = json.loads((report_dir / 'drift-report.json').read_text(encoding='utf-8'))
    assert list(report['hosts']) == ['gone', 'ws2019', 'ws2022']
    assert statuses(report, 'gone') == {PATH: 'unreachable'}
    assert report['hosts']['gone']['status'] == 'unreachable'
    assert report['hosts']['gone']['resources'][PATH]['message']
    assert statuses(report, 'ws2019') == {PATH: 'drifted', GROUP_TASK: 'failed', ROLE_PATH: 'drifted'}
    assert 'nobody-by-that-name' in report['hosts']['ws2019']['resources'][GROUP_TASK]['message']
    assert statuses(report, 'ws2022') == {PATH: 'drifted', GROUP_TASK: 'failed'}
    assert report['hosts']['ws2022']['problems'] == [{'task': 'Stop on ws2022', 'module': 'ansible.builtin.fail',
                                                      'status': 'failed', 'message': 'stopped <here>'}]
    assert report['hosts']['ws2022']['status'] == 'failed'

    markdown = (report_dir / 'drift-report.md').read_text(encoding='utf-8')
    assert '| all | 0 | 0 | 2 | 1 | 3 |' in markdown, 'hosts: 2 whose check failed, 1 unreachable'
    assert '### gone: unreachable' in markdown and '- **%s** (wcow.buildkit.win\\_path\\_entry): host unreachable' \
        % PATH in markdown
    ws2022 = markdown[markdown.index('### ws2022: check failed'):]
    assert '- **task Stop on ws2022** (ansible.builtin.fail): check failed\n  stopped &lt;here&gt;' in ws2022


@pytest.mark.every_core
def test_the_drift_playbook_refuses_to_run_without_check_diff_and_the_callback(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True), HostSpec('ws2019', 'ws2019'))
    drift = import_playbook('drift')
    cases = [
        (False, False, CALLBACKS, 'Refuse to run without --check and --diff', '--check --diff'),
        (False, True, CALLBACKS, 'Refuse to run without --check and --diff', '--check --diff'),
        (True, False, CALLBACKS, 'Refuse to run without --check and --diff', '--check --diff'),
        (True, True, 'wcow_results', 'Refuse to run without the drift_report callback',
         'ANSIBLE_CALLBACKS_ENABLED=wcow.buildkit.drift_report'),
    ]
    fleet.reset_counters()
    for index, (check, diff, callbacks, guard, message) in enumerate(cases):
        report_dir = tmp_path / ('report%d' % index)
        run = ansible.playbook(tmp_path, fleet.inventory_path, drift, check=check, diff=diff,
                               env={'ANSIBLE_CALLBACKS_ENABLED': callbacks, 'WCOW_DRIFT_REPORT_DIR': str(report_dir)})
        assert run.rc != 0, run.output
        refused = [r for r in run.results if r['task'] == guard]
        assert len(refused) == 1, 'the guard runs once for the play: %r' % run.results
        assert refused[0]['status'] == 'failed' and message in refused[0]['result']['msg'], refused
        assert not [r for r in run.results if r['task'] != guard and r['status'] != 'skipped'], run.results
        if callbacks == CALLBACKS:
            report = json.loads((report_dir / 'drift-report.json').read_text(encoding='utf-8'))
            assert report['hosts'][refused[0]['host']]['status'] == 'failed'
            assert report['hosts'][refused[0]['host']]['problems'][0]['task'] == guard
            assert report['check_mode'] is check
        else:
            assert not report_dir.exists()
    for host in ('ws2019', 'ws2022'):
        assert fleet.counters(host)['powershell_executions'] == 0, 'nothing reached %s' % host


def without_process_ids(state):
    """The host's state but the next process id: reading versions runs programs, which changes nothing else."""
    return {key: value for key, value in state.items() if key != 'next_pid'}


def by_role_and_module(report, host):
    return {(entry['role'], entry['module']): entry['status'] for entry in report['hosts'][host]['resources'].values()}


def test_the_drift_playbook_finds_hand_drift_that_site_corrects(ansible, start_fleet, tmp_path, artifact_server):
    published = artifacts.archives()
    for path, data in published.items():
        artifact_server.publish(path, data)
    variables = tmp_path / 'extra-vars.json'
    variables.write_text(json.dumps(artifacts.extra_vars(artifact_server.base_url, published)))
    extra_vars = ['-e', '@%s' % variables]
    fleet = start_fleet(HostSpec('ws2019', 'ws2019'), HostSpec('ws2022', 'ws2022'))

    def site():
        run = ansible.playbook(tmp_path, fleet.inventory_path, import_playbook('site'), extra_args=extra_vars)
        assert run.rc == 0, run.output
        return run

    def drift(name, rc=0):
        # As a pipeline runs it: failing when anything drifted.
        report_dir = tmp_path / name
        run = ansible.playbook(tmp_path, fleet.inventory_path, import_playbook('drift'), check=True, diff=True,
                               extra_args=extra_vars + ['-e', 'wcow_drift_fail=true'],
                               env={'ANSIBLE_CALLBACKS_ENABLED': CALLBACKS, 'WCOW_DRIFT_REPORT_DIR': str(report_dir)})
        assert run.rc == rc, run.output
        verdicts = [(r['host'], r['status']) for r in run.results if r['task'] == VERDICT and r['status'] != 'skipped']
        assert verdicts == ([('ws2019', 'failed')] if rc else []), verdicts
        junit = ElementTree.parse(str(report_dir / 'drift-report.xml')).getroot()
        return json.loads((report_dir / 'drift-report.json').read_text(encoding='utf-8')), junit

    site()
    converged, junit = drift('converged')
    assert int(junit.get('tests')) >= 20 and (junit.get('failures'), junit.get('errors')) == ('0', '0')
    assert len(converged['resources']) >= 10
    for host in ('ws2019', 'ws2022'):
        assert converged['hosts'][host]['status'] == 'in_sync', converged['hosts'][host]

    with fleet.store('ws2019').transaction() as state:
        environment.edit_path_by_hand(state, 'machine', lambda value: ';'.join(
            entry for entry in value.split(';') if not entry.lower().endswith('\\buildkit')))
        state['hns']['networks'] = [n for n in state['hns']['networks'] if n['Name'] != 'nat']
    drifted_state = without_process_ids(fleet.store('ws2019').read())
    drifted, junit = drift('drifted', rc=2)
    assert without_process_ids(fleet.store('ws2019').read()) == drifted_state, 'drift must not touch the host'
    found = by_role_and_module(drifted, 'ws2019')
    assert found[('wcow.buildkit.cni', 'wcow.buildkit.win_hns_network')] == 'missing'
    assert found[('wcow.buildkit.buildkit', 'wcow.buildkit.win_path_entry')] == 'drifted'
    assert found[('wcow.buildkit.containerd', 'wcow.buildkit.win_path_entry')] == 'in_sync'
    assert found[('wcow.buildkit.containerd', 'wcow.buildkit.containerd_service')] == 'in_sync'
    # The CNI config follows the nat network: it waits on it instead of drifting "with no diff".
    assert found[('wcow.buildkit.cni', 'wcow.buildkit.win_cni_config')] == 'blocked'
    cni = [entry for entry in drifted['hosts']['ws2019']['resources'].values()
           if entry['module'] == 'wcow.buildkit.win_cni_config'][0]
    assert cni['summary'][0].startswith("depends on the HNS network 'nat'"), cni
    assert drifted['hosts']['ws2019']['status'] == 'drifted'
    assert drifted['hosts']['ws2022']['status'] == 'in_sync'
    assert not any(r['task'] == VERDICT for entries in drifted['hosts'].values() for r in entries['problems']), \
        'the verdict is not a finding'
    failures = {case.get('name'): case.find('failure') for case in junit.iter('testcase')
                if case.get('classname') == 'ws2019' and case.find('failure') is not None}
    path_failure = [failure for name, failure in failures.items() if 'buildkitd on the machine PATH' in name]
    assert len(failures) == 3 and path_failure and '\\buildkit' in path_failure[0].text, failures
    assert set(by_role_and_module(drifted, 'ws2022').values()) == {'in_sync'}

    assert site().changed_hosts == ['ws2019']
    corrected, _junit = drift('corrected')
    for host in ('ws2019', 'ws2022'):
        assert corrected['hosts'][host]['status'] == 'in_sync', corrected['hosts'][host]
