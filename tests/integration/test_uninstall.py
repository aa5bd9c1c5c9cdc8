"""The uninstall playbook on converged simulated hosts: check mode changes nothing, a real run leaves the host clean
(data roots and Windows' own nat network kept), a second run changes nothing, and site converges the host again."""

from __future__ import annotations

import pytest

from test_site import assert_verified, extra_vars, run_site  # noqa: F401 (extra_vars is a fixture)
from winsim.fleet import HostSpec
from winsim.windows import environment, files, scm

UNINSTALL = [{'import_playbook': 'wcow.buildkit.uninstall'}]
HOSTS = ('ws2019', 'ws2022')
MARKER_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\wcow.buildkit\\HnsNetworks'
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


def host_view(state):
    """What uninstall may change: services, files, the machine PATH, HNS networks, the registry record."""
    return dict(services=state['services'], files=state['files'], path=state['machine_path'],
                networks=state['hns']['networks'], record=state.get('registry_keys', {}).get(MARKER_KEY))


def nat(state):
    return [n for n in state['hns']['networks'] if n['Name'].lower() == 'nat']


def path_entries(state):
    raw = environment.path_value(state, 'machine')
    value = raw['value'] if isinstance(raw, dict) else raw
    return [entry.rstrip('\\').lower() for entry in (value or '').split(';') if entry]


def run_uninstall(ansible, fleet, tmp_path, extra_vars, check=False):  # noqa: F811
    return ansible.playbook(tmp_path, fleet.inventory_path, UNINSTALL, check=check, diff=check,
                            extra_args=extra_vars)


def assert_clean(fleet, host, nat_before):
    state = fleet.store(host).read()
    for name in ('buildkitd', 'containerd'):
        assert scm.find(state, name) is None, (host, name, 'service still registered')
    entries = path_entries(state)
    for entry in PATH_ENTRIES:
        assert entry.lower() not in entries, (host, entry, 'still on the PATH')
    installed = ['%s\\%s' % (dest, name.replace('/', '\\')) for dest, names in ARCHIVE_TASKS.values() for name in names]
    for removed in [CNI_CONFIG] + installed:
        assert files.lookup(state, removed) is None, (host, removed, 'still there')
    assert not files.is_dir(state, 'C:\\Program Files\\buildkit'), (host, 'the emptied install folder goes')
    for root in DATA_ROOTS:
        assert files.is_dir(state, root), (host, root, 'data roots are kept')
    assert 'buildkit-users' in state['local_groups'], (host, 'the group is kept unless asked')
    assert state['features']['Containers'] == 'Enabled', (host, 'features are not undone')
    assert state.get('registry_keys', {}).get(MARKER_KEY) is None, (host, 'the record goes')
    if host == 'ws2022':
        assert nat(state) == nat_before, 'Windows created this nat network: it is kept'
    else:
        assert nat(state) == [], 'site created the nat network on Server 2019: it is removed'


def test_uninstall_then_site_again(ansible, start_fleet, tmp_path, extra_vars):  # noqa: F811
    fleet = start_fleet(*(HostSpec(host, host, containers=True) for host in HOSTS))
    converged = run_site(ansible, fleet, tmp_path, extra_vars)
    assert converged.rc == 0, converged.output
    states = {host: fleet.store(host).read() for host in HOSTS}
    created, = nat(states['ws2019'])
    assert states['ws2019']['registry_keys'][MARKER_KEY] == {'nat': {'type': 'REG_SZ', 'data': created['ID']}}
    assert states['ws2022'].get('registry_keys', {}).get(MARKER_KEY) is None, 'the default nat is not recorded'
    nat_2022 = nat(states['ws2022'])
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

    removed = run_uninstall(ansible, fleet, tmp_path, extra_vars)
    assert removed.rc == 0, removed.output
    assert removed.changed_hosts == sorted(HOSTS)
    for host in HOSTS:
        assert_clean(fleet, host, nat_2022)

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
