"""The uninstall playbook on converged simulated hosts: check mode changes nothing, a real run leaves the host clean
(data roots and Windows' own nat network kept, unless wcow_uninstall_remove_data), a second run changes nothing, and
site converges the host again.

The host DATA_HOST runs with wcow_buildkit_manage_config and, at uninstall, wcow_uninstall_remove_data: its data
roots (with marker files, one read-only, and a junction whose target must survive), logs and both config files go,
and every folder the collection made with them. Its first site run also builds the sample, which leaves containerd
snapshot layers as a real build does: files owned by TrustedInstaller that Administrators may read but not delete,
a folder only SYSTEM may open, and paths longer than MAX_PATH (docs/windows-facts.md#container-layers)."""

from __future__ import annotations

import pytest

# extra_vars is a fixture, used by name.
from test_site import SITE_AND_VERIFY, assert_verified, extra_vars  # noqa: F401  # pylint: disable=unused-import
from winsim.fleet import HostSpec
from winsim.windows import environment, files, scm

DATA_HOST = 'ws2022data'
DATA_FACTS = {'wcow_buildkit_manage_config': True, 'wcow_uninstall_remove_data': True}
# Per-host settings for one run: role defaults and play vars give way to set_fact.
PER_HOST = {'name': 'Per-host settings', 'hosts': 'all', 'gather_facts': False,
            'tasks': [{'name': 'Settings of the host that removes its data', 'ansible.builtin.set_fact': DATA_FACTS,
                       'when': "inventory_hostname == '%s'" % DATA_HOST}]}
UNINSTALL = [PER_HOST, {'import_playbook': 'wcow.buildkit.uninstall'}]
SITE = [PER_HOST] + SITE_AND_VERIFY
# The first converge of DATA_HOST builds the sample too (a build reports a change every time it runs).
SITE_AND_BUILD = [dict(PER_HOST, tasks=[dict(PER_HOST['tasks'][0], **{'ansible.builtin.set_fact': dict(
    DATA_FACTS, wcow_verify_sample_build=True)})])] + SITE_AND_VERIFY
LAYERS = 'C:\\ProgramData\\containerd\\root\\io.containerd.snapshotter.v1.windows\\snapshots\\'
TRUSTED_INSTALLER = 'S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464'
HOSTS = ('ws2019', 'ws2022', DATA_HOST)
PROFILES = {'ws2019': 'ws2019', 'ws2022': 'ws2022', DATA_HOST: 'ws2022'}
CONFIGS = ('C:\\Program Files\\containerd\\config.toml', 'C:\\ProgramData\\buildkitd\\buildkitd.toml')
LOGS = ('C:\\ProgramData\\containerd\\containerd.log', 'C:\\ProgramData\\buildkitd\\buildkitd.log')
# Folders the site playbook made (or that held only what it made): gone from DATA_HOST after uninstall.
MADE_FOLDERS = ('C:\\Program Files\\containerd', 'C:\\Program Files\\buildkit', 'C:\\ProgramData\\containerd',
                'C:\\ProgramData\\buildkitd')
# Data as a daemon would leave it: a read-only file, a file deeper down, and a junction to a folder outside.
MARKERS = ('C:\\ProgramData\\containerd\\root\\marker.txt', 'C:\\ProgramData\\containerd\\state\\sub\\marker.txt',
           'C:\\ProgramData\\buildkitd\\.buildstate\\marker.txt')
JUNCTION = 'C:\\ProgramData\\containerd\\root\\linked'
OUTSIDE = 'C:\\Data\\outside\\keep.txt'
MARKER_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\wcow.buildkit\\HnsNetworks'
# The data folders the collection created, recorded by containerd_service and buildkitd_service.
DATA_ROOTS_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\wcow.buildkit\\DataRoots'
ROLE = 'wcow.buildkit.%s : %s'
# Task: (dest, files the archive installed there, as removed_files names them).
ARCHIVE_TASKS = {
    ROLE % ('buildkit', 'Remove the files the BuildKit release archive installed'):
        ('C:\\Program Files\\buildkit', ['buildctl.exe', 'buildkitd.exe']),
    ROLE % ('cni', 'Remove the CNI plugin binaries'): ('C:\\Program Files\\containerd\\cni\\bin', ['nat.exe']),
    ROLE % ('containerd', 'Remove the files the containerd release archive installed'):
        ('C:\\Program Files\\containerd', ['bin/containerd.exe']),
}
CNI_CONFIG = 'C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf'
PATH_ENTRIES = ('C:\\Program Files\\buildkit', 'C:\\Program Files\\containerd\\bin')
DATA_ROOTS = ('C:\\ProgramData\\containerd\\root', 'C:\\ProgramData\\containerd\\state',
              'C:\\ProgramData\\buildkitd\\.buildstate')
NETWORK_TASK = ROLE % ('cni', 'Remove the HNS network if this collection created it')
SERVICE_TASKS = {'containerd': ROLE % ('containerd', 'Stop and unregister the containerd service'),
                 'buildkitd': ROLE % ('buildkit', 'Stop and unregister the buildkitd service')}


def host_view(state):
    """What uninstall may change: services, files, the machine PATH, HNS networks, the registry record."""
    return dict(services=state['services'], files=state['files'], path=state['machine_path'],
                networks=state['hns']['networks'], record=state.get('registry_keys', {}).get(MARKER_KEY),
                roots=recorded_roots(state))


def recorded_roots(state):
    return sorted(name.lower() for name in state.get('registry_keys', {}).get(DATA_ROOTS_KEY, {}))


def nat(state):
    return [n for n in state['hns']['networks'] if n['Name'].lower() == 'nat']


def path_entries(state):
    raw = environment.path_value(state, 'machine')
    value = raw['value'] if isinstance(raw, dict) else raw
    return [entry.rstrip('\\').lower() for entry in (value or '').split(';') if entry]


def run_uninstall(ansible, fleet, tmp_path, extra_vars, check=False):  # noqa: F811
    return ansible.playbook(tmp_path, fleet.inventory_path, UNINSTALL, check=check, diff=check,
                            extra_args=extra_vars)


def run_site(ansible, fleet, tmp_path, extra_vars, playbook=None):  # noqa: F811
    return ansible.playbook(tmp_path, fleet.inventory_path, playbook or SITE, extra_args=extra_vars)


def assert_layers_left(state):
    """What the sample build left in containerd's root, as Windows keeps it."""
    layers = {key: record for key, record in state['files'].items() if key.lower().startswith(LAYERS.lower())}
    assert max(len(key) for key in layers) > 260, 'a layer path passes MAX_PATH'
    owners = [record.get('sddl', '') for record in layers.values() if record['type'] == 'file']
    assert any(sddl.startswith('O:%s' % TRUSTED_INSTALLER) for sddl in owners), 'TrustedInstaller owns image files'
    assert any(record.get('sddl', '').startswith('O:SYD:P') for record in layers.values()), 'a SYSTEM-only folder'


def leave_data(store):
    """Files a daemon would have left in its data roots; the junction points out of them."""
    with store.transaction() as state:
        for path in MARKERS + (OUTSIDE,):
            files.ensure_dir(state, files.parent(path))
            files.write_bytes(state, path, b'data')
        state['files'][files.find_key(state, MARKERS[0])]['readonly'] = True
        state['files'][JUNCTION] = {'type': 'dir', 'link_target': files.parent(OUTSIDE)}


def assert_clean(fleet, host, nat_before):
    state = fleet.store(host).read()
    for name in ('buildkitd', 'containerd'):
        assert scm.find(state, name) is None, (host, name, 'service still registered')
    entries = path_entries(state)
    for entry in PATH_ENTRIES:
        assert entry.lower() not in entries, (host, entry, 'still on the PATH')
    installed = ['%s\\%s' % (dest, name.replace('/', '\\')) for dest, names in ARCHIVE_TASKS.values() for name in names]
    for removed in [CNI_CONFIG, CONFIGS[0]] + installed:
        assert files.lookup(state, removed) is None, (host, removed, 'still there')
    for folder in MADE_FOLDERS[:2]:
        assert not files.is_dir(state, folder), (host, folder, 'the emptied install folder goes')
    removed_data = host == DATA_HOST
    for root in DATA_ROOTS + LOGS:
        assert (files.lookup(state, root) is None) is removed_data, (host, root, 'data is kept unless asked')
    if removed_data:
        for path in MADE_FOLDERS + (CONFIGS[1],):
            assert files.lookup(state, path) is None, (host, path, 'still there')
        assert files.is_file(state, OUTSIDE), 'what the junction pointed to is not touched'
        assert recorded_roots(state) == [], (host, 'the records go with the data folders')
        assert DATA_ROOTS_KEY not in state['registry_keys'], (host, 'the key goes once empty')
    else:
        assert all(files.is_file(state, marker) for marker in MARKERS), (host, 'the data is kept')
        assert recorded_roots(state) == sorted(r.lower() for r in DATA_ROOTS), (host, 'kept data keeps its records')
    assert 'buildkit-users' in state['local_groups'], (host, 'the group is kept unless asked')
    assert state['features']['Containers'] == 'Enabled', (host, 'features are not undone')
    assert state.get('registry_keys', {}).get(MARKER_KEY) is None, (host, 'the record goes')
    if host == 'ws2019':
        assert nat(state) == [], 'site created the nat network on Server 2019: it is removed'
    else:
        assert nat(state) == nat_before[host], 'Windows created this nat network: it is kept'


def assert_check_lists_the_data(check):
    containerd = check.task(DATA_HOST, SERVICE_TASKS['containerd'])['result']
    assert containerd['changed'] is True and containerd['config_removed'] is True
    # In check mode the cni role has not emptied its folders: only those the task itself empties are listed.
    assert [p.lower() for p in containerd['removed']] == [p.lower() for p in (
        CONFIGS[0], DATA_ROOTS[0], DATA_ROOTS[1], LOGS[0], 'C:\\ProgramData\\containerd')], containerd['removed']
    data_diff = containerd['diff'][-1]
    assert data_diff['before_header'] == 'data of service containerd' and data_diff['after'] == ''
    root_line, = [line for line in data_diff['before'].splitlines() if line.startswith(DATA_ROOTS[0] + ':')]
    # The snapshot layers are counted, the folder only SYSTEM may open is named as not readable.
    assert root_line.endswith(', 1 folders not readable (their contents not counted)'), root_line
    buildkitd = check.task(DATA_HOST, SERVICE_TASKS['buildkitd'])['result']
    assert buildkitd['config_removed'] is True
    assert {p.lower() for p in (CONFIGS[1], DATA_ROOTS[2], LOGS[1])} <= {p.lower() for p in buildkitd['removed']}
    kept = check.task('ws2022', SERVICE_TASKS['containerd'])['result']
    assert [p.lower() for p in kept['removed']] == [CONFIGS[0].lower()], 'without remove_data only the config goes'


def test_uninstall_then_site_again(ansible, start_fleet, tmp_path, extra_vars):  # noqa: F811
    fleet = start_fleet(*(HostSpec(host, PROFILES[host], containers=True) for host in HOSTS))
    converged = run_site(ansible, fleet, tmp_path, extra_vars, SITE_AND_BUILD)
    assert converged.rc == 0, converged.output
    assert_layers_left(fleet.store(DATA_HOST).read())
    for host in HOSTS:
        leave_data(fleet.store(host))
    states = {host: fleet.store(host).read() for host in HOSTS}
    assert files.is_file(states[DATA_HOST], CONFIGS[1]), 'wcow_buildkit_manage_config wrote buildkitd.toml'
    created, = nat(states['ws2019'])
    assert states['ws2019']['registry_keys'][MARKER_KEY] == {'nat': {'type': 'REG_SZ', 'data': created['ID']}}
    assert states['ws2022'].get('registry_keys', {}).get(MARKER_KEY) is None, 'the default nat is not recorded'
    for host in HOSTS:
        assert recorded_roots(states[host]) == sorted(r.lower() for r in DATA_ROOTS), (host, 'site records its roots')
    nat_before = {host: nat(states[host]) for host in HOSTS}
    before = {host: host_view(state) for host, state in states.items()}

    check = run_uninstall(ansible, fleet, tmp_path, extra_vars, check=True)
    assert check.rc == 0, check.output
    assert check.changed_hosts == sorted(HOSTS)
    for host in HOSTS:
        assert host_view(fleet.store(host).read()) == before[host], '%s: check mode must not touch the host' % host
        for task, (_dest, names) in ARCHIVE_TASKS.items():
            result = check.task(host, task)['result']
            assert result['changed'] is True
            assert {n.lower() for n in names} <= {p.lower() for p in result['removed_files']}, (host, task, result)
    assert check.task('ws2019', NETWORK_TASK)['result']['changed'] is True
    assert check.task('ws2019', NETWORK_TASK)['result']['diff']['after'] == {'state': 'absent'}
    kept = check.task('ws2022', NETWORK_TASK)['result']
    assert kept['changed'] is False and 'did not create it' in kept['msg']
    assert_check_lists_the_data(check)

    removed = run_uninstall(ansible, fleet, tmp_path, extra_vars)
    assert removed.rc == 0, removed.output
    assert removed.changed_hosts == sorted(HOSTS)
    for host in HOSTS:
        assert_clean(fleet, host, nat_before)

    again = run_uninstall(ansible, fleet, tmp_path, extra_vars)
    assert again.rc == 0, again.output
    assert again.changed_hosts == [], 'a second uninstall changes nothing'

    reconverged = run_site(ansible, fleet, tmp_path, extra_vars)
    assert reconverged.rc == 0, reconverged.output
    assert reconverged.changed_hosts == sorted(HOSTS)
    for host in HOSTS:
        assert_verified(reconverged, host)
        state = fleet.store(host).read()
        for name in ('containerd', 'buildkitd'):
            assert state['services'][scm.find(state, name)]['State'] == 'Running', (host, name)
    for host in HOSTS:
        assert recorded_roots(fleet.store(host).read()) == sorted(r.lower() for r in DATA_ROOTS), host
    recreated, = nat(fleet.store('ws2019').read())
    assert fleet.store('ws2019').read()['registry_keys'][MARKER_KEY]['nat']['data'] == recreated['ID']

    settled = run_site(ansible, fleet, tmp_path, extra_vars)
    assert settled.rc == 0, settled.output
    assert settled.changed_hosts == [], 'site after uninstall converges: a second run changes nothing'


@pytest.mark.every_core
def test_uninstall_on_a_host_where_nothing_is_installed_changes_nothing(ansible, start_fleet, tmp_path):
    """No variables given: unlike site, uninstall needs no checksum."""
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    before = host_view(fleet.store('ws2022').read())
    run = run_uninstall(ansible, fleet, tmp_path, [])
    assert run.rc == 0, run.output
    assert run.changed_hosts == [], 'nothing is installed: nothing to remove'
    assert host_view(fleet.store('ws2022').read()) == before
