"""wcow_defender_exclusions through the playbooks: site adds the daemons' exclusions (a host without Defender
succeeds with a warning), a second run changes nothing, the drift playbook reports an exclusion removed by hand and
site puts it back, uninstall removes only the collection's exclusions."""

from __future__ import annotations

import json

from demo import artifacts
from winsim.fleet import HostSpec

CALLBACKS = 'wcow_results,wcow.buildkit.drift_report'
ON = ['-e', json.dumps({'wcow_defender_exclusions': True})]
PROCESSES = ['C:\\Program Files\\containerd\\bin\\containerd.exe', 'C:\\Program Files\\buildkit\\buildkitd.exe']
PATHS = ['C:\\ProgramData\\containerd\\root', 'C:\\ProgramData\\containerd\\state',
         'C:\\ProgramData\\buildkitd\\.buildstate']
ADMIN_PROCESS = 'C:\\Tools\\scanner.exe'
ADMIN_PATH = 'E:\\admin-data'
CONTAINERD_TASK = 'wcow.buildkit.containerd : Exclude containerd and its root and state from Microsoft Defender scans'
BUILDKIT_TASK = 'wcow.buildkit.buildkit : Exclude buildkitd and its data root from Microsoft Defender scans'
UNINSTALL_TASK = ('wcow.buildkit.containerd : Remove the Microsoft Defender exclusions of containerd and its root and '
                  'state')


def playbook(name):
    return [{'name': name, 'ansible.builtin.import_playbook': 'wcow.buildkit.%s' % name}]


def defender(fleet, host):
    return fleet.store(host).read()['defender']


def test_site_drift_and_uninstall_keep_only_the_collections_exclusions(ansible, start_fleet, tmp_path, artifact_server):
    published = artifacts.archives()
    for path, data in published.items():
        artifact_server.publish(path, data)
    variables = tmp_path / 'extra-vars.json'
    variables.write_text(json.dumps(artifacts.extra_vars(artifact_server.base_url, published)))
    extra_vars = ['-e', '@%s' % variables] + ON
    fleet = start_fleet(HostSpec('ws2022', 'ws2022'), HostSpec('nodefender', 'ws2019', defender=False))
    with fleet.store('ws2022').transaction() as state:
        state['defender']['exclusion_process'] = [ADMIN_PROCESS]
        state['defender']['exclusion_path'] = [ADMIN_PATH]

    def run(name, check=False, extra=(), env=None):
        found = ansible.playbook(tmp_path, fleet.inventory_path, playbook(name), check=check, diff=check,
                                 extra_args=extra_vars + list(extra), env=env)
        assert found.rc == 0, found.output
        return found

    def drift(name):
        report_dir = tmp_path / name
        run('drift', check=True, env={'ANSIBLE_CALLBACKS_ENABLED': CALLBACKS, 'WCOW_DRIFT_REPORT_DIR': str(report_dir)})
        report = json.loads((report_dir / 'drift-report.json').read_text(encoding='utf-8'))
        return {(entry['role'], entry['module']): entry for entry in report['hosts']['ws2022']['resources'].values()
                if entry['module'] == 'wcow.buildkit.win_defender_exclusion'}

    first = run('site')
    live = defender(fleet, 'ws2022')
    assert live['exclusion_process'] == [ADMIN_PROCESS] + PROCESSES
    assert live['exclusion_path'] == [ADMIN_PATH] + PATHS
    for task in (CONTAINERD_TASK, BUILDKIT_TASK):
        assert first.task('ws2022', task)['result']['changed'] is True
        absent = first.task('nodefender', task)
        assert absent['status'] == 'ok' and absent['result']['changed'] is False
        assert 'is not installed on this host' in absent['result']['warnings'][0]
    assert defender(fleet, 'nodefender')['service'] is None

    assert run('site').changed_hosts == [], 'the second run must change nothing'

    in_sync = drift('converged')
    assert {key: entry['status'] for key, entry in in_sync.items()} == {
        ('wcow.buildkit.containerd', 'wcow.buildkit.win_defender_exclusion'): 'in_sync',
        ('wcow.buildkit.buildkit', 'wcow.buildkit.win_defender_exclusion'): 'in_sync'}

    with fleet.store('ws2022').transaction() as state:
        state['defender']['exclusion_path'].remove('C:\\ProgramData\\buildkitd\\.buildstate')
    drifted = drift('drifted')
    buildkit = drifted[('wcow.buildkit.buildkit', 'wcow.buildkit.win_defender_exclusion')]
    assert buildkit['status'] == 'drifted' and any('.buildstate' in line for line in buildkit['summary']), buildkit
    assert drifted[('wcow.buildkit.containerd', 'wcow.buildkit.win_defender_exclusion')]['status'] == 'in_sync'
    assert 'C:\\ProgramData\\buildkitd\\.buildstate' not in defender(fleet, 'ws2022')['exclusion_path']

    assert run('site').changed_hosts == ['ws2022']
    assert defender(fleet, 'ws2022')['exclusion_path'] == [ADMIN_PATH] + PATHS[:2] + [PATHS[2]]

    check = run('uninstall', check=True)
    assert check.task('ws2022', UNINSTALL_TASK)['result']['changed'] is True
    assert defender(fleet, 'ws2022')['exclusion_process'] == [ADMIN_PROCESS] + PROCESSES, 'check mode changes nothing'
    gone = run('uninstall')
    assert gone.task('nodefender', UNINSTALL_TASK)['status'] == 'ok'
    assert defender(fleet, 'ws2022')['exclusion_process'] == [ADMIN_PROCESS]
    assert defender(fleet, 'ws2022')['exclusion_path'] == [ADMIN_PATH]
    assert run('uninstall').changed_hosts == []
