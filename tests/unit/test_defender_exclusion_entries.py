"""Which Defender exclusion entries are accepted, how they compare, and what a task plans (no host)."""

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows import defender_exclusions as exclusions

CONTAINERD = 'C:\\Program Files\\containerd\\bin\\containerd.exe'
ROOT = 'C:\\ProgramData\\containerd\\root'


@pytest.mark.parametrize('entry', [CONTAINERD, 'd:\\tools\\buildkitd.EXE', 'C:\\a b\\c (x86)\\d.exe'])
def test_full_paths_of_executables_are_accepted_as_processes(entry):
    assert exclusions.entry_problem(entry, process=True) is None


@pytest.mark.parametrize('entry', [ROOT, ROOT + '\\', 'E:\\cache', 'C:\\ProgramData\\buildkitd\\.buildstate'])
def test_folders_are_accepted_as_paths(entry):
    assert exclusions.entry_problem(entry, process=False) is None


@pytest.mark.parametrize('entry, process, words', [
    ('containerd.exe', True, 'not a local absolute path'),
    ('C:\\Program Files\\containerd\\bin', True, 'not the full path of an .exe file'),
    (CONTAINERD + '\\', True, 'empty'),
    ('C:\\', False, 'drive root'),
    ('C:\\\\', False, 'drive root'),
    ('C:\\data\\*', False, "'*'"),
    ('C:\\data\\build?.exe', True, "'?'"),
    ('%ProgramData%\\containerd', False, 'not a local absolute path'),
    ('C:\\%ProgramData%\\containerd', False, "'%'"),
    ('C:/ProgramData/containerd', False, 'not a local absolute path'),
    ('C:\\data/root', False, "'/'"),
    ('\\\\server\\share\\data', False, 'not a local absolute path'),
    ('C:\\data\\..\\Windows', False, '".."'),
    ('C:\\data\\\\root', False, 'empty'),
    ('C:\\data\\root.', False, 'ending with a space or a dot'),
    (' C:\\data', False, 'leading or trailing spaces'),
    ('C:\\data\\a:b', False, "':'"),
    ('C:\\' + 'a' * 260, False, 'longer than 259'),
    ('', False, 'empty'),
])
def test_refused_entries_say_why(entry, process, words):
    assert words in exclusions.entry_problem(entry, process)


def test_entries_compare_without_case_and_trailing_backslashes():
    assert exclusions.key('C:\\Data\\Root\\') == exclusions.key('c:\\data\\root')
    assert exclusions.unique(['C:\\a', 'c:\\A\\', 'C:\\b']) == ('C:\\a', 'C:\\b')


def test_present_adds_only_what_the_host_lacks_and_never_removes():
    plan = exclusions.plan('present', [CONTAINERD], [ROOT, 'D:\\state'], [CONTAINERD.upper(), 'C:\\admin.exe'],
                           [ROOT + '\\', 'E:\\admin'])
    assert plan.operation_params() == {'add_processes': [], 'add_paths': ['D:\\state'], 'remove_processes': [],
                                       'remove_paths': []}


def test_absent_removes_the_host_spelling_of_the_given_entries_only():
    plan = exclusions.plan('absent', [CONTAINERD], [ROOT], [CONTAINERD.upper(), 'C:\\admin.exe'],
                           [ROOT + '\\', 'E:\\admin'])
    assert plan.operation_params() == {'add_processes': [], 'add_paths': [], 'remove_processes': [CONTAINERD.upper()],
                                       'remove_paths': [ROOT + '\\']}


def test_nothing_to_do_is_an_empty_plan():
    assert exclusions.plan('absent', [CONTAINERD], [], ['C:\\admin.exe'], []).empty
    assert exclusions.plan('present', [CONTAINERD], [], [CONTAINERD], []).empty
