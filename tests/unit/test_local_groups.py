"""plugin_utils/_windows/local_groups.py: group and member name rules, name comparison, membership plans."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows.local_groups import (
    canonical_member,
    description_problem,
    group_name_problem,
    member_name_problem,
    name_key,
    plan_membership,
    same_principal,
)

COMPUTER = 'WS2022'
MACHINE = 'S-1-5-21-1-2-3'


def member(name, rid=None, sid=None, object_class='user', source='local'):
    sid = sid or '%s-%d' % (MACHINE, rid)
    return dict(name=name, sid=sid, object_class=object_class, source=source)


def requested(text, principal=None):
    if principal is None:
        return dict(requested=text, name=None, sid=None, object_class='unknown', source='unresolved')
    return dict(principal, requested=text)


ALICE = member('WS2022\\alice', 1000)
BOB = member('WS2022\\bob', 1001)
AUTH_USERS = member('NT AUTHORITY\\Authenticated Users', sid='S-1-5-11', object_class='group', source='well_known')
ORPHAN = member(None, sid='S-1-5-21-9-9-9-1234', object_class='unknown', source='unresolved')


@pytest.mark.parametrize('name', ['buildkit-users', 'BuildKit Users', 'a', 'g' * 256, 'x.y', 'grp_1$', 'Ünïcode'])
def test_good_group_names(name):
    assert group_name_problem(name) is None


@pytest.mark.parametrize('name, words', [
    ('', 'empty'),
    ('   ', 'empty'),
    (' lead', 'white space'),
    ('trail ', 'white space'),
    ('g' * 257, '257 characters'),
    ('...', 'periods and spaces'),
    ('. .', 'periods and spaces'),
    ('group.', 'ends with a period'),
    ('tab\there', 'control characters'),
] + [('a%sb' % c, 'contains %s' % c) for c in '"/\\[]:|<>+=;,?*@'])
def test_bad_group_names_say_why(name, words):
    problem = group_name_problem(name)
    assert problem is not None and words in problem


def test_description_is_bounded_by_maxcommentsz():
    assert description_problem('d' * 256) is None
    assert '257 characters' in description_problem('d' * 257)
    assert 'control' in description_problem('line\nbreak')


@pytest.mark.parametrize('name', [
    'alice', '.\\alice', 'WS2022\\alice', 'CONTOSO\\alice', 'NT AUTHORITY\\Authenticated Users', 'Everyone',
    'alice@contoso.com', 'S-1-5-11', 's-1-5-21-1-2-3-1000', 'S-1-5-21-4294967295-1-2-3',
])
def test_good_member_names(name):
    assert member_name_problem(name) is None


@pytest.mark.parametrize('name, words', [
    ('', 'empty'),
    (' ', 'empty'),
    (' alice', 'white space'),
    ('A\\b\\c', 'more than one backslash'),
    ('\\alice', 'no domain'),
    ('CONTOSO\\', 'no account'),
    ('S-1-5-x', 'looks like a SID'),
    ('S-1-5-21-4294967296', 'beyond 32 bits'),
    ('S-1-281474976710656-1', 'beyond 48 bits'),
    ('S-1-5' + '-1' * 16, '16 sub-authorities'),
    ('al\x01ice', 'control characters'),
])
def test_bad_member_names_say_why(name, words):
    problem = member_name_problem(name)
    assert problem is not None and words in problem


def test_canonical_member_upper_cases_sids_only():
    assert canonical_member('s-1-5-11') == 'S-1-5-11'
    assert canonical_member('sam') == 'sam'
    assert canonical_member('.\\alice') == '.\\alice'


def test_local_spellings_share_a_name_key():
    keys = {name_key(n, COMPUTER) for n in ('alice', '.\\alice', 'WS2022\\alice', 'ws2022\\ALICE')}
    assert keys == {('', 'alice')}
    assert name_key('CONTOSO\\alice', COMPUTER) != name_key('alice', COMPUTER)


def test_sids_decide_over_names():
    assert same_principal(requested('alice', ALICE), ALICE, COMPUTER)
    assert not same_principal(requested('WS2022\\alice', BOB), ALICE, COMPUTER)
    # Without a SID on the request, names decide.
    assert same_principal(requested('.\\alice'), ALICE, COMPUTER)
    assert not same_principal(requested('alice'), ORPHAN, COMPUTER)


def test_add_adds_only_the_missing():
    plan = plan_membership('add', [requested('alice', ALICE), requested('bob', BOB)], [ALICE, ORPHAN], COMPUTER)
    assert plan.add == [requested('bob', BOB)] and plan.remove == []


def test_add_of_the_same_account_twice_adds_it_once():
    plan = plan_membership('add', [requested('bob', BOB), requested('.\\bob', BOB)], [], COMPUTER)
    assert [entry['requested'] for entry in plan.add] == ['bob']


def test_exact_removes_the_others_orphans_included():
    plan = plan_membership('exact', [requested('.\\bob', BOB)], [ALICE, AUTH_USERS, ORPHAN, BOB], COMPUTER)
    assert plan.add == [] and plan.remove == [ALICE, AUTH_USERS, ORPHAN]


def test_exact_keeps_an_orphan_asked_for_by_sid():
    orphan_sid = requested(ORPHAN['sid'], dict(ORPHAN))
    plan = plan_membership('exact', [orphan_sid], [ORPHAN, ALICE], COMPUTER)
    assert plan.not_found == [] and plan.remove == [ALICE]


def test_exact_with_no_members_empties_the_group():
    assert plan_membership('exact', [], [ALICE, BOB], COMPUTER).remove == [ALICE, BOB]


def test_remove_takes_matching_members_and_ignores_unknown_names():
    ghost = requested('CONTOSO\\ghost')
    plan = plan_membership('remove', [requested('alice', ALICE), ghost, requested(ORPHAN['sid'], ORPHAN)],
                           [ALICE, BOB, ORPHAN], COMPUTER)
    assert plan.remove == [ALICE, ORPHAN] and plan.add == []
    assert plan.ignored == [ghost]


def test_unresolvable_members_to_add_are_reported_not_added():
    ghost = requested('CONTOSO\\alice')
    orphan = requested(ORPHAN['sid'], ORPHAN)
    plan = plan_membership('exact', [ghost, orphan, requested('bob', BOB)], [], COMPUTER)
    assert plan.not_found == [ghost, orphan] and plan.add == [requested('bob', BOB)]


def test_local_groups_cannot_be_added():
    users = member('BUILTIN\\Users', sid='S-1-5-32-545', object_class='group', source='local')
    wanted = [requested('BUILTIN\\Users', users), requested('NT AUTHORITY\\Authenticated Users', AUTH_USERS)]
    plan = plan_membership('add', wanted, [], COMPUTER)
    assert plan.local_groups == [requested('BUILTIN\\Users', users)]
    assert [entry['sid'] for entry in plan.add] == ['S-1-5-11']


ACCOUNTS = [member('WS2022\\u%d' % rid, rid) for rid in range(1000, 1008)] + [AUTH_USERS, ORPHAN]


@given(st.sets(st.sampled_from(range(len(ACCOUNTS)))), st.sets(st.sampled_from(range(len(ACCOUNTS) - 1))))
def test_exact_plan_leaves_exactly_the_requested_members(present, wanted):
    members = [ACCOUNTS[i] for i in sorted(present)]
    asked = [requested(ACCOUNTS[i]['name'], ACCOUNTS[i]) for i in sorted(wanted)]
    plan = plan_membership('exact', asked, members, COMPUTER)
    removed = {m['sid'] for m in plan.remove}
    after = {m['sid'] for m in members if m['sid'] not in removed} | {e['sid'] for e in plan.add}
    assert after == {ACCOUNTS[i]['sid'] for i in wanted}
    assert not (removed & {e['sid'] for e in plan.add})
