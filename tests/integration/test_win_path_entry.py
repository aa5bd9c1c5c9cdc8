"""win_path_entry against simulated hosts: check, apply, again; duplicates; drift; REG_SZ; user scope; races."""

from __future__ import annotations

import pytest

from winsim.fleet import HostSpec
from winsim.host import profiles
from winsim.windows import environment

MODULE = 'wcow.buildkit.win_path_entry'
BUILDKIT = '%ProgramFiles%\\buildkit'
USER_DEFAULT = '%USERPROFILE%\\AppData\\Local\\Microsoft\\WindowsApps;'


def run(ansible, fleet, tmp_path, args, check=False, diff=True):
    return ansible.module(tmp_path, fleet.inventory_path, MODULE, args, check=check, diff=diff)


def task(ansible, fleet, tmp_path, args, host='ws2022', **kwargs):
    return run(ansible, fleet, tmp_path, args, **kwargs).task(host, 'module')


def path_record(fleet, scope='machine', host='ws2022'):
    return environment.path_value(fleet.store(host).read(), scope)


def set_path(fleet, value, reg_type='REG_EXPAND_SZ', scope='machine', host='ws2022'):
    with fleet.store(host).transaction() as state:
        environment.set_path_value(state, scope, value, reg_type)


def broadcasts(fleet, host='ws2022'):
    return fleet.store(host).read().get('settingchange_broadcasts', 0)


@pytest.fixture
def fleet(start_fleet):
    return start_fleet(HostSpec('ws2022', 'ws2022'))


@pytest.mark.parametrize('profile', ['ws2019', 'ws2022'])
def test_add_to_the_machine_path_check_apply_again(ansible, start_fleet, tmp_path, profile):
    fleet = start_fleet(HostSpec(profile, profile))
    args = dict(path=BUILDKIT)
    wanted = profiles.DEFAULT_MACHINE_PATH + ';' + BUILDKIT

    fleet.reset_counters()
    check = task(ansible, fleet, tmp_path, args, host=profile, check=True)
    assert check['status'] == 'ok' and check['result']['changed'] is True
    assert check['result']['path_value'] == wanted
    diff = check['result']['diff']
    assert diff['before'] == ''.join(e + '\n' for e in profiles.DEFAULT_MACHINE_PATH.split(';'))
    assert diff['after'] == diff['before'] + BUILDKIT + '\n'
    assert 'REG_EXPAND_SZ' in diff['before_header'] and 'machine' in diff['before_header']
    assert path_record(fleet, host=profile) == {'type': 'REG_EXPAND_SZ', 'value': profiles.DEFAULT_MACHINE_PATH}
    assert broadcasts(fleet, profile) == 0
    assert fleet.counters(profile)['powershell_executions'] == 1

    fleet.reset_counters()
    applied = task(ansible, fleet, tmp_path, args, host=profile)
    assert applied['status'] == 'ok' and applied['result']['changed'] is True
    assert applied['result']['path_value'] == wanted
    assert path_record(fleet, host=profile) == {'type': 'REG_EXPAND_SZ', 'value': wanted}
    assert broadcasts(fleet, profile) == 1
    assert fleet.counters(profile)['powershell_executions'] == 2

    again = task(ansible, fleet, tmp_path, args, host=profile)
    assert again['result']['changed'] is False and again['result']['path_value'] == wanted
    assert 'warnings' not in again['result']
    assert broadcasts(fleet, profile) == 1
    expanded = task(ansible, fleet, tmp_path, dict(path='c:\\program files\\BuildKit\\'), host=profile)
    assert expanded['result']['changed'] is False, 'the expanded spelling is the same entry'


@pytest.mark.every_core
def test_duplicates_are_collapsed_and_the_rest_kept_in_order(ansible, fleet, tmp_path):
    value = ';'.join([
        '%SystemRoot%\\system32', 'C:\\Program Files\\BuildKit\\', '%SystemRoot%', '', 'C:\\a',
        '"c:\\program files\\buildkit"', 'C:\\A', '%ProgramFiles%\\buildkit', 'C:\\b\\', '%PROGRAMFILES%\\BUILDKIT\\',
        'C:\\Program Files\\containerd',
    ])
    set_path(fleet, value)
    expected = ';'.join([
        '%SystemRoot%\\system32', 'C:\\Program Files\\BuildKit\\', '%SystemRoot%', '', 'C:\\a', 'C:\\A', 'C:\\b\\',
        'C:\\Program Files\\containerd',
    ])

    check = task(ansible, fleet, tmp_path, dict(path=BUILDKIT, position='prepend'), check=True)
    assert check['result']['changed'] is True and check['result']['path_value'] == expected
    assert path_record(fleet)['value'] == value

    applied = task(ansible, fleet, tmp_path, dict(path=BUILDKIT, position='prepend'))
    assert applied['result']['changed'] is True
    assert path_record(fleet) == {'type': 'REG_EXPAND_SZ', 'value': expected}
    again = task(ansible, fleet, tmp_path, dict(path=BUILDKIT, position='prepend'))
    assert again['result']['changed'] is False


def test_absent_removes_every_copy(ansible, fleet, tmp_path):
    value = 'C:\\Tools;%SystemRoot%;"C:\\TOOLS\\";C:\\Windows;c:\\tools\\;'
    set_path(fleet, value)
    args = dict(path='C:\\Tools', state='absent')

    check = task(ansible, fleet, tmp_path, args, check=True)
    assert check['result']['changed'] is True
    assert check['result']['diff']['after'] == '%SystemRoot%\nC:\\Windows\n\n'
    assert path_record(fleet)['value'] == value

    assert task(ansible, fleet, tmp_path, args)['result']['changed'] is True
    assert path_record(fleet) == {'type': 'REG_EXPAND_SZ', 'value': '%SystemRoot%;C:\\Windows;'}
    assert task(ansible, fleet, tmp_path, args)['result']['changed'] is False
    removed_by_expansion = task(ansible, fleet, tmp_path, dict(path='C:\\Windows\\', state='absent'))
    assert removed_by_expansion['result']['changed'] is True
    # Only the trailing empty entry was left, and one empty entry is an empty value.
    assert path_record(fleet)['value'] == '', '%SystemRoot% and C:\\Windows are the same directory'


@pytest.mark.every_core
def test_entry_removed_by_hand_is_found_in_check_mode_and_restored(ansible, fleet, tmp_path):
    args = dict(path=BUILDKIT)
    task(ansible, fleet, tmp_path, args)
    with fleet.store('ws2022').transaction() as state:
        # The usual hand edit: GetEnvironmentVariable, then SetEnvironmentVariable (REG_SZ, expanded).
        environment.edit_path_by_hand(state, 'machine', lambda value: ';'.join(
            entry for entry in value.split(';') if entry != 'C:\\Program Files\\buildkit') + ';C:\\hand')
    by_hand = path_record(fleet)
    assert by_hand['type'] == 'REG_SZ' and '%' not in by_hand['value'] and 'buildkit' not in by_hand['value']

    check = task(ansible, fleet, tmp_path, args, check=True)
    assert check['result']['changed'] is True
    assert 'REG_SZ' in check['result']['diff']['before_header']
    assert 'REG_EXPAND_SZ' in check['result']['diff']['after_header']
    assert path_record(fleet) == by_hand

    restored = task(ansible, fleet, tmp_path, args)
    assert restored['result']['changed'] is True
    assert any('REG_SZ' in warning for warning in restored['result']['warnings'])
    assert path_record(fleet) == {'type': 'REG_EXPAND_SZ', 'value': by_hand['value'] + ';' + BUILDKIT}
    assert task(ansible, fleet, tmp_path, args)['result']['changed'] is False


def test_expanded_copy_left_by_a_hand_edit_counts_as_present(ansible, fleet, tmp_path):
    args = dict(path=BUILDKIT)
    task(ansible, fleet, tmp_path, args)
    with fleet.store('ws2022').transaction() as state:
        environment.edit_path_by_hand(state, 'machine', lambda value: value)
    by_hand = path_record(fleet)
    assert by_hand['type'] == 'REG_SZ' and by_hand['value'].endswith(';C:\\Program Files\\buildkit')

    result = task(ansible, fleet, tmp_path, args)
    assert result['result']['changed'] is False, 'a REG_SZ PATH holding the entry is left alone'
    assert path_record(fleet) == by_hand


def test_a_variable_in_a_reg_sz_path_does_not_count_until_the_value_is_expandable(ansible, fleet, tmp_path):
    """Windows does not expand %ProgramFiles% in a REG_SZ Path (docs/windows-facts.md#machine-path)."""
    value = path_record(fleet)['value'].rstrip(';') + ';' + BUILDKIT
    set_path(fleet, value, 'REG_SZ')
    for args in (dict(path=BUILDKIT), dict(path='C:\\Program Files\\buildkit')):
        check = task(ansible, fleet, tmp_path, args, check=True)
        assert check['result']['changed'] is True, (args, check)
        assert any('REG_SZ value' in warning and 'does not expand' in warning
                   for warning in check['result']['warnings']), check
        assert 'REG_EXPAND_SZ' in check['result']['diff']['after_header']
        assert path_record(fleet) == {'type': 'REG_SZ', 'value': value}, 'check mode writes nothing'

    applied = task(ansible, fleet, tmp_path, dict(path='C:\\Program Files\\buildkit'))
    assert applied['result']['changed'] is True
    assert path_record(fleet) == {'type': 'REG_EXPAND_SZ', 'value': value}, 'the same entries, now expanded'
    assert task(ansible, fleet, tmp_path, dict(path=BUILDKIT))['result']['changed'] is False


def test_user_scope(ansible, fleet, tmp_path):
    args = dict(path='C:\\Users\\Administrator\\bin', scope='user')
    wanted = '%USERPROFILE%\\AppData\\Local\\Microsoft\\WindowsApps;C:\\Users\\Administrator\\bin;'

    check = task(ansible, fleet, tmp_path, args, check=True)
    assert check['result']['changed'] is True and check['result']['path_value'] == wanted
    assert path_record(fleet, 'user') == {'type': 'REG_EXPAND_SZ', 'value': USER_DEFAULT}

    applied = task(ansible, fleet, tmp_path, args)
    assert applied['result']['changed'] is True
    assert path_record(fleet, 'user') == {'type': 'REG_EXPAND_SZ', 'value': wanted}
    assert path_record(fleet)['value'] == profiles.DEFAULT_MACHINE_PATH, 'the machine PATH is not touched'
    assert task(ansible, fleet, tmp_path, args)['result']['changed'] is False
    same = task(ansible, fleet, tmp_path, dict(args, path='%USERPROFILE%\\bin'))
    assert same['result']['changed'] is False, '%USERPROFILE%\\bin expands to the entry already there'


def test_user_path_without_a_value_is_created(ansible, fleet, tmp_path):
    set_path(fleet, None, scope='user')
    args = dict(path='%ProgramFiles%\\tools', scope='user')
    assert task(ansible, fleet, tmp_path, dict(args, state='absent'))['result']['changed'] is False
    assert path_record(fleet, 'user') is None
    assert task(ansible, fleet, tmp_path, args)['result']['changed'] is True
    assert path_record(fleet, 'user') == {'type': 'REG_EXPAND_SZ', 'value': '%ProgramFiles%\\tools'}


def test_path_changed_by_another_process_between_read_and_write_is_not_lost(ansible, fleet, tmp_path):
    installer = profiles.DEFAULT_MACHINE_PATH + ';C:\\Program Files\\installer'
    with fleet.store('ws2022').transaction() as state:
        environment.queue_write_after_next_read(state, 'machine', installer, 'REG_EXPAND_SZ')

    failed = task(ansible, fleet, tmp_path, dict(path=BUILDKIT))
    assert failed['status'] == 'failed'
    assert 'path_entry_write' in failed['result']['msg'] and 'changed after it was read' in failed['result']['msg']
    assert path_record(fleet) == {'type': 'REG_EXPAND_SZ', 'value': installer}

    again = task(ansible, fleet, tmp_path, dict(path=BUILDKIT))
    assert again['result']['changed'] is True
    assert path_record(fleet)['value'] == installer + ';' + BUILDKIT


def test_undefined_variable_warns(ansible, fleet, tmp_path):
    result = task(ansible, fleet, tmp_path, dict(path='%NO_SUCH_VARIABLE%\\bin'), check=True)
    assert result['result']['changed'] is True
    assert any('NO_SUCH_VARIABLE' in warning for warning in result['result']['warnings'])


BAD_INPUT = [
    (dict(path=''), 'path'),
    (dict(path='bin'), 'path'),
    (dict(path='C:\\a;C:\\b'), 'path'),
    (dict(path='"C:\\Program Files\\x"'), 'path'),
    (dict(path='C:/tools'), 'path'),
    (dict(path='C:\\x', state='gone'), 'state'),
    (dict(path='C:\\x', scope='process'), 'scope'),
    (dict(path='C:\\x', position='middle'), 'position'),
]


@pytest.mark.every_core
def test_bad_input_fails_naming_the_option_before_touching_the_host(ansible, fleet, tmp_path):
    fleet.reset_counters()
    ansible.rejected(tmp_path, fleet.inventory_path, MODULE, BAD_INPUT, 'ws2022')
    assert fleet.counters('ws2022')['powershell_executions'] == 0
    assert path_record(fleet)['value'] == profiles.DEFAULT_MACHINE_PATH


def test_a_bad_wcow_host_lock_timeout_fails_naming_it_before_the_host_is_reached(ansible, fleet, tmp_path):
    fleet.reset_counters()
    run = ansible.module(tmp_path, fleet.inventory_path, MODULE, {'path': 'C:\\tools'},
                         extra_args=['-e', 'wcow_host_lock_timeout=-5'])
    result = run.task('ws2022', 'module')
    assert result['status'] == 'failed'
    assert result['result']['msg'].startswith('Invalid variable wcow_host_lock_timeout: must be a whole number')
    assert fleet.counters('ws2022')['powershell_executions'] == 0
