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
