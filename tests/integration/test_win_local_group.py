"""win_local_group against simulated hosts: check, apply, again; modes; drift; orphaned SIDs; bad input."""

from __future__ import annotations

import pytest

from winsim.fleet import HostSpec
from winsim.windows import accounts
from winsim.windows.guids import machine_sid

MODULE = 'wcow.buildkit.win_local_group'
HOST = 'ws2022'
COMPUTER = 'WS2022-SIM'
GROUP = 'buildkit-users'
ORPHAN = 'S-1-5-21-3623811015-3361044348-30300820-1234'


def run(ansible, fleet, tmp_path, args, check=False, diff=True):
    return ansible.module(tmp_path, fleet.inventory_path, MODULE, args, check=check, diff=diff).task(HOST, 'module')


def stored_group(fleet, name=GROUP):
    return fleet.store(HOST).read()['local_groups'].get(name)


def host_with(start_fleet, users=('alice', 'bob'), group_members=None):
    """A Server 2022 host with local users, and GROUP holding group_members when given."""
    fleet = start_fleet(HostSpec(HOST, 'ws2022'))
    with fleet.store(HOST).transaction() as state:
        for user in users:
            accounts.create_user(state, user)
        if group_members is not None:
            accounts.create_group(state, GROUP)
            state['local_groups'][GROUP]['members'] = list(group_members)
    return fleet


def local(name):
    return '%s\\%s' % (COMPUTER, name)


@pytest.mark.every_core
def test_create_with_members_check_apply_again(ansible, start_fleet, tmp_path):
    fleet = host_with(start_fleet)
    args = dict(name=GROUP, description='May open the buildkitd pipe', members=['.\\alice', local('bob')])

    check = run(ansible, fleet, tmp_path, args, check=True)
    assert check['status'] == 'ok' and check['result']['changed'] is True
    assert check['result']['sid'] is None
    assert check['result']['added'] == [local('alice'), local('bob')]
    assert check['result']['diff']['before'] == {'state': 'absent'}
    assert check['result']['diff']['after']['members'] == [local('alice'), local('bob')]
    assert stored_group(fleet) is None, 'check mode must not touch the host'

    applied = run(ansible, fleet, tmp_path, args)
    assert applied['status'] == 'ok' and applied['result']['changed'] is True
    live = stored_group(fleet)
    assert sorted(live['members']) == [local('alice'), local('bob')]
    assert live['description'] == 'May open the buildkitd pipe'
    assert applied['result']['sid'] == live['sid']
    prefix, rid = live['sid'].rsplit('-', 1)
    assert prefix == machine_sid(COMPUTER) and int(rid) >= 1000
    assert [m['name'] for m in applied['result']['members']] == [local('alice'), local('bob')]
    assert {m['source'] for m in applied['result']['members']} == {'local'}

    again = run(ansible, fleet, tmp_path, args)['result']
    assert again['changed'] is False and again['added'] == [] and again['removed'] == []
    # Other spellings of the same accounts are the same members.
    respelled = run(ansible, fleet, tmp_path, dict(args, members=['alice', local('BOB').lower()]))['result']
    assert respelled['changed'] is False
    assert stored_group(fleet) == live


@pytest.mark.every_core
def test_exact_removes_every_other_member(ansible, start_fleet, tmp_path):
    fleet = host_with(start_fleet, group_members=[local('alice'), local('bob'), 'NT AUTHORITY\\INTERACTIVE'])
    args = dict(name=GROUP, members=['bob'], members_mode='exact')

    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changed'] is True
    assert sorted(check['removed']) == sorted([local('alice'), 'NT AUTHORITY\\INTERACTIVE'])
    assert check['diff']['after']['members'] == [local('bob')]
    assert len(stored_group(fleet)['members']) == 3

    applied = run(ansible, fleet, tmp_path, args)['result']
    assert applied['changed'] is True
    assert stored_group(fleet)['members'] == [local('bob')]
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False


def test_add_keeps_the_other_members(ansible, start_fleet, tmp_path):
    fleet = host_with(start_fleet, group_members=[local('alice')])
    args = dict(name=GROUP, members=['NT AUTHORITY\\Authenticated Users', 'bob'])

    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changed'] is True and check['removed'] == []
    assert check['added'] == ['NT AUTHORITY\\Authenticated Users', local('bob')]
    assert stored_group(fleet)['members'] == [local('alice')]

    applied = run(ansible, fleet, tmp_path, args)['result']
    assert applied['changed'] is True
    assert stored_group(fleet)['members'] == [local('alice'), 'NT AUTHORITY\\Authenticated Users', local('bob')]
    sources = {m['name']: m['source'] for m in applied['members']}
    assert sources['NT AUTHORITY\\Authenticated Users'] == 'well_known'
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False


def test_remove_takes_out_only_the_named_members(ansible, start_fleet, tmp_path):
    fleet = host_with(start_fleet, group_members=[local('alice'), local('bob')])
    args = dict(name=GROUP, members=['.\\alice', 'CONTOSO\\ghost'], members_mode='remove')

    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changed'] is True and check['removed'] == [local('alice')]
    assert len(stored_group(fleet)['members']) == 2

    applied = run(ansible, fleet, tmp_path, args)['result']
    assert applied['changed'] is True
    assert any('CONTOSO\\ghost' in warning for warning in applied.get('warnings', []))
    assert stored_group(fleet)['members'] == [local('bob')]
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False


def test_absent_deletes_the_group_but_not_its_members(ansible, start_fleet, tmp_path):
    fleet = host_with(start_fleet, group_members=[local('alice')])
    args = dict(name=GROUP.upper(), state='absent')

    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changed'] is True
    assert check['diff']['before']['members'] == [local('alice')] and check['diff']['after'] == {'state': 'absent'}
    assert stored_group(fleet) is not None

    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is True
    state = fleet.store(HOST).read()
    assert GROUP not in state['local_groups'] and 'alice' in state['local_users']
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False


@pytest.mark.every_core
def test_member_removed_by_hand_is_found_in_check_mode_and_added_again(ansible, start_fleet, tmp_path):
    fleet = host_with(start_fleet)
    args = dict(name=GROUP, members=['alice', 'bob'])
    run(ansible, fleet, tmp_path, args)
    with fleet.store(HOST).transaction() as state:
        state['local_groups'][GROUP]['members'].remove(local('alice'))

    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changed'] is True and check['added'] == [local('alice')]
    assert stored_group(fleet)['members'] == [local('bob')]

    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is True
    assert sorted(stored_group(fleet)['members']) == [local('alice'), local('bob')]
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False


def test_group_deleted_by_hand_is_created_again(ansible, start_fleet, tmp_path):
    fleet = host_with(start_fleet)
    args = dict(name=GROUP, members=['alice'])
    first = run(ansible, fleet, tmp_path, args)['result']
    with fleet.store(HOST).transaction() as state:
        del state['local_groups'][GROUP]

    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changed'] is True and check['diff']['before'] == {'state': 'absent'}
    assert stored_group(fleet) is None

    again = run(ansible, fleet, tmp_path, args)['result']
    assert again['changed'] is True
    assert stored_group(fleet)['members'] == [local('alice')]
    assert again['sid'] != first['sid'], 'a new group gets a new SID'
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False


@pytest.mark.every_core
def test_orphaned_sid_is_read_and_exact_mode_removes_it(ansible, start_fleet, tmp_path):
    fleet = host_with(start_fleet, group_members=[local('alice'), ORPHAN])

    kept = run(ansible, fleet, tmp_path, dict(name=GROUP, members=['alice']))
    assert kept['status'] == 'ok' and kept['result']['changed'] is False
    orphan = [m for m in kept['result']['members'] if m['sid'] == ORPHAN]
    assert orphan == [dict(name=None, sid=ORPHAN, object_class='unknown', source='unresolved')]

    args = dict(name=GROUP, members=['alice'], members_mode='exact')
    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changed'] is True and check['removed'] == [ORPHAN]
    assert ORPHAN in check['diff']['before']['members'] and ORPHAN not in check['diff']['after']['members']
    assert ORPHAN in stored_group(fleet)['members']

    applied = run(ansible, fleet, tmp_path, args)['result']
    assert applied['changed'] is True and applied['removed'] == [ORPHAN]
    assert stored_group(fleet)['members'] == [local('alice')]
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False


@pytest.mark.parametrize('members, mode, missing', [
    (['.\\alice', 'CONTOSO\\alice'], 'exact', 'CONTOSO\\alice'),
    (['ghost'], 'add', 'ghost'),
    ([ORPHAN], 'add', ORPHAN),
])
def test_unknown_member_fails_clearly_with_nothing_changed(ansible, start_fleet, tmp_path, members, mode, missing):
    fleet = host_with(start_fleet, group_members=[local('bob')])
    before = fleet.store(HOST).read()
    fleet.reset_counters()
    for check in (True, False):
        failed = run(ansible, fleet, tmp_path, dict(name=GROUP, members=members, members_mode=mode), check=check)
        assert failed['status'] == 'failed'
        assert 'Principal %s was not found.' % missing in failed['result']['msg']
        assert 'members' in failed['result']['msg'] and 'Nothing was changed' in failed['result']['msg']
    assert fleet.store(HOST).read() == before
    assert fleet.counters(HOST)['powershell_executions'] == 2, 'only the reads ran'


def test_unknown_member_of_a_new_group_leaves_no_group_behind(ansible, start_fleet, tmp_path):
    fleet = host_with(start_fleet)
    failed = run(ansible, fleet, tmp_path, dict(name=GROUP, members=['alice', 'CONTOSO\\alice']))
    assert failed['status'] == 'failed' and 'Principal CONTOSO\\alice was not found.' in failed['result']['msg']
    assert stored_group(fleet) is None


def test_local_group_cannot_be_a_member(ansible, start_fleet, tmp_path):
    fleet = host_with(start_fleet)
    failed = run(ansible, fleet, tmp_path, dict(name=GROUP, members=['alice', 'BUILTIN\\Users']))
    assert failed['status'] == 'failed'
    assert 'BUILTIN\\Users is a local group' in failed['result']['msg']
    assert stored_group(fleet) is None


def test_name_of_a_local_user_is_refused(ansible, start_fleet, tmp_path):
    fleet = host_with(start_fleet)
    failed = run(ansible, fleet, tmp_path, dict(name='Alice'))
    assert failed['status'] == 'failed'
    assert failed['result']['msg'].startswith('name:') and 'local user' in failed['result']['msg']
    assert 'Alice' not in fleet.store(HOST).read()['local_groups']


BAD_INPUT = [
    (dict(name=''), 'name'),
    (dict(name='build/kit'), 'name'),
    (dict(name='g' * 257), 'name'),
    (dict(name='...'), 'name'),
    (dict(name='builders.'), 'name'),
    (dict(name=GROUP, members=['']), 'members'),
    (dict(name=GROUP, members=['A\\b\\c']), 'members'),
    (dict(name=GROUP, members=['S-1-5-x']), 'members'),
    (dict(name=GROUP, description='d' * 257), 'description'),
    (dict(name=GROUP, state='absent', members=['alice']), 'members'),
]


@pytest.mark.every_core
def test_bad_input_fails_naming_the_option_before_touching_the_host(ansible, start_fleet, tmp_path):
    fleet = host_with(start_fleet, users=())
    fleet.reset_counters()
    ansible.rejected(tmp_path, fleet.inventory_path, MODULE, BAD_INPUT, HOST)
    assert fleet.counters(HOST)['powershell_executions'] == 0
