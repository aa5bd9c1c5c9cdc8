"""The allow rule of remove_data (plugins/plugin_utils/_service/data_paths.py) and the removal plan (_service/removal.py)."""

from __future__ import annotations

import hashlib

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service import data_paths as paths, removal

ALLOWED = ('C:\\ProgramData\\containerd\\root', 'C:\\ProgramData\\buildkitd\\.buildstate', 'D:\\containerd\\root',
           'C:\\Program Files\\containerd\\data', 'C:\\ProgramData\\containerd', 'E:\\a\\b\\c.log')
REFUSED = ('C:\\', 'C:', 'D:\\containerd', 'C:\\ProgramData', 'C:\\Program Files\\containerd', 'C:\\Windows\\x\\y',
           'c:\\windows\\System32\\config', 'C:\\Users\\admin\\data', 'C:\\ProgramData\\Microsoft\\Windows',
           '\\\\server\\share\\data', 'C:\\PROGRA~3\\containerd\\root', 'C:\\ProgramData\\x\\..\\..\\Windows',
           'C:\\ProgramData\\x.', 'C:\\ProgramData\\x \\y', 'C:\\ProgramData\\\\x', 'relative\\path',
           'C:\\$Recycle.Bin\\x', 'C:\\System Volume Information\\x')


@pytest.mark.parametrize('path', ALLOWED)
def test_allowed(path):
    assert paths.removal_problem(path) is None


@pytest.mark.parametrize('path', REFUSED)
def test_refused(path):
    assert paths.removal_problem(path) is not None


def test_targets_name_the_option_of_a_refused_path():
    with pytest.raises(InvalidArgument, match='^config.root: remove_data would delete'):
        removal.targets([('config.state', 'C:\\ProgramData\\containerd\\state'), ('config.root', 'C:\\')])


def test_a_data_folder_holding_the_binary_is_refused():
    with pytest.raises(InvalidArgument, match='holds the program'):
        removal.targets([('extra_args', 'D:\\bk\\data')], binary='D:\\bk\\data\\buildkitd.exe')


def test_nested_paths_and_parents():
    found = removal.targets([('a', 'D:\\data\\ctr\\root'), ('b', 'D:\\data\\ctr\\root\\state'),
                             ('c', 'D:\\data\\ctr\\ctr.log')],
                            tidy=['C:\\Program Files\\containerd\\cni\\bin', 'C:\\Program Files\\containerd\\cni'])
    assert found.data == [('a', 'D:\\data\\ctr\\root'), ('c', 'D:\\data\\ctr\\ctr.log')]
    assert found.empty_folders == ['C:\\Program Files\\containerd\\cni\\bin', 'C:\\Program Files\\containerd\\cni',
                                   'D:\\data\\ctr']


def measured(path, kind, files=0, dirs=0):
    return {'path': path, 'type': kind, 'files': files, 'dirs': dirs, 'bytes': files}


def root(path, exists=True, marked=True, link=None, marker='01-02'):
    """A service_read data_roots entry."""
    return {'path': path, 'exists': exists, 'link': link, 'id': '01-02' if marked else '03-04',
            'marker': marker, 'marked': marked}


OURS = [root('D:\\data\\ctr\\root'), root('D:\\data\\ctr', marker=None, marked=False)]


def test_a_parent_goes_only_when_nothing_else_is_left():
    found = removal.targets([('r', 'D:\\data\\ctr\\root'), ('log_file', 'D:\\data\\ctr\\ctr.log')])
    emptied = removal.plan(found, None, None, [measured('D:\\data\\ctr\\root', 'dir', 3, 1),
                                               measured('D:\\data\\ctr\\ctr.log', 'file', 1),
                                               measured('D:\\data\\ctr', 'dir', 4, 2)], OURS)
    assert emptied.folders == ['D:\\data\\ctr'] and emptied.removed()[-1] == 'D:\\data\\ctr'
    other = removal.plan(found, None, None, [measured('D:\\data\\ctr\\root', 'dir', 3, 1),
                                             measured('D:\\data\\ctr\\ctr.log', 'missing'),
                                             measured('D:\\data\\ctr', 'dir', 4, 2)], OURS)
    assert other.folders == [], 'a file of someone else stays, and so does its folder'


@pytest.mark.parametrize('entry', [root('D:\\data\\ctr\\root', marker=None, marked=False),
                                   root('D:\\data\\ctr\\root', marked=False), None],
                         ids=['no-record', 'record-of-another-folder', 'not-read'])
def test_a_data_folder_the_collection_did_not_create_is_kept_with_a_warning(entry):
    found = removal.targets([('config.root', 'D:\\data\\ctr\\root'), ('log_file', 'D:\\data\\ctr\\ctr.log')])
    plan = removal.plan(found, None, None, [measured('D:\\data\\ctr\\root', 'dir', 3, 1),
                                            measured('D:\\data\\ctr\\ctr.log', 'file', 1)], [entry] if entry else [])
    assert plan.removed() == ['D:\\data\\ctr\\ctr.log'], 'the log goes, the folder stays'
    warning, = plan.warnings
    assert warning.startswith('remove_data: D:\\data\\ctr\\root (config.root) is kept: this collection did not '
                              'create it')


def test_the_record_of_a_data_folder_already_gone_is_cleared():
    found = removal.targets([('config.root', 'D:\\data\\ctr\\root')])
    plan = removal.plan(found, None, None, [measured('D:\\data\\ctr\\root', 'missing')],
                        [root('D:\\data\\ctr\\root', exists=False, marked=False)])
    assert plan.forget == ['D:\\data\\ctr\\root'] and plan.pending and plan.data == []
    assert plan.params()['data_roots'] == ['D:\\data\\ctr\\root'] and plan.params()['paths'] == []


def test_a_link_along_a_data_folder_or_above_the_log_stops_the_plan():
    found = removal.targets([('config.root', 'D:\\data\\ctr\\root'), ('log_file', 'D:\\logs\\ctr\\ctr.log')])
    assert found.checked_paths() == ['D:\\data\\ctr\\root', 'D:\\logs\\ctr']
    with pytest.raises(removal.LinkFound, match=r'^remove_data: D:\\data\\ctr\\root is not removed: D:\\data along'):
        removal.plan(found, None, None, [], [root('D:\\data\\ctr\\root', link='D:\\data')])
    with pytest.raises(removal.LinkFound, match=r'^remove_data: D:\\logs\\ctr\\ctr.log is not removed: D:\\logs along'):
        removal.plan(found, None, None, [], [root('D:\\data\\ctr\\root'), root('D:\\logs\\ctr', link='D:\\logs')])


def test_a_config_that_differs_is_kept_with_a_warning():
    found = removal.targets([], config_path='C:\\ProgramData\\buildkitd\\buildkitd.toml')
    kept = removal.plan(found, b'edited', lambda data: False, [])
    assert kept.config is None and 'is kept' in kept.warnings[0]
    ours = removal.plan(found, b'ours', lambda data: True, [])
    assert ours.config['sha256'] == hashlib.sha256(b'ours').hexdigest().upper()


def test_a_data_folder_that_is_a_link_stops_the_plan():
    found = removal.targets([('r', 'D:\\data\\ctr\\root')])
    with pytest.raises(removal.LinkFound, match='Nothing was changed'):
        removal.plan(found, None, None, [measured('D:\\data\\ctr\\root', 'link')])


def test_folders_not_readable_are_named_in_the_diff():
    found = removal.targets([('r', 'D:\\data\\ctr\\root')])
    entry = dict(measured('D:\\data\\ctr\\root', 'dir', 3, 2), unreadable=1)
    text = removal.data_text(removal.plan(found, None, None, [entry], [root('D:\\data\\ctr\\root')]))
    assert text.startswith('D:\\data\\ctr\\root: folder, 3 files, 2 folders, ')
    assert text.endswith(', 1 folders not readable (their contents not counted)\n')


def test_what_could_not_be_removed_is_named_with_its_reason_and_a_count():
    message = removal.not_removed_message('containerd', ['D:\\data\\x.dll: Access is denied'], 25)
    assert message.startswith('25 entries of the data of service containerd could not be removed')
    assert 'D:\\data\\x.dll: Access is denied (and 24 more).' in message
    assert 'run the task again' in message and 'takeown' in message


# --- cases found by mutation testing (make mutation) ----------------------------------------------------------

@pytest.mark.parametrize('path, refused', [
    ('C:\\Program Files (x86)\\app', True),  # an installation, not data
    ('C:\\program files (x86)\\App', True),
    ('C:\\Program Files (x86)\\app\\data', False),
    ('C:\\Program Files\\app', True),
    ('D:\\app', True),
    ('D:\\app\\data', False),
])
def test_program_files_folders_are_removed_only_three_deep(path, refused):
    problem = paths.removal_problem(path)
    assert (problem is not None) == refused, problem
    if refused and 'Program' in path:
        assert 'C:\\Program Files\\app\\data' in problem


@pytest.mark.parametrize('path, folder, inside', [
    ('D:\\data\\ctr-state', 'D:\\data\\ctr', False),
    ('D:\\data\\ctrl', 'D:\\data\\ctr', False),
    ('D:\\data\\ctr', 'D:\\data\\ctr', True),
    ('D:\\DATA\\ctr\\state', 'd:\\data\\ctr\\', True),
    ('D:\\data\\ctr\\', 'D:\\data\\ctr', True),
    ('D:\\data', 'D:\\data\\ctr', False),
])
def test_within_compares_whole_folder_names(path, folder, inside):
    assert paths.within(path, folder) is inside


@pytest.mark.parametrize('path, message', [
    ('C:\\', "'C:\\\\' is a drive root"),
    ('C:\\Windows\\x\\y', 'is in C:\\Windows, a system folder'),
    ('C:\\ProgramData\\Microsoft', 'is in C:\\ProgramData\\Microsoft, a system folder'),
    ('C:\\ProgramData\\Microsoft\\Windows\\x', 'is in C:\\ProgramData\\Microsoft, a system folder'),
])
def test_refusals_name_the_folder(path, message):
    assert paths.removal_problem(path).endswith(message)


def test_parent_stops_below_the_drive():
    assert paths.parent('C:\\a\\b') == 'C:\\a'
    assert paths.parent('C:\\a') is None


def test_empty_parents_are_the_folders_the_allow_rule_accepts_deepest_first():
    found = paths.empty_parents(['C:\\ProgramData\\app\\data\\f.txt', 'C:\\ProgramData\\APP\\DATA\\g.txt',
                                 'C:\\ProgramData\\app\\x', 'C:\\ProgramData\\other', 'D:\\top'])
    assert found == ['C:\\ProgramData\\app\\data', 'C:\\ProgramData\\app']


def test_folders_below_a_top_folder_deepest_first():
    top = 'D:\\data\\ctr\\'
    assert paths.folders_below(['D:\\data\\ctr\\a\\b\\f.txt', 'D:\\data\\ctr\\c'], top) == [
        'D:\\data\\ctr\\a\\b\\f.txt', 'D:\\data\\ctr\\a\\b', 'D:\\data\\ctr\\a', 'D:\\data\\ctr\\c']
    assert paths.folders_below(['D:\\data\\ctr', 'D:\\data\\ctr-state\\x', 'E:\\x\\y'], top) == []
