"""protected_acl: what lets non-administrators change a file or folder, read from its SDDL."""

from __future__ import annotations

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows import protected_acl as acl

USER = 'S-1-5-21-1-2-3-1001'


@pytest.mark.parametrize('directory, users_read', [(True, False), (True, True), (False, False), (False, True)])
def test_the_dacl_the_snippet_sets_has_no_problem(directory, users_read):
    assert acl.problems(acl.protected_sddl(directory, users_read)) == []


@pytest.mark.parametrize('sddl, problem', [
    ('O:%sD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)' % USER, 'owned by %s' % USER),
    ('O:BAD:AI(A;OICIID;FA;;;BA)(A;OICIID;FA;;;SY)', "inherits its parent folder's permissions"),
    ('O:BAD:P(A;OICI;FA;;;BA)(A;CI;0x116;;;BU)', 'BUILTIN\\Users may write'),
    ('O:BAD:P(A;OICI;FA;;;BA)(A;OICIIO;0x1301bf;;;AU)', 'Authenticated Users may write'),
    ('O:BAD:P(A;;FA;;;BA)(A;;WD;;;WD)', 'Everyone may write'),
    ('O:BAD:P(A;;FA;;;BA)(A;;GW;;;%s)' % USER, '%s may write' % USER),
    ('O:BAD:P(A;;FA;;;BA)(A;;0x4;;;S-1-5-11)', 'Authenticated Users may write'),
])
def test_a_way_for_non_administrators_to_write_is_a_problem(sddl, problem):
    assert problem in acl.problems(sddl)


@pytest.mark.parametrize('sddl', [
    'O:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;TI)',
    'O:BAD:P(A;OICI;FA;;;BA)(A;OICIIO;FA;;;CO)',
    'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)(D;;FA;;;WD)',
    'O:S-1-5-32-544D:P(A;OICI;FA;;;S-1-5-18)',
])
def test_trusted_sids_read_only_grants_denials_and_inherit_only_creator_owner_are_fine(sddl):
    assert acl.problems(sddl) == []


def test_missing_folders_count_only_when_required():
    entries = [dict(path='C:\\ProgramData\\buildkitd', exists=False, directory=False, sddl=None),
               dict(path='C:\\ProgramData\\buildkitd\\buildkitd.toml', exists=False, directory=False, sddl=None)]
    found = acl.unprotected(entries, required=['c:\\programdata\\BUILDKITD'])
    assert [entry['path'] for entry in found] == ['C:\\ProgramData\\buildkitd']
    assert acl.change_words(found) == ['create C:\\ProgramData\\buildkitd, protected']
    assert acl.acl_diff(found)['after'] == 'C:\\ProgramData\\buildkitd: O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)\n'


PROTECTED = 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)'
LOOSENED = PROTECTED + '(A;OICI;0x1301bf;;;BU)'


def entry(path, sddl, directory=True):
    return dict(path=path, exists=sddl is not None, directory=directory and sddl is not None, sddl=sddl)


def test_a_folder_inheriting_from_its_listed_parent_is_judged_by_its_own_entries():
    parent, root = 'C:\\ProgramData\\buildkitd', 'C:\\ProgramData\\buildkitd\\.buildstate'
    inherited = 'O:BAD:AI(A;OICIID;FA;;;BA)(A;OICIID;FA;;;SY)(A;OICIID;0x1301bf;;;BU)'
    found = acl.unprotected([entry(parent, LOOSENED), entry(root, inherited)])
    assert [item['path'] for item in found] == [parent], 'the parent is set again; the root follows it'
    own = 'O:BAD:AI(A;OICI;0x1301bf;;;BU)(A;OICIID;FA;;;BA)'
    assert acl.unprotected([entry(parent, PROTECTED), entry(root, own)])[0]['problems'] == ['BUILTIN\\Users may write']
    owned = 'O:%sD:AI(A;OICIID;FA;;;BA)' % USER
    assert acl.unprotected([entry(parent, PROTECTED), entry(root, owned)])[0]['problems'] == ['owned by %s' % USER]


def test_a_folder_inheriting_from_an_unlisted_parent_is_drift():
    inherited = 'O:BAD:AI(A;OICIID;FA;;;BA)(A;OICIID;FA;;;SY)'
    found = acl.unprotected([entry('C:\\buildkit', inherited)])
    assert found[0]['problems'] == ["inherits its parent folder's permissions"]


def test_a_missing_folder_below_another_listed_one_is_left_to_the_daemon():
    entries = [entry('C:\\ProgramData\\containerd', None), entry('C:\\ProgramData\\containerd\\root', None)]
    protection = acl.protection(entries, required=[item['path'] for item in entries])
    assert protection.changes() == ['create C:\\ProgramData\\containerd, protected']
    assert protection.folders == ['C:\\ProgramData\\containerd']


def test_only_missing_or_loosened_folders_are_sent_parents_first_and_readable_ones_named():
    entries = [entry('C:\\Program Files\\containerd', LOOSENED), entry('C:\\ProgramData\\containerd', PROTECTED),
               entry('D:\\containerd\\root', LOOSENED), entry('D:\\containerd', None),
               entry('C:\\Program Files\\containerd\\config.toml', PROTECTED, directory=False)]
    protection = acl.protection(entries, required=['D:\\containerd'], readable=['c:\\program files\\CONTAINERD'])
    assert protection.folders == ['D:\\containerd', 'C:\\Program Files\\containerd', 'D:\\containerd\\root']
    assert protection.protect_param() == {'users_read': False, 'folders': protection.folders,
                                          'readable_folders': ['C:\\Program Files\\containerd']}
    after = protection.diff()['after']
    assert 'C:\\Program Files\\containerd: O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)\n' in after
    assert 'D:\\containerd\\root: %s\n' % PROTECTED in after


@pytest.mark.parametrize('path, shared', [
    ('C:', True), ('C:\\', True), ('D:\\', True), ('C:\\Windows', True), ('C:\\Windows\\Temp', True),
    ('C:\\Program Files', True), ('c:\\program files (x86)', True), ('C:\\ProgramData', True),
    ('C:\\Users', True), ('C:\\Users\\bob', True), ('C:\\Users\\bob\\buildkit', False),
    ('C:\\ProgramData\\containerd', False), ('C:\\Program Files\\containerd', False), ('D:\\buildkit', False),
])
def test_shared_folders_are_never_the_modules(path, shared):
    assert acl.shared_folder(path) is shared


def test_own_folders_drop_shared_relative_and_repeated_paths():
    assert acl.own_folders([None, 'C:\\ProgramData', 'C:\\ProgramData\\buildkitd', 'c:\\programdata\\BUILDKITD',
                            'relative\\root', acl.folder_of('C:\\buildkitd.toml'), 'D:\\bk']) == \
        ['C:\\ProgramData\\buildkitd', 'D:\\bk']
