"""win_release_archive state=absent, and the previous version kept by an upgrade and restored by state=previous."""

from __future__ import annotations

import pytest

from test_win_release_archive import (DEST, MANIFEST, V1, V2, containerd_args, edit, installed, manifest,
                                      program_files, published, run)
from winsim.fleet import HostSpec

KEPT = '.wcow-containerd.previous/'
WHERE = dict(dest=DEST, name='containerd')


@pytest.fixture
def ws2019(start_fleet):
    return start_fleet(HostSpec('ws2019', 'ws2019', containers=True))


def upgraded(ansible, fleet, artifact_server, tmp_path):
    """1.7.7 installed, then 2.1.4 over it: (args of 1.7.7, args of 2.1.4)."""
    url1, data1 = published(artifact_server)
    args1 = containerd_args(url1, data1)
    assert run(ansible, fleet, tmp_path, args1)['result']['previous_version'] is None
    url2, data2 = published(artifact_server, V2, 'containerd-2.1.4-windows-amd64.tar.gz', 'v2.1.4')
    args2 = containerd_args(url2, data2, version='2.1.4')
    return args1, args2


@pytest.mark.every_core
def test_absent_check_remove_again(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    before = program_files(ws2019, 'ws2019')
    run(ansible, ws2019, tmp_path, containerd_args(url, data))
    with ws2019.store('ws2019').transaction() as state:
        state['files'][DEST + '\\config.toml'] = dict(state['files'][MANIFEST], content_b64='W10K', size=3)
    installed_state = ws2019.store('ws2019').read()['files']
    absent = dict(WHERE, state='absent')

    check = run(ansible, ws2019, tmp_path, absent, check=True)['result']
    assert check['changed'] is True
    assert check['removed_files'] == ['bin/containerd-stress.exe', 'bin/containerd.exe', 'bin/ctr.exe']
    assert check['version'] == '1.7.7' and check['files'] == []
    assert 'bin/ctr.exe' in check['diff']['before'] and check['diff']['after'] == ''
    assert ws2019.store('ws2019').read()['files'] == installed_state, 'check mode must not touch the host'

    ws2019.reset_counters()
    result = run(ansible, ws2019, tmp_path, absent)['result']
    assert result['changed'] is True and result['state'] == 'absent'
    assert result['removed_files'] == check['removed_files'] and result['kept_files'] == []
    assert result['dest_removed'] is False, 'config.toml is not the module\'s'
    assert installed(ws2019, 'ws2019') == {'config.toml': b'[]\n'}
    assert ws2019.counters('ws2019')['powershell_executions'] == 2, 'one read, one change'

    again = run(ansible, ws2019, tmp_path, absent)['result']
    assert again['changed'] is False and again['removed_files'] == []
    edit(ws2019, 'ws2019', 'config.toml', delete=True)
    gone = run(ansible, ws2019, tmp_path, absent)['result']
    assert gone['changed'] is False and gone['dest_removed'] is False, 'an empty dest the module did not list stays'
    assert DEST in program_files(ws2019, 'ws2019')
    assert before <= program_files(ws2019, 'ws2019')


def test_absent_removes_dest_when_empty_and_changes_nothing_when_nothing_is_installed(
        ansible, ws2019, artifact_server, tmp_path):
    before = program_files(ws2019, 'ws2019')
    nothing = run(ansible, ws2019, tmp_path, dict(WHERE, state='absent'))['result']
    assert nothing['changed'] is False and nothing['dest_removed'] is True and nothing['version'] is None
    assert 'diff' not in nothing

    args1, args2 = upgraded(ansible, ws2019, artifact_server, tmp_path)
    run(ansible, ws2019, tmp_path, args2)
    assert any(name.startswith(KEPT) for name in installed(ws2019, 'ws2019'))
    result = run(ansible, ws2019, tmp_path, dict(WHERE, state='absent'))['result']
    assert result['changed'] is True and result['dest_removed'] is True and result['version'] == '2.1.4'
    assert KEPT + 'bin/ctr.exe' in result['diff']['before'], 'the kept copy goes too'
    assert program_files(ws2019, 'ws2019') == before


def test_absent_with_drift_keeps_replaced_files_and_tolerates_deleted_ones(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    run(ansible, ws2019, tmp_path, containerd_args(url, data))
    edit(ws2019, 'ws2019', 'bin/ctr.exe', b'my own ctr build')
    edit(ws2019, 'ws2019', 'bin/containerd-stress.exe', delete=True)
    absent = dict(WHERE, state='absent')

    check = run(ansible, ws2019, tmp_path, absent, check=True)['result']
    assert check['removed_files'] == ['bin/containerd.exe'] and check['kept_files'] == ['bin/ctr.exe']
    assert '(missing)  bin/containerd-stress.exe' in check['diff']['before']

    result = run(ansible, ws2019, tmp_path, absent)['result']
    assert result['removed_files'] == ['bin/containerd.exe'] and result['kept_files'] == ['bin/ctr.exe']
    assert any('bin/ctr.exe' in warning and 'replaced' in warning for warning in result['warnings'])
    assert installed(ws2019, 'ws2019') == {'bin/ctr.exe': b'my own ctr build'}, 'the manifest goes too'
    assert run(ansible, ws2019, tmp_path, absent)['result']['changed'] is False


def test_absent_renames_a_running_exe_aside_and_deletes_it_later(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    run(ansible, ws2019, tmp_path, containerd_args(url, data))
    edit(ws2019, 'ws2019', 'bin/containerd.exe', in_use=True)
    absent = dict(WHERE, state='absent')

    result = run(ansible, ws2019, tmp_path, absent)['result']
    assert result['changed'] is True and 'bin/containerd.exe' in result['removed_files']
    assert any('renamed aside' in warning for warning in result['warnings'])
    (aside,) = [name for name in installed(ws2019, 'ws2019') if '.wcow-old-' in name]
    assert manifest(ws2019, 'ws2019')['files'] == [] and manifest(ws2019, 'ws2019')['leftovers'] == [aside]

    still = run(ansible, ws2019, tmp_path, absent)['result']
    assert still['changed'] is False, 'the file is still in use: nothing could change'
    edit(ws2019, 'ws2019', aside, in_use=False)
    done = run(ansible, ws2019, tmp_path, absent)['result']
    assert done['changed'] is True and done['dest_removed'] is True
    assert installed(ws2019, 'ws2019') == {}


def test_absent_refuses_a_damaged_manifest(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    run(ansible, ws2019, tmp_path, containerd_args(url, data))
    edit(ws2019, 'ws2019', '.wcow-containerd.manifest.json', b'{ damaged')
    before = ws2019.store('ws2019').read()['files']
    failed = run(ansible, ws2019, tmp_path, dict(WHERE, state='absent'))
    assert failed['status'] == 'failed' and 'is not JSON' in failed['result']['msg']
    assert ws2019.store('ws2019').read()['files'] == before


@pytest.mark.every_core
def test_upgrade_keeps_the_previous_version_and_previous_restores_it(ansible, ws2019, artifact_server, tmp_path):
    args1, args2 = upgraded(ansible, ws2019, artifact_server, tmp_path)
    check = run(ansible, ws2019, tmp_path, args2, check=True)['result']
    assert check['previous_version'] == '1.7.7'
    assert not any(name.startswith(KEPT) for name in installed(ws2019, 'ws2019'))

    upgrade = run(ansible, ws2019, tmp_path, args2)['result']
    assert upgrade['changed'] is True and upgrade['previous_version'] == '1.7.7'
    files = installed(ws2019, 'ws2019')
    assert files[KEPT + 'bin/containerd.exe'] == V1['containerd-1.7.7/bin/containerd.exe']
    assert files[KEPT + 'bin/containerd-stress.exe'] == V1['containerd-1.7.7/bin/containerd-stress.exe']
    assert run(ansible, ws2019, tmp_path, args2)['result']['changed'] is False

    edit(ws2019, 'ws2019', 'bin/containerd.exe', in_use=True)  # 2.1.4 runs
    restore = dict(WHERE, state='previous')
    state = ws2019.store('ws2019').read()['files']
    check = run(ansible, ws2019, tmp_path, restore, check=True)['result']
    assert check['changed'] is True and check['version'] == '1.7.7'
    assert check['changed_files'] == ['bin/containerd-stress.exe', 'bin/containerd.exe']
    assert check['removed_files'] == ['bin/containerd-shim-runhcs-v1.exe']
    assert ws2019.store('ws2019').read()['files'] == state

    ws2019.reset_counters()
    restored = run(ansible, ws2019, tmp_path, restore)['result']
    assert restored['changed'] is True and restored['version'] == '1.7.7' and restored['state'] == 'previous'
    assert restored['changed_files'] == check['changed_files'] and restored['removed_files'] == check['removed_files']
    assert ws2019.counters('ws2019')['powershell_executions'] == 2
    files = installed(ws2019, 'ws2019')
    assert files['bin/containerd.exe'] == V1['containerd-1.7.7/bin/containerd.exe']
    assert 'bin/containerd-shim-runhcs-v1.exe' not in files
    recorded = manifest(ws2019, 'ws2019')
    assert recorded['version'] == '1.7.7' and 'sha256:' + recorded['archive_sha256'] == args1['checksum'].lower()
    assert any('renamed aside' in warning for warning in restored['warnings'])

    assert run(ansible, ws2019, tmp_path, restore)['result']['changed'] is False
    assert run(ansible, ws2019, tmp_path, args1)['result']['changed'] is False, '1.7.7 is installed as state=present has it'


def test_previous_fails_clearly_when_there_is_nothing_to_restore(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    run(ansible, ws2019, tmp_path, containerd_args(url, data))
    ws2019.reset_counters()
    failed = run(ansible, ws2019, tmp_path, dict(WHERE, state='previous'))
    assert failed['status'] == 'failed'
    assert 'There is no previous version of containerd to restore' in failed['result']['msg']
    assert ws2019.counters('ws2019')['powershell_executions'] == 1, 'read only'


def test_a_drifted_install_is_not_kept_and_keep_previous_false_drops_the_copy(
        ansible, ws2019, artifact_server, tmp_path):
    args1, args2 = upgraded(ansible, ws2019, artifact_server, tmp_path)
    edit(ws2019, 'ws2019', 'bin/ctr.exe', b'patched')
    result = run(ansible, ws2019, tmp_path, args2)['result']
    assert result['previous_version'] is None
    assert any('not kept to restore later' in warning and 'bin/ctr.exe' in warning for warning in result['warnings'])
    assert not any(name.startswith(KEPT) for name in installed(ws2019, 'ws2019'))

    assert run(ansible, ws2019, tmp_path, args1)['result']['previous_version'] == '2.1.4'
    dropped = run(ansible, ws2019, tmp_path, dict(args2, keep_previous=False))['result']
    assert dropped['changed'] is True and dropped['previous_version'] is None
    assert not any(name.startswith(KEPT) for name in installed(ws2019, 'ws2019'))


@pytest.mark.parametrize('args, option', [
    (dict(dest='C:\\', state='absent'), 'dest'),
    (dict(dest=DEST, name='../x', state='previous'), 'name'),
    (dict(dest=DEST, state='gone'), 'state'),
])
def test_bad_input_for_absent_and_previous_fails_before_touching_the_host(ansible, ws2019, tmp_path, args, option):
    ws2019.reset_counters()
    failed = run(ansible, ws2019, tmp_path, args)
    assert failed['status'] == 'failed' and option in failed['result']['msg']
    assert ws2019.counters('ws2019')['powershell_executions'] == 0
