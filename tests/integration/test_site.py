"""The site and verify playbooks on bare simulated hosts: one run converges a fleet (one restart per host), buildctl
debug info answers, and a second run changes nothing."""

from __future__ import annotations

import json

import pytest

from demo import artifacts
from winsim.fleet import HostSpec
from winsim.windows import files, ntfs, scm

SITE_AND_VERIFY = [{'import_playbook': 'wcow.buildkit.site'}, {'import_playbook': 'wcow.buildkit.verify'}]
VERIFY_TASK = 'wcow.buildkit.buildkit_verify : Ask buildkitd for its version with buildctl debug info'
# The roles' win_release_archive folders, on the machine PATH and run by SYSTEM services.
INSTALL_FOLDERS = ('C:\\Program Files\\buildkit', 'C:\\Program Files\\containerd',
                   'C:\\Program Files\\containerd\\bin', 'C:\\Program Files\\containerd\\cni\\bin')
# A signed-in non-administrator: a user SID, Users, Authenticated Users, Everyone.
USER_TOKEN = {'S-1-5-21-1-2-3-1001', 'S-1-5-32-545', 'S-1-5-11', 'S-1-1-0'}
RESTART_HANDLERS = ('wcow.buildkit.cni : Restart buildkitd after a CNI change', 'wcow.buildkit.buildkit : Restart buildkitd')


@pytest.fixture
def extra_vars(artifact_server, tmp_path):
    """-e @file with the roles pointed at fake archives (tests/demo/artifacts.py) on the artifact server."""
    published = artifacts.archives()
    for path, data in published.items():
        artifact_server.publish(path, data)
    path = tmp_path / 'extra-vars.json'
    path.write_text(json.dumps(artifacts.extra_vars(artifact_server.base_url, published)))
    return ['-e', '@%s' % path]


def run_site(ansible, fleet, tmp_path, extra_vars):
    return ansible.playbook(tmp_path, fleet.inventory_path, SITE_AND_VERIFY, extra_args=extra_vars)


def assert_converged(fleet, host, boots_before):
    state = fleet.store(host).read()
    assert state['boot']['count'] == boots_before + 1, '%s: exactly one restart' % host
    assert state['features']['Containers'] == 'Enabled', host
    for name in ('containerd', 'buildkitd'):
        key = scm.find(state, name)
        assert key is not None and state['services'][key]['State'] == 'Running', (host, name)
    assert files.is_file(state, 'C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf'), host
    for folder in INSTALL_FOLDERS:
        key = files.find_key(state, folder)
        assert ntfs.granted(state, key, USER_TOKEN) & (ntfs.FILE_ADD_FILE | ntfs.FILE_ADD_SUBDIRECTORY) == 0, \
            (host, folder, 'a non-administrator may plant files')


def assert_verified(run, host):
    info = run.task(host, VERIFY_TASK)
    assert info['status'] == 'ok', info
    assert info['result']['version'] == artifacts.BUILDKIT and info['result']['reachable'] is True
    assert info['result']['changed'] is False


def assert_every_task_line_has_host_lines(output):
    """No task line printed alone or repeated (an explicit meta flush_handlers printed one per host, and no result)."""
    lines = output.splitlines()
    banners = [index for index, line in enumerate(lines) if line.startswith(('TASK [', 'RUNNING HANDLER ['))]
    for index in banners:
        following = next((line for line in lines[index + 1:] if line.strip()), '')
        assert not following.startswith(('TASK [', 'RUNNING HANDLER [', 'PLAY')), \
            'a task line with no host line: %r' % lines[index]


def converge_twice(ansible, start_fleet, tmp_path, extra_vars, profiles):
    fleet = start_fleet(*(HostSpec(name, name) for name in profiles))
    boots = {host: fleet.store(host).read()['boot']['count'] for host in profiles}
    for host in profiles:
        assert fleet.store(host).read()['features']['Containers'] != 'Enabled', 'the hosts start bare'

    first = run_site(ansible, fleet, tmp_path, extra_vars)
    assert first.rc == 0, first.output
    assert_every_task_line_has_host_lines(first.output)
    assert sorted(first.changed_hosts) == sorted(profiles)
    for host in profiles:
        assert_converged(fleet, host, boots[host])
        assert_verified(first, host)
        for handler in RESTART_HANDLERS:
            assert first.task(host, handler)['status'] == 'skipped', 'buildkitd was just started: %s' % handler

    second = run_site(ansible, fleet, tmp_path, extra_vars)
    assert second.rc == 0, second.output
    assert second.changed_hosts == [], 'the second run must change nothing'
    for host in profiles:
        assert fleet.store(host).read()['boot']['count'] == boots[host] + 1, 'no second restart'
        assert_verified(second, host)


@pytest.mark.every_core
def test_site_converges_bare_server_2019_and_2022_then_changes_nothing(ansible, start_fleet, tmp_path, extra_vars):
    converge_twice(ansible, start_fleet, tmp_path, extra_vars, ['ws2019', 'ws2022'])


def test_site_converges_bare_server_2025_and_windows_11_then_changes_nothing(ansible, start_fleet, tmp_path,
                                                                             extra_vars):
    converge_twice(ansible, start_fleet, tmp_path, extra_vars, ['ws2025', 'win11'])


def test_site_without_the_buildkit_checksum_fails_before_touching_the_host(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022'))
    fleet.reset_counters()
    run = ansible.playbook(tmp_path, fleet.inventory_path, [{'import_playbook': 'wcow.buildkit.site'}])
    assert run.rc != 0
    assert 'wcow_buildkit_checksum' in run.output
    assert fleet.counters('ws2022')['powershell_executions'] == 0, 'checked before the restart and the installs'
