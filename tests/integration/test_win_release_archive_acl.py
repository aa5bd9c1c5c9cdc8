"""win_release_archive and who may change its install folder: a folder made in C:\\ lets every signed-in user
change what it holds, and install folders are on the machine PATH and hold what SYSTEM services run
(docs/windows-facts.md#protected-dacls)."""

from __future__ import annotations

from test_win_release_archive import V1, containerd_args, installed, published, run, sha256
from test_win_release_archive import ws2019  # noqa: F401  # pylint: disable=unused-import
from winsim.windows import accounts, files, pipes

DEST = 'C:\\buildkit'
PROTECTED = 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)'


def bob(fleet):
    with fleet.store('ws2019').transaction() as state:
        account = accounts.create_user(state, 'bob')
        return account.sid, pipes.token_sids(state, account)


def plant(fleet, path, user):
    """bob writes a file; True when Windows let him."""
    with fleet.store('ws2019').transaction() as state:
        try:
            files.write_as(state, path, b'MZ planted', *user)
        except files.WindowsIOError:
            return False
        return True


def sddl(fleet, path):
    state = fleet.store('ws2019').read()
    return state['files'][files.find_key(state, path)].get('sddl')


def loosen(fleet, path, ace):
    with fleet.store('ws2019').transaction() as state:
        state['files'][files.find_key(state, path)]['sddl'] += ace


def test_a_user_can_write_the_install_folder_before_and_cannot_after(ansible, ws2019, artifact_server, tmp_path):
    user = bob(ws2019)
    url, data = published(artifact_server)
    args = containerd_args(url, data, dest=DEST)
    # An administrator made the folder earlier, as C:\ gives it: Authenticated Users may change what it holds.
    with ws2019.store('ws2019').transaction() as state:
        files.ensure_dir(state, DEST)
    assert plant(ws2019, DEST + '\\planted.dll', user)

    check = run(ansible, ws2019, tmp_path, args, check=True)['result']
    assert check['changed'] is True
    assert check['unprotected'] == [{'path': DEST, 'problems': [
        "inherits its parent folder's permissions", 'Authenticated Users may write']}]
    assert '# permissions\n' in check['diff']['before'] and 'C:\\buildkit: O:BAD:AI' in check['diff']['before']
    assert 'C:\\buildkit: %s\n' % PROTECTED in check['diff']['after']
    assert plant(ws2019, DEST + '\\planted2.dll', user), 'check mode changes nothing'

    applied = run(ansible, ws2019, tmp_path, args)['result']
    assert applied['changed'] is True and applied['unprotected'] == check['unprotected']
    assert sddl(ws2019, DEST) == PROTECTED
    for path in (DEST + '\\other.dll', DEST + '\\bin\\other.dll', DEST + '\\bin\\containerd.exe',
                 DEST + '\\.wcow-containerd.manifest.json'):
        assert not plant(ws2019, path, user), path
    assert 'planted.dll' in installed(ws2019, 'ws2019', DEST), 'a file the module did not install stays'

    again = run(ansible, ws2019, tmp_path, args)['result']
    assert again['changed'] is False and again['unprotected'] == [] and again['up_to_date'] is True


def test_a_loosened_dest_is_drift_and_nothing_in_it_is_trusted(ansible, ws2019, artifact_server, tmp_path):
    user = bob(ws2019)
    url, data = published(artifact_server)
    args = containerd_args(url, data, dest=DEST)
    assert run(ansible, ws2019, tmp_path, args)['result']['changed'] is True
    assert sddl(ws2019, DEST) == PROTECTED, 'a missing dest is created protected'
    upgraded = run(ansible, ws2019, tmp_path, dict(args, version='1.7.8'))['result']
    assert upgraded['previous_version'] == '1.7.7'

    loosen(ws2019, DEST, '(A;OICI;0x1301bf;;;BU)')
    assert plant(ws2019, DEST + '\\bin\\planted.dll', user)
    check = run(ansible, ws2019, tmp_path, dict(args, version='1.7.8'), check=True)['result']
    assert check['changed'] is True and check['up_to_date'] is True, 'the files are the wanted ones'
    assert check['unprotected'] == [{'path': DEST, 'problems': ['BUILTIN\\Users may write']}]
    assert check['changed_files'] == ['bin/containerd-stress.exe', 'bin/containerd.exe', 'bin/ctr.exe']
    assert 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)(A;OICI;0x1301bf;;;BU)' \
        in check['diff']['before']
    assert any('nothing in it is trusted' in warning for warning in check['warnings'])
    assert sddl(ws2019, DEST).endswith('(A;OICI;0x1301bf;;;BU)'), 'check mode changes nothing'

    fixed = run(ansible, ws2019, tmp_path, dict(args, version='1.7.8'))['result']
    assert fixed['changed'] is True
    assert fixed['changed_files'] == ['bin/containerd-stress.exe', 'bin/containerd.exe', 'bin/ctr.exe']
    assert fixed['previous_version'] is None, 'the kept copies were as open as the rest'
    assert sddl(ws2019, DEST) == PROTECTED
    assert not plant(ws2019, DEST + '\\bin\\other.dll', user)
    assert run(ansible, ws2019, tmp_path, dict(args, version='1.7.8'))['result']['changed'] is False


def test_an_installed_file_a_user_owns_is_installed_again(ansible, ws2019, artifact_server, tmp_path):
    user = bob(ws2019)
    url, data = published(artifact_server)
    args = containerd_args(url, data, dest=DEST)
    run(ansible, ws2019, tmp_path, args)
    # The same bytes, owned by bob (he could write the folder once): as the owner he may change its DACL.
    with ws2019.store('ws2019').transaction() as state:
        state['files'][files.find_key(state, DEST + '\\bin\\ctr.exe')]['sddl'] = 'O:%sD:' % user[0]

    check = run(ansible, ws2019, tmp_path, args, check=True)['result']
    assert check['changed'] is True
    assert check['unprotected'] == [{'path': DEST + '\\bin\\ctr.exe', 'problems': ['owned by %s' % user[0]]}]
    applied = run(ansible, ws2019, tmp_path, args)['result']
    assert applied['changed'] is True and 'bin/ctr.exe' in applied['changed_files']
    assert sddl(ws2019, DEST + '\\bin\\ctr.exe') is None, 'a new file, inheriting from dest'
    assert installed(ws2019, 'ws2019', DEST)['bin/ctr.exe'] == V1['containerd-1.7.7/bin/ctr.exe']
    assert run(ansible, ws2019, tmp_path, args)['result']['changed'] is False


def test_a_dest_that_only_inherits_is_protected_without_a_download(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    args = containerd_args(url, data, dest='C:\\tools\\containerd')
    with ws2019.store('ws2019').transaction() as state:
        files.ensure_dir(state, 'C:\\tools')
        state['files']['C:\\tools']['sddl'] = PROTECTED
    run(ansible, ws2019, tmp_path, args)
    with ws2019.store('ws2019').transaction() as state:
        # Inheritance switched back on by hand: nothing but administrators may write, as C:\tools says.
        state['files']['C:\\tools\\containerd']['sddl'] = 'O:BAD:'
    served = artifact_server.served('v1.7.7/containerd-1.7.7-windows-amd64.tar.gz')

    check = run(ansible, ws2019, tmp_path, args, check=True)['result']
    assert check['changed'] is True and check['up_to_date'] is True and check['changed_files'] == []
    assert check['unprotected'] == [{'path': 'C:\\tools\\containerd', 'problems': [
        "inherits its parent folder's permissions"]}]
    assert check['diff']['before_header'] == 'permissions'
    applied = run(ansible, ws2019, tmp_path, args)['result']
    assert applied['changed'] is True and applied['changed_files'] == []
    assert sddl(ws2019, 'C:\\tools\\containerd') == PROTECTED
    assert artifact_server.served('v1.7.7/containerd-1.7.7-windows-amd64.tar.gz') == served, 'no download'
    assert run(ansible, ws2019, tmp_path, args)['result']['changed'] is False


def test_restore_refuses_a_folder_non_administrators_could_write(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    args = containerd_args(url, data, dest=DEST)
    run(ansible, ws2019, tmp_path, args)
    run(ansible, ws2019, tmp_path, dict(args, version='1.7.8'))
    loosen(ws2019, DEST, '(A;OICI;0x1301bf;;;BU)')
    refused = run(ansible, ws2019, tmp_path, dict(dest=DEST, name='containerd', state='previous'))
    assert refused['status'] == 'failed'
    assert 'cannot be restored' in refused['result']['msg'] and 'BUILTIN\\Users may write' in refused['result']['msg']
    assert sddl(ws2019, DEST).endswith('(A;OICI;0x1301bf;;;BU)')


def test_the_roles_default_folder_is_created_protected(ansible, ws2019, artifact_server, tmp_path):
    dest = 'C:\\Program Files\\containerd'
    url, data = published(artifact_server)
    assert run(ansible, ws2019, tmp_path, containerd_args(url, data, dest=dest))['result']['changed'] is True
    assert sddl(ws2019, dest) == PROTECTED
    again = run(ansible, ws2019, tmp_path, containerd_args(url, data, dest=dest))['result']
    assert again['changed'] is False and again['archive_sha256'] == sha256(data)


def test_a_dest_that_is_a_link_is_refused_before_anything_changes(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    with ws2019.store('ws2019').transaction() as state:
        # bob's junction, made where any signed-in user may make a folder.
        files.ensure_dir(state, 'C:\\Users\\bob\\bin')
        state['files'][DEST] = {'type': 'dir', 'link_target': 'C:\\Users\\bob\\bin'}
    for check in (True, False):
        refused = run(ansible, ws2019, tmp_path, containerd_args(url, data, dest=DEST), check=check)
        assert refused['status'] == 'failed'
        assert refused['result']['msg'] == ('dest C:\\buildkit is a link (junction or symbolic link) to another '
                                            'folder; install into a folder itself. Nothing was changed.')
    assert artifact_server.served('v1.7.7/containerd-1.7.7-windows-amd64.tar.gz') == 0
