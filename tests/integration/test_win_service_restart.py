"""win_service_restart: restarts a service that exists, skips or fails on a missing one."""

from __future__ import annotations

import pytest

from winsim.fleet import HostSpec
from winsim.programs import fake_binary
from winsim.windows import files, processes, scm

MODULE = 'wcow.buildkit.win_service_restart'
HOST = 'ws2022'
CONTAINERD = 'C:\\Program Files\\containerd\\containerd.exe'


@pytest.fixture
def fleet(start_fleet):
    fleet = start_fleet(HostSpec(HOST, 'ws2022', containers=True))
    with fleet.store(HOST).transaction() as state:
        files.ensure_dir(state, 'C:\\Program Files\\containerd')
        files.write_bytes(state, CONTAINERD, fake_binary('containerd', 'v2.1.4'))
        assert processes.run_program(state, CONTAINERD, ['--register-service']).exit_code == 0
        scm.start_service(state, 'containerd')
    return fleet


def service(fleet, name='containerd'):
    state = fleet.store(HOST).read()
    return state['services'][scm.find(state, name)]


def run(ansible, fleet, tmp_path, args, check=False):
    return ansible.module(tmp_path, fleet.inventory_path, MODULE, args, check=check).task(HOST, 'module')


@pytest.mark.every_core
def test_restart_gives_a_new_process_and_check_mode_does_not(ansible, fleet, tmp_path):
    pid = service(fleet)['ProcessId']
    check = run(ansible, fleet, tmp_path, dict(name='containerd'), check=True)['result']
    assert check['changed'] is True and check['restarted'] is True
    assert service(fleet)['ProcessId'] == pid

    done = run(ansible, fleet, tmp_path, dict(name='containerd'))['result']
    assert done['changed'] is True and done['state'] == 'Running'
    assert service(fleet)['State'] == 'Running' and service(fleet)['ProcessId'] != pid


def test_missing_service_is_skipped_or_fails_as_asked(ansible, fleet, tmp_path):
    skipped = run(ansible, fleet, tmp_path, dict(name='buildkitd'))
    assert skipped['status'] == 'ok'
    assert skipped['result']['changed'] is False and skipped['result']['exists'] is False
    failed = run(ansible, fleet, tmp_path, dict(name='buildkitd', missing='fail'))
    assert failed['status'] == 'failed' and "'buildkitd' does not exist" in failed['result']['msg']


def test_bad_input_fails_naming_the_option_before_touching_the_host(ansible, fleet, tmp_path):
    fleet.reset_counters()
    cases = [(dict(name=' x'), 'name'), (dict(name='x', timeout=0), 'timeout'), (dict(name='x', missing='no'), 'missing')]
    ansible.rejected(tmp_path, fleet.inventory_path, MODULE, cases, HOST)
    assert fleet.counters(HOST)['powershell_executions'] == 0
