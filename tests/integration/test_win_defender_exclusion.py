"""win_defender_exclusion against simulated hosts: check, apply, again; drift; absent keeps the admin's entries;
Defender absent, stopped or hiding its exclusions; bad input."""

from __future__ import annotations

import pytest

from winsim.fleet import HostSpec

MODULE = 'wcow.buildkit.win_defender_exclusion'
CONTAINERD = 'C:\\Program Files\\containerd\\bin\\containerd.exe'
BUILDKITD = 'C:\\Program Files\\buildkit\\buildkitd.exe'
ROOT = 'C:\\ProgramData\\containerd\\root'
STATE = 'C:\\ProgramData\\containerd\\state'
ADMIN_PROCESS = 'C:\\Tools\\scanner.exe'
ADMIN_PATH = 'E:\\admin-data'
ARGS = dict(processes=[CONTAINERD, BUILDKITD], paths=[ROOT, STATE])


def run(ansible, fleet, tmp_path, host, args, check=False, diff=True):
    return ansible.module(tmp_path, fleet.inventory_path, MODULE, args, hosts=host, check=check,
                          diff=diff).task(host, 'module')


def defender(fleet, host):
    return fleet.store(host).read()['defender']


def with_admin_entries(fleet, host):
    with fleet.store(host).transaction() as state:
        state['defender']['exclusion_process'] = [ADMIN_PROCESS]
        state['defender']['exclusion_path'] = [ADMIN_PATH]


@pytest.mark.every_core
@pytest.mark.parametrize('profile', ['ws2019', 'ws2022'])
def test_check_apply_again(ansible, start_fleet, tmp_path, profile):
    fleet = start_fleet(HostSpec(profile, profile))
    with_admin_entries(fleet, profile)

    check = run(ansible, fleet, tmp_path, profile, ARGS, check=True)
    assert check['status'] == 'ok' and check['result']['changed'] is True
    assert check['result']['added'] == {'processes': [CONTAINERD, BUILDKITD], 'paths': [ROOT, STATE]}
    assert check['result']['diff']['before'] == ''
    assert check['result']['diff']['after'].splitlines() == [
        'ExclusionProcess ' + CONTAINERD, 'ExclusionProcess ' + BUILDKITD, 'ExclusionPath ' + ROOT,
        'ExclusionPath ' + STATE]
    assert defender(fleet, profile)['exclusion_process'] == [ADMIN_PROCESS], 'check mode must not touch the host'

    applied = run(ansible, fleet, tmp_path, profile, ARGS)['result']
    assert applied['changed'] is True and applied['processes'] == [CONTAINERD, BUILDKITD]
    live = defender(fleet, profile)
    assert live['exclusion_process'] == [ADMIN_PROCESS, CONTAINERD, BUILDKITD]
    assert live['exclusion_path'] == [ADMIN_PATH, ROOT, STATE]

    fleet.reset_counters()
    again = run(ansible, fleet, tmp_path, profile, ARGS)['result']
    assert again['changed'] is False and again['added'] == {'processes': [], 'paths': []}
    assert fleet.counters(profile)['powershell_executions'] == 1, 'a host in sync is one read'
    # Other spellings of the same entries are the same entries.
    respelled = dict(processes=[CONTAINERD.upper()], paths=[ROOT.lower() + '\\'])
    assert run(ansible, fleet, tmp_path, profile, respelled)['result']['changed'] is False
    assert defender(fleet, profile) == live


@pytest.mark.every_core
def test_an_exclusion_removed_by_hand_is_drift_found_in_check_mode_and_put_back(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022'))
    run(ansible, fleet, tmp_path, 'ws2022', ARGS)
    with fleet.store('ws2022').transaction() as state:
        state['defender']['exclusion_path'].remove(STATE)

    check = run(ansible, fleet, tmp_path, 'ws2022', ARGS, check=True)['result']
    assert check['changed'] is True and check['added'] == {'processes': [], 'paths': [STATE]}
    assert 'ExclusionPath ' + STATE not in check['diff']['before']
    assert 'ExclusionPath ' + STATE in check['diff']['after']
    assert STATE not in defender(fleet, 'ws2022')['exclusion_path']

    fixed = run(ansible, fleet, tmp_path, 'ws2022', ARGS)['result']
    assert fixed['changed'] is True
    assert defender(fleet, 'ws2022')['exclusion_path'] == [ROOT, STATE]
    assert run(ansible, fleet, tmp_path, 'ws2022', ARGS)['result']['changed'] is False


@pytest.mark.every_core
def test_absent_removes_only_the_given_entries(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022'))
    with_admin_entries(fleet, 'ws2022')
    run(ansible, fleet, tmp_path, 'ws2022', ARGS)
    with fleet.store('ws2022').transaction() as state:
        # Spelled otherwise on the host than in the task.
        state['defender']['exclusion_path'][1] = ROOT.upper()
    absent = dict(ARGS, state='absent')

    check = run(ansible, fleet, tmp_path, 'ws2022', absent, check=True)['result']
    assert check['changed'] is True and check['removed']['paths'] == [ROOT.upper(), STATE]
    assert check['diff']['after'] == ''
    assert len(defender(fleet, 'ws2022')['exclusion_path']) == 3

    removed = run(ansible, fleet, tmp_path, 'ws2022', absent)['result']
    assert removed['changed'] is True
    assert defender(fleet, 'ws2022')['exclusion_process'] == [ADMIN_PROCESS]
    assert defender(fleet, 'ws2022')['exclusion_path'] == [ADMIN_PATH]
    assert run(ansible, fleet, tmp_path, 'ws2022', absent)['result']['changed'] is False


@pytest.mark.parametrize('name, change, words', [
    ('nodefender', None, 'is not installed on this host'),
    ('stopped', ('service', 'Stopped'), 'does not run on this host (WinDefend is Stopped'),
    ('hidden', ('hide_exclusions_from_local_admins', True), 'HideExclusionsFromLocalAdmins'),
])
def test_where_defender_cannot_be_asked_the_task_is_ok_unchanged_and_says_why(ansible, start_fleet, tmp_path, name,
                                                                              change, words):
    fleet = start_fleet(HostSpec(name, 'ws2019', defender=change is not None))
    if change:
        with fleet.store(name).transaction() as state:
            state['defender'][change[0]] = change[1]
    before = defender(fleet, name)
    for check in (True, False):
        found = run(ansible, fleet, tmp_path, name, ARGS, check=check)
        assert found['status'] == 'ok' and found['result']['changed'] is False
        assert found['result']['available'] is False and words in found['result']['msg']
        assert found['result']['warnings'] == [found['result']['msg']]
    gone = run(ansible, fleet, tmp_path, name, dict(ARGS, state='absent'))
    assert gone['status'] == 'ok' and gone['result']['changed'] is False and 'no exclusion was removed' in gone['result']['msg']
    assert defender(fleet, name) == before


BAD_INPUT = [
    (dict(processes=['containerd.exe']), 'processes'),
    (dict(processes=['C:\\Program Files\\containerd\\bin']), 'processes'),
    (dict(paths=['C:\\']), 'paths'),
    (dict(paths=['C:\\ProgramData\\*']), 'paths'),
    (dict(paths=['%ProgramData%\\containerd']), 'paths'),
    (dict(), 'processes'),
]


@pytest.mark.every_core
def test_bad_input_fails_naming_the_option_before_touching_the_host(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022'))
    fleet.reset_counters()
    ansible.rejected(tmp_path, fleet.inventory_path, MODULE, BAD_INPUT, 'ws2022')
    assert fleet.counters('ws2022')['powershell_executions'] == 0
