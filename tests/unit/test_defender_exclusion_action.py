"""The win_defender_exclusion action plugin against canned operation results (no host)."""

from types import SimpleNamespace

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.wcow.buildkit.plugins.action.win_defender_exclusion import ActionModule
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument

CONTAINERD = 'C:\\Program Files\\containerd\\bin\\containerd.exe'
ROOT = 'C:\\ProgramData\\containerd\\root'
ADMIN = 'E:\\admin-set'
NO_CHANGE = object()


def read(processes=(), paths=(), reason=None, administrator=True, hidden=False, service='Running'):
    return dict(administrator=administrator, service=service, reason=reason, error=None, hidden=hidden,
                processes=list(processes), paths=list(paths))


class Host:
    def __init__(self, read_result, applied=NO_CHANGE):
        self.read, self.applied, self.calls = read_result, applied, []

    def __call__(self, name, params, log_params=True):
        self.calls.append((name, params))
        if name == 'defender_exclusion_read':
            return self.read
        assert self.applied is not NO_CHANGE, 'unexpected %s %r' % (name, params)
        return self.applied


def run(host, check=False, diff=True, **options):
    args = dict(processes=[], paths=[], state='present')
    args.update(options)
    plugin = ActionModule.__new__(ActionModule)
    plugin._task = SimpleNamespace(check_mode=check, diff=diff)
    plugin.operation = host
    return plugin.reconcile(args, plugin.validate(args))


def test_check_mode_plans_the_addition_without_applying_it():
    host = Host(read(paths=[ADMIN]))
    result = run(host, check=True, processes=[CONTAINERD], paths=[ROOT])
    assert result['changed'] is True and [name for name, _params in host.calls] == ['defender_exclusion_read']
    assert result['added'] == {'processes': [CONTAINERD], 'paths': [ROOT]}
    assert result['diff']['before'] == '' and result['diff']['after'] == (
        'ExclusionProcess %s\nExclusionPath %s\n' % (CONTAINERD, ROOT))
    assert ADMIN not in result['diff']['after']


def test_apply_sends_only_the_missing_entries_and_reports_what_the_host_shows():
    host = Host(read(processes=[CONTAINERD.lower()], paths=[ADMIN]),
                applied=dict(hidden=False, processes=[CONTAINERD.lower()], paths=[ADMIN, ROOT]))
    result = run(host, processes=[CONTAINERD], paths=[ROOT])
    assert host.calls[1] == ('defender_exclusion_apply', {'add_processes': [], 'add_paths': [ROOT],
                                                          'remove_processes': [], 'remove_paths': []})
    assert result['processes'] == [CONTAINERD.lower()] and result['paths'] == [ROOT]


def test_in_sync_is_one_read_and_unchanged():
    host = Host(read(processes=[CONTAINERD], paths=[ROOT + '\\']))
    result = run(host, processes=[CONTAINERD], paths=[ROOT])
    assert result['changed'] is False and len(host.calls) == 1


def test_absent_removes_the_host_spelling_and_keeps_the_others():
    host = Host(read(processes=[CONTAINERD.upper()], paths=[ADMIN]),
                applied=dict(hidden=False, processes=[], paths=[ADMIN]))
    result = run(host, state='absent', processes=[CONTAINERD], paths=[ROOT])
    assert host.calls[1][1] == {'add_processes': [], 'add_paths': [], 'remove_processes': [CONTAINERD.upper()],
                                'remove_paths': []}
    assert result['removed'] == {'processes': [CONTAINERD.upper()], 'paths': []}
    assert result['diff']['after'] == ''


@pytest.mark.parametrize('reason, words', [('not_installed', 'not installed'), ('not_running', 'does not run')])
def test_defender_absent_is_ok_unchanged_with_a_message(reason, words):
    host = Host(read(reason=reason, service=None if reason == 'not_installed' else 'Stopped'))
    result = run(host, processes=[CONTAINERD])
    assert result['changed'] is False and result['available'] is False and words in result['msg']
    assert result['warnings'] == [result['msg']]
    assert run(Host(read(reason=reason, service='Stopped')), state='absent', processes=[CONTAINERD]).get('warnings') is None


def test_hidden_exclusions_change_nothing_and_warn():
    result = run(Host(read(hidden=True)), processes=[CONTAINERD])
    assert result['changed'] is False and result['hidden'] is True and 'HideExclusionsFromLocalAdmins' in result['msg']


def test_an_account_that_is_not_an_administrator_fails():
    with pytest.raises(AnsibleActionFail, match='not an administrator'):
        run(Host(read(administrator=False)), processes=[CONTAINERD])


def test_an_entry_defender_did_not_keep_fails_the_task():
    host = Host(read(), applied=dict(hidden=False, processes=[], paths=[]))
    with pytest.raises(AnsibleActionFail, match='processes: Microsoft Defender Antivirus still lacks'):
        run(host, processes=[CONTAINERD])


@pytest.mark.parametrize('options, option', [
    (dict(processes=['containerd.exe']), 'processes'),
    (dict(paths=['C:\\']), 'paths'),
    (dict(paths=['C:\\data\\*']), 'paths'),
    (dict(), 'processes'),
])
def test_bad_input_names_the_option_before_the_host_is_asked(options, option):
    host = Host(read())
    with pytest.raises(InvalidArgument) as raised:
        run(host, **options)
    assert raised.value.option == option and host.calls == []
