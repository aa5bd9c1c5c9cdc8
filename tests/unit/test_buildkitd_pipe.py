"""Which groups a running buildkitd's pipe no longer admits (plugin_utils/_daemons/buildkitd_pipe.py)."""

from __future__ import annotations

from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons.buildkitd_pipe import (
    listening_pipes,
    stale_groups,
)

OLD, NEW = 'S-1-5-21-1-2-3-1001', 'S-1-5-21-1-2-3-1002'


def pipe(sddl, exists=True):
    return {'path': '\\\\.\\pipe\\buildkitd', 'exists': exists, 'sddl': sddl if exists else None}


def test_the_pipes_come_from_addr_flags_else_the_config_else_the_default():
    assert listening_pipes([]) == ['\\\\.\\pipe\\buildkitd']
    assert listening_pipes([], ['npipe:////./pipe/bk2', 'tcp://0.0.0.0:1234']) == ['\\\\.\\pipe\\bk2']
    assert listening_pipes(['--addr', 'npipe:////./pipe/other', '--debug']) == ['\\\\.\\pipe\\other']


def test_a_group_whose_sid_the_pipe_does_not_grant_is_stale():
    accounts = [{'name': 'buildkit-users', 'sid': NEW}]
    assert stale_groups([pipe('D:P(A;;GA;;;BA)(A;;GA;;;SY)(A;;GRGW;;;%s)' % OLD)], accounts) == [
        'buildkit-users (%s)' % NEW]
    # As Get-Acl shows it: specific rights, the owner and group first; the SID in lower case does not matter.
    assert stale_groups([pipe('O:SYG:SYD:P(A;;FA;;;BA)(A;;0x12019f;;;%s)' % NEW.lower())], accounts) == []


def test_only_allow_aces_count_and_a_missing_pipe_or_group_is_not_stale():
    assert stale_groups([pipe('D:P(D;;GA;;;%s)' % NEW)], [{'name': 'g', 'sid': NEW}]) == ['g (%s)' % NEW]
    assert stale_groups([pipe(None, exists=False)], [{'name': 'g', 'sid': NEW}]) == []
    assert stale_groups([pipe('D:P(A;;GA;;;BA)')], [{'name': 'g', 'sid': None}]) == []
