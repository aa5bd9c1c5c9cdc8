"""The upgrade playbook under faults, one fault per host of one fleet, all hosts in one batch.

- corrupt: the new archive does not match its checksum. It is checked before anything stops: buildkitd is never
  stopped and the host fails saying nothing was changed.
- swapfail: the process replacing the binaries dies between two file moves (after buildctl.exe was replaced) and the
  controller gets a fault: the replacement failed, after changing files. The previous binaries are restored.
- swaplost: the same process dies after its first move (buildctl.exe set aside, the new one not in yet) and the
  connection is dropped: the host is unreachable for that task. The rollback still runs on it.

Every host ends the run with buildkitd running the previous binaries. With the faults gone the next upgrade run
converges every host to the new version with nothing half-installed, and the one after changes nothing. Then the
same fleet is uninstalled under faults (uninstall_under_faults).
"""

from __future__ import annotations

import hashlib

import yaml

from demo import artifacts
from test_fault_matrix import LEFTOVER, LOST
from test_upgrade import BUILDKITD, UPGRADE, buildkit_archive, buildkitd_service, write_vars
from winsim.fleet import HostSpec
from winsim.host import faults
from winsim.programs import fake_binary
from winsim.windows import files, scm

NEW = 'v0.24.0'
BUILDKIT_DIR = 'C:\\Program Files\\buildkit'
BUILDCTL = BUILDKIT_DIR + '\\buildctl.exe'
CORRUPT_PREFIX = 'corrupt/'
ROLE = 'wcow.buildkit.buildkit : '
# The swap of the installed binaries only: the check of the new archive (another dest) and the restore
# (archive_type 'previous') run undisturbed.
SWAP = {'name': 'buildkit', 'dest': BUILDKIT_DIR, 'archive_type': 'tar.gz'}
HOST_FAULTS = {
    'corrupt': [],
    'swapfail': [{'kind': 'http_500', 'operation': 'release_archive_apply', 'match': SWAP, 'kill_after_moves': 2}],
    'swaplost': [{'kind': 'drop_connection', 'operation': 'release_archive_apply', 'match': SWAP,
                  'kill_after_moves': 1}],
    'rebooted': [{'kind': 'reboot', 'operation': 'release_archive_apply', 'match': SWAP, 'kill_after_moves': 1}],
}


def binaries(fleet, host):
    state = fleet.store(host).read()
    return {path: files.read_bytes(state, path) if files.is_file(state, path) else None for path in (BUILDKITD, BUILDCTL)}


def leftovers(fleet, host):
    return [key for key in fleet.store(host).read()['files'] if LEFTOVER.search(key) or 'upgrade-check' in key]


def test_upgrade_under_faults_keeps_buildkitd_running_then_converges(ansible, start_fleet, artifact_server, tmp_path):
    fleet = start_fleet(*(HostSpec(name, 'ws2022', containers=True) for name in HOST_FAULTS))
    published = artifacts.archives()
    for path, data in published.items():
        artifact_server.publish(path, data)
    site = ansible.playbook(tmp_path / 'site', fleet.inventory_path, [{'import_playbook': 'wcow.buildkit.site'}],
                            extra_args=write_vars(tmp_path, 'site.json',
                                                  artifacts.extra_vars(artifact_server.base_url, published)))
    assert site.rc == 0, site.output
    before = {host: binaries(fleet, host) for host in HOST_FAULTS}

    data = buildkit_archive(NEW, fake_binary('buildkitd', NEW))
    name = '%s/buildkit-%s.windows-amd64.tar.gz' % (NEW, NEW)
    url = artifact_server.publish(name, data)
    artifact_server.publish(CORRUPT_PREFIX + name, data)
    artifact_server.fault(CORRUPT_PREFIX + name, 'corrupt')
    directory = fleet.inventory_path.parent
    (directory / 'group_vars').mkdir(exist_ok=True)
    (directory / 'host_vars').mkdir(exist_ok=True)
    (directory / 'group_vars' / 'all.yml').write_text(yaml.safe_dump(dict(
        wcow_buildkit_version=NEW, wcow_buildkit_url=url,
        wcow_buildkit_checksum='sha256:' + hashlib.sha256(data).hexdigest())))
    corrupt_vars = directory / 'host_vars' / 'corrupt.yml'
    corrupt_vars.write_text(yaml.safe_dump(dict(wcow_buildkit_url=artifact_server.url(CORRUPT_PREFIX + name))))
    for host, host_faults in HOST_FAULTS.items():
        faults.set_faults(fleet.store(host).path, host_faults)
    one_batch = ['-f', str(len(HOST_FAULTS)), '-e', 'wcow_upgrade_serial=100%', '-e',
                 'wcow_upgrade_max_fail_percentage=100']

    first = ansible.playbook(tmp_path / 'run1', fleet.inventory_path, UPGRADE, extra_args=one_batch)
    assert first.rc != 0
    stopped = ROLE + 'Stop buildkitd'
    assert [r for r in first.for_host('corrupt') if r['task'] == stopped] == [], 'checked before anything stops'
    refused = first.task('corrupt', ROLE + 'Stop here when the host was not changed')['result']['msg']
    assert 'Checksum mismatch' in refused and 'buildkitd was not stopped' in refused, refused
    for host in ('swapfail', 'swaplost'):
        assert first.task(host, stopped)['result']['changed'] is True, first.output
        message = first.task(host, ROLE + 'Fail the host, rolled back')['result']['msg']
        assert 'rolled back to %s' % artifacts.BUILDKIT in message, message
    assert LOST in first.task('swaplost', ROLE + 'Fail the host, rolled back')['result']['msg']
    lost = first.task('rebooted', ROLE + 'Report a host lost during the rollback, buildkitd possibly stopped')
    assert 'stopped answering during the rollback' in lost['result']['msg'], first.output
    for host in ('corrupt', 'swapfail', 'swaplost'):
        assert buildkitd_service(fleet, host)['State'] == 'Running', host
        assert binaries(fleet, host) == before[host], (host, 'the previous binaries, both of them')

    for host in HOST_FAULTS:
        faults.clear_faults(fleet.store(host).path)
    corrupt_vars.unlink()
    second = ansible.playbook(tmp_path / 'run2', fleet.inventory_path, UPGRADE, extra_args=one_batch)
    assert second.rc == 0, second.output
    for host in HOST_FAULTS:
        assert second.task(host, ROLE + 'Ask the new buildkitd for its version')['result']['version'] == NEW
        assert buildkitd_service(fleet, host)['State'] == 'Running', host
        assert binaries(fleet, host)[BUILDKITD] == fake_binary('buildkitd', NEW), host
        assert binaries(fleet, host)[BUILDCTL] == fake_binary('buildctl', NEW), host
        assert leftovers(fleet, host) == [], (host, 'nothing half-installed')

    third = ansible.playbook(tmp_path / 'run3', fleet.inventory_path, UPGRADE, extra_args=one_batch)
    assert third.rc == 0, third.output
    assert third.changed_hosts == []

    uninstall_under_faults(ansible, fleet, tmp_path)


def uninstall_under_faults(ansible, fleet, tmp_path):
    """The same fleet, uninstalled under faults: killed just before buildkitd's service is deleted (stopped, still
    registered), killed between two file moves of BuildKit's removal. The next uninstall leaves every host clean."""
    uninstall_faults = {
        'corrupt': [{'kind': 'drop_connection', 'operation': 'service_apply', 'match': {'name': 'buildkitd'},
                     'kill_after_scm_changes': 0}],
        'swapfail': [{'kind': 'drop_connection', 'operation': 'release_archive_remove', 'match': {'name': 'buildkit'},
                      'kill_after_moves': 1}],
    }
    for host, host_faults in uninstall_faults.items():
        faults.set_faults(fleet.store(host).path, host_faults)
    uninstall = [{'import_playbook': 'wcow.buildkit.uninstall'}]
    forks = ['-f', str(len(HOST_FAULTS))]
    first = ansible.playbook(tmp_path / 'uninstall1', fleet.inventory_path, uninstall, extra_args=forks)
    assert first.rc != 0
    state = fleet.store('corrupt').read()
    assert scm.find(state, 'buildkitd') is not None, 'killed before the deletion: still registered'
    assert state['services'][scm.find(state, 'buildkitd')]['State'] == 'Stopped'
    assert files.is_file(fleet.store('swapfail').read(), BUILDKITD) != files.is_file(
        fleet.store('swapfail').read(), BUILDCTL), 'killed between the moves: one binary gone, one left'

    for host in uninstall_faults:
        faults.clear_faults(fleet.store(host).path)
    second = ansible.playbook(tmp_path / 'uninstall2', fleet.inventory_path, uninstall, extra_args=forks)
    assert second.rc == 0, second.output
    for host in HOST_FAULTS:
        state = fleet.store(host).read()
        assert [name for name in ('buildkitd', 'containerd') if scm.find(state, name) is not None] == [], host
        assert [key for key in state['files'] if key.lower().startswith(BUILDKIT_DIR.lower())] == [], host
        assert leftovers(fleet, host) == [], host
