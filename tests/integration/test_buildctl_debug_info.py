"""buildctl_debug_info: buildkitd's version from `buildctl debug info`, as the connecting user or another user; a
clear failure when buildkitd does not answer; bad input refused before the host is touched."""

from __future__ import annotations

import pytest

from winsim.fleet import HostSpec
from winsim.host import faults
from winsim.programs import fake_binary
from winsim.windows import accounts, files, processes, scheduled_tasks, scm

MODULE = 'wcow.buildkit.buildctl_debug_info'
HOST = 'ws2022'
CONTAINERD = 'C:\\Program Files\\containerd\\containerd.exe'
BUILDKITD = 'C:\\Program Files\\buildkit\\buildkitd.exe'
BUILDCTL = 'C:\\Program Files\\buildkit\\buildctl.exe'
GROUP = 'buildkit-users'


@pytest.fixture
def fleet(start_fleet):
    """containerd and buildkitd (--group buildkit-users) running; alice in that group, bob not, both allowed to log
    on as a batch job (a scheduled task's user must be: docs/windows-facts.md#scheduled-tasks); carol not allowed."""
    fleet = start_fleet(HostSpec(HOST, 'ws2022', containers=True))
    with fleet.store(HOST).transaction() as state:
        for folder in ('C:\\Program Files\\containerd', 'C:\\Program Files\\buildkit'):
            files.ensure_dir(state, folder)
        files.write_bytes(state, CONTAINERD, fake_binary('containerd', 'v2.1.4'))
        files.write_bytes(state, BUILDKITD, fake_binary('buildkitd', 'v0.23.2'))
        files.write_bytes(state, BUILDCTL, fake_binary('buildctl', 'v0.23.2'))
        accounts.create_group(state, GROUP)
        alice = accounts.create_user(state, 'alice')
        accounts.add_member(state, GROUP, alice.sid)
        for user in (alice, accounts.create_user(state, 'bob')):
            scheduled_tasks.grant_right(state, 'SeBatchLogonRight', user.sid)
        accounts.create_user(state, 'carol')
        assert processes.run_program(state, CONTAINERD, ['--register-service']).exit_code == 0
        scm.start_service(state, 'containerd')
        assert processes.run_program(state, BUILDKITD, ['--register-service', '--group', GROUP]).exit_code == 0
        scm.start_service(state, 'buildkitd')
    return fleet


def play(tasks):
    return [{'name': 'buildctl_debug_info', 'hosts': HOST, 'gather_facts': False,
             'tasks': [dict(name=name, ignore_errors=True, **{MODULE: args}, **extra)
                       for name, args, extra in tasks]}]


@pytest.mark.every_core
def test_version_as_each_user_and_in_check_mode(ansible, fleet, tmp_path):
    before = fleet.store(HOST).read()
    run = ansible.playbook(tmp_path, fleet.inventory_path, play([
        ('default', {}, {}),
        ('check mode', {}, {'check_mode': True}),
        ('alice', {'as_user': 'alice'}, {}),
        ('bob', {'as_user': 'bob'}, {}),
        ('carol', {'as_user': 'carol'}, {}),
        ('missing buildctl', {'buildctl_path': 'C:\\buildkit\\buildctl.exe'}, {}),
    ]))
    assert run.rc == 0, run.output
    for name in ('default', 'check mode', 'alice'):
        task = run.task(HOST, name)
        assert task['status'] == 'ok', task
        result = task['result']
        assert result['version'] == 'v0.23.2' and result['reachable'] is True and result['changed'] is False
        assert result['stdout'].startswith('BuildKit: github.com/moby/buildkit v0.23.2 ')
    assert run.task(HOST, 'alice')['result']['user'] == 'alice'
    bob = run.task(HOST, 'bob')
    assert bob['status'] == 'failed' and bob['result']['reachable'] is False and bob['result']['version'] is None
    assert 'Access is denied' in bob['result']['msg'] and 'bob' in bob['result']['msg']
    carol_task = run.task(HOST, 'carol')
    carol = carol_task['result']
    # LastTaskResult 0x80070569 decoded, not "Cannot convert value ... to type System.Int32".
    assert carol_task['status'] == 'failed' and 'could not run buildctl as carol: Logon failure: the user has not been granted the ' \
        'requested logon type at this computer. (Exception from HRESULT: 0x80070569)' in carol['msg'], carol
    assert 'Log on as a batch job' in carol['msg']
    missing = run.task(HOST, 'missing buildctl')
    assert missing['status'] == 'failed' and 'C:\\buildkit\\buildctl.exe does not exist' in missing['result']['msg']
    assert fleet.store(HOST).read()['services'] == before['services'], 'reads only'


def test_fails_with_the_hosts_error_when_buildkitd_is_stopped_and_refuses_bad_input(ansible, fleet, tmp_path):
    with fleet.store(HOST).transaction() as state:
        scm.stop_service(state, 'buildkitd')
    stopped = ansible.module(tmp_path, fleet.inventory_path, MODULE, {}).task(HOST, 'module')
    assert stopped['status'] == 'failed' and stopped['result']['reachable'] is False
    assert 'buildkitd did not answer' in stopped['result']['msg']
    assert 'open //./pipe/buildkitd: The system cannot find the file specified.' in stopped['result']['msg']

    with fleet.store(HOST).transaction() as state:
        scm.start_service(state, 'buildkitd')
        state['scheduled_tasks'] = {'starts_tasks': False}
    queued = ansible.module(tmp_path, fleet.inventory_path, MODULE, {'as_user': 'alice'}).task(HOST, 'module')
    assert queued['status'] == 'failed', queued
    # 0x41303 is a task that never started, not a timeout of buildctl.
    assert 'buildctl as alice did not start within 120 s (0x00041303: the task has not yet run)' \
        in queued['result']['msg'], queued

    # A connection dropped while the task runs leaves the task (no finally runs); the first run after the bound
    # (600 s, longer than any run lasts) removes it, and succeeds.
    with fleet.store(HOST).transaction() as state:
        state['scheduled_tasks']['starts_tasks'] = True
    faults.set_faults(fleet.store(HOST).path, [{'kind': 'drop_connection', 'operation': 'buildctl_debug_info',
                                                'kill_after_task_starts': 1}])
    dropped = ansible.module(tmp_path, fleet.inventory_path, MODULE, {'as_user': 'alice'}).task(HOST, 'module')
    faults.clear_faults(fleet.store(HOST).path)
    assert dropped['status'] != 'ok', dropped
    with fleet.store(HOST).transaction() as state:
        left = state['scheduled_tasks']['registered']
        assert len(left) == 1 and next(iter(left)).startswith('\\wcow.buildkit\\buildctl-'), left
        # Ten minutes later: the task's name carries its registration time.
        state['scheduled_tasks']['registered'] = {'\\wcow.buildkit\\buildctl-20000101000000-' + next(iter(left))[-32:]: {}}
    again = ansible.module(tmp_path, fleet.inventory_path, MODULE, {'as_user': 'alice'}).task(HOST, 'module')
    assert again['status'] == 'ok' and again['result']['version'] == 'v0.23.2', again
    assert fleet.store(HOST).read()['scheduled_tasks']['registered'] == {}

    fleet.reset_counters()
    ansible.rejected(tmp_path, fleet.inventory_path, MODULE, [
        ({'buildctl_path': 'buildctl.exe'}, 'buildctl_path'),
        ({'as_user': ' alice'}, 'as_user'),
        ({'addr': '//./pipe/buildkitd'}, 'addr'),
        ({'addr': 'npipe:////./pipe/buildkitd&whoami>C:\\p.txt', 'as_user': 'alice'}, 'addr'),
        ({'addr': 'tcp://0.0.0.0:1234/x'}, 'addr'),
    ], HOST)
    assert fleet.counters(HOST)['powershell_executions'] == 0
