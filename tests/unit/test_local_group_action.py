"""The win_local_group action plugin against canned operation results (no host)."""

from types import SimpleNamespace

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.wcow.buildkit.plugins.action.win_local_group import ActionModule
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument

COMPUTER = 'WS2022'
ALICE = dict(name='WS2022\\alice', sid='S-1-5-21-1-2-3-1000', object_class='user', source='local')
BOB = dict(name='WS2022\\bob', sid='S-1-5-21-1-2-3-1001', object_class='user', source='local')
ORPHAN = dict(name=None, sid='S-1-5-21-9-9-9-1234', object_class='unknown', source='unresolved')
DEFAULTS = dict(name='builders', state='present', description=None, members=None, members_mode='add')


def group(*members, description=''):
    return dict(name='builders', sid='S-1-5-21-1-2-3-1005', description=description, members=list(members))


def resolved(text, principal):
    return dict(principal, requested=text)


_NO_CHANGE_EXPECTED = object()


class Host:
    """Answers local_group_read with `read` and local_group_apply with `applied` as its group."""

    def __init__(self, read, applied=_NO_CHANGE_EXPECTED):
        self.read, self.applied, self.calls = read, applied, []

    def __call__(self, name, params, log_params=True):
        self.calls.append((name, params))
        if name == 'local_group_read':
            return self.read
        assert self.applied is not _NO_CHANGE_EXPECTED, 'unexpected %s %r' % (name, params)
        return dict(group=self.applied)


def action(host, check=False, diff=True):
    plugin = ActionModule.__new__(ActionModule)
    plugin._task = SimpleNamespace(check_mode=check, diff=diff)
    plugin.operation = host
    return plugin


def reconcile(plugin, args):
    """What the action base does with the options: validate, then reconcile with what validate derived."""
    return plugin.reconcile(args, plugin.validate(args))


def read(group_=None, requested=(), taken=False):
    return dict(computer_name=COMPUTER, group=group_, name_taken_by_user=taken, requested=list(requested))


def test_read_sends_sids_with_an_upper_case_s():
    host = Host(read(group(ORPHAN), [resolved(ORPHAN['sid'], ORPHAN)]))
    reconcile(action(host), dict(DEFAULTS, members=['s' + ORPHAN['sid'][1:]]))
    assert host.calls == [('local_group_read', dict(name='builders', members=[ORPHAN['sid']]))]


def test_nothing_to_do_runs_only_the_read():
    host = Host(read(group(ALICE), [resolved('alice', ALICE)]))
    result = reconcile(action(host), dict(DEFAULTS, members=['alice']))
    assert result['changed'] is False and len(host.calls) == 1
    assert result['members'] == [ALICE] and result['sid'] == group()['sid']


def test_check_mode_predicts_and_sends_no_change():
    host = Host(read(None, [resolved('.\\alice', ALICE)]))
    result = reconcile(action(host, check=True), dict(DEFAULTS, members=['.\\alice'], description='d'))
    assert [name for name, _unused in host.calls] == ['local_group_read']
    assert result['changed'] is True and result['sid'] is None and result['added'] == ['WS2022\\alice']
    assert result['diff'] == dict(before={'state': 'absent'},
                                  after=dict(state='present', name='builders', description='d',
                                             members=['WS2022\\alice']))


def test_exact_sends_one_change_removing_by_sid_and_adding_by_sid():
    after = group(BOB)
    host = Host(read(group(ALICE, ORPHAN), [resolved('bob', BOB)]), applied=after)
    result = reconcile(action(host), dict(DEFAULTS, members=['bob'], members_mode='exact'))
    (_unused, sent), = [call for call in host.calls if call[0] == 'local_group_apply']
    assert sent == dict(name='builders', create=False, delete=False, description=None,
                        add=[dict(sid=BOB['sid'], name=BOB['name'])],
                        remove=[dict(sid=ALICE['sid'], name=ALICE['name']),
                                dict(sid=ORPHAN['sid'], name=ORPHAN['sid'])])
    assert result['removed'] == ['WS2022\\alice', ORPHAN['sid']] and result['members'] == [BOB]


def test_description_only_changes_when_it_differs():
    same = Host(read(group(description='d')))
    assert reconcile(action(same), dict(DEFAULTS, description='d'))['changed'] is False
    differs = Host(read(group(description='old')), applied=group(description='new'))
    result = reconcile(action(differs), dict(DEFAULTS, description='new'))
    assert result['changed'] is True and differs.calls[1][1]['description'] == 'new'


def test_unknown_member_fails_before_any_change():
    ghost = dict(requested='CONTOSO\\ghost', name=None, sid=None, object_class='unknown', source='unresolved')
    host = Host(read(group(BOB), [resolved('alice', ALICE), ghost]))
    with pytest.raises(AnsibleActionFail, match=r'^members: Principal CONTOSO\\ghost was not found\. Nothing was'):
        reconcile(action(host), dict(DEFAULTS, members=['alice', 'CONTOSO\\ghost'], members_mode='exact'))
    assert len(host.calls) == 1


def test_absent_deletes_once_and_then_is_quiet():
    host = Host(read(group(ALICE)), applied=None)
    result = reconcile(action(host), dict(DEFAULTS, state='absent'))
    assert result['changed'] is True and result['diff']['after'] == {'state': 'absent'}
    assert host.calls[1] == ('local_group_apply', dict(
        name='builders', create=False, delete=True, description=None, add=[], remove=[]))
    quiet = reconcile(action(Host(read(None))), dict(DEFAULTS, state='absent'))
    assert quiet['changed'] is False and quiet['sid'] is None


def test_name_of_a_user_is_refused_naming_the_option():
    with pytest.raises(AnsibleActionFail, match=r'^name: WS2022 already has a local user'):
        reconcile(action(Host(read(None, taken=True))), dict(DEFAULTS))


@pytest.mark.parametrize('args, option', [
    (dict(name='a:b'), 'name'),
    (dict(members=['x\\y\\z']), 'members'),
    (dict(description='x' * 300), 'description'),
    (dict(state='absent', description='x'), 'description'),
])
def test_validate_names_the_option(args, option):
    with pytest.raises(InvalidArgument, match='^%s: ' % option):
        action(Host(read())).validate(dict(DEFAULTS, **args))
