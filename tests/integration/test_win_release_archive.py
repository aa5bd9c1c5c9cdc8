"""win_release_archive against simulated hosts and a loopback artifact server.

Every archive is built here (tarfile, zipfile); the hosts download from the
artifact server or receive the archive from the controller.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import tarfile
import zipfile

import pytest

from winsim.fleet import HostSpec
from winsim.windows import proxy_settings

MODULE = 'wcow.buildkit.win_release_archive'
DEST = 'C:\\Program Files\\containerd'
MANIFEST = DEST + '\\.wcow-containerd.manifest.json'
V1 = {
    'containerd-1.7.7/bin/containerd.exe': b'containerd 1.7.7\x00\x01',
    'containerd-1.7.7/bin/ctr.exe': b'ctr 1.7.7',
    'containerd-1.7.7/bin/containerd-stress.exe': b'stress 1.7.7',
}
V2 = {
    'containerd-2.1.4/bin/containerd.exe': b'containerd 2.1.4\x00\x02',
    'containerd-2.1.4/bin/ctr.exe': b'ctr 1.7.7',
    'containerd-2.1.4/bin/containerd-shim-runhcs-v1.exe': b'shim 2.1.4',
}


def tgz(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def installed(fleet, host, root=DEST):
    """{relative path with /: bytes} of the files below root on the host."""
    prefix = root.lower() + '\\'
    found = {}
    for key, record in fleet.store(host).read()['files'].items():
        if key.lower().startswith(prefix) and record['type'] == 'file':
            found[key[len(prefix):].replace('\\', '/')] = base64.b64decode(record['content_b64'])
    return found


def program_files(fleet, host):
    return {key for key in fleet.store(host).read()['files'] if key.lower().startswith('c:\\program files\\')}


def manifest(fleet, host, path=MANIFEST):
    return json.loads(installed(fleet, host, path.rsplit('\\', 1)[0])[path.rsplit('\\', 1)[1]])


def edit(fleet, host, relative, data=None, **flags):
    """Change a file by hand: new content, deletion (data=None, delete=True) or flags such as in_use."""
    with fleet.store(host).transaction() as state:
        key = next(k for k in state['files'] if k.lower() == (DEST + '\\' + relative.replace('/', '\\')).lower())
        if flags.pop('delete', False):
            del state['files'][key]
            return
        record = state['files'][key]
        if data is not None:
            record.update(content_b64=base64.b64encode(data).decode(), size=len(data),
                          sha256=hashlib.sha256(data).hexdigest().upper())
        record.update(flags)


def run(ansible, fleet, tmp_path, args, check=False, diff=True, host='ws2019'):
    outcome = ansible.module(tmp_path, fleet.inventory_path, MODULE, args, check=check, diff=diff)
    task = outcome.task(host, 'module')
    assert task['status'] in ('ok', 'failed'), outcome.output
    return task


@pytest.fixture
def ws2019(start_fleet):
    return start_fleet(HostSpec('ws2019', 'ws2019', containers=True))


def published(artifact_server, members=None, name='containerd-1.7.7-windows-amd64.tar.gz', folder='v1.7.7'):
    members = V1 if members is None else members
    data = tgz(members) if name.endswith('.tar.gz') else zipped(members)
    return artifact_server.publish('%s/%s' % (folder, name), data), data


def containerd_args(url, data, **extra):
    args = dict(url=url, checksum='sha256:%s' % sha256(data).upper(), dest=DEST, strip_components=1,
                name='containerd', version='1.7.7')
    args.update(extra)
    return args


@pytest.mark.every_core
def test_install_check_apply_again(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    args = containerd_args(url, data)
    before = program_files(ws2019, 'ws2019')

    check = run(ansible, ws2019, tmp_path, args, check=True)['result']
    assert check['changed'] is True
    assert check['changed_files'] is None and check['files'] == []
    assert check['diff']['before'] == '' and 'downloaded' in check['diff']['after']
    assert program_files(ws2019, 'ws2019') == before, 'check mode must not touch the host'
    assert artifact_server.served('v1.7.7/containerd-1.7.7-windows-amd64.tar.gz') == 0, 'nor download'

    applied = run(ansible, ws2019, tmp_path, args)
    assert applied['status'] == 'ok', applied
    result = applied['result']
    assert result['changed'] is True
    assert result['files'] == ['bin/containerd-stress.exe', 'bin/containerd.exe', 'bin/ctr.exe']
    assert result['changed_files'] == result['files'] and result['removed_files'] == []
    assert result['archive_sha256'] == sha256(data) and result['version'] == '1.7.7'
    assert result['dest'] == DEST and result['manifest'] == MANIFEST
    assert 'bin/containerd.exe' in result['diff']['after'] and sha256(V1['containerd-1.7.7/bin/ctr.exe']) in result['diff']['after']
    files = installed(ws2019, 'ws2019')
    assert files.pop('.wcow-containerd.manifest.json')
    assert files == {'bin/containerd.exe': V1['containerd-1.7.7/bin/containerd.exe'],
                     'bin/ctr.exe': V1['containerd-1.7.7/bin/ctr.exe'],
                     'bin/containerd-stress.exe': V1['containerd-1.7.7/bin/containerd-stress.exe']}
    recorded = manifest(ws2019, 'ws2019')
    assert recorded['archive_sha256'] == sha256(data) and recorded['version'] == '1.7.7'
    assert not any('.staging' in key for key in program_files(ws2019, 'ws2019')), 'staging is removed'

    ws2019.reset_counters()
    state = ws2019.store('ws2019').read()
    again = run(ansible, ws2019, tmp_path, args)['result']
    assert again['changed'] is False and again['changed_files'] == []
    assert again['files'] == result['files']
    assert ws2019.counters('ws2019')['powershell_executions'] == 1, 'one read, nothing else'
    assert artifact_server.served('v1.7.7/containerd-1.7.7-windows-amd64.tar.gz') == 1, 'no second download'
    assert ws2019.store('ws2019').read()['files'] == state['files']


@pytest.mark.every_core
def test_air_gapped_host_gets_the_archive_from_the_controller(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    members = {'nat.exe': b'nat v0.3.1', 'sdnbridge.exe': b'sdnbridge v0.3.1', 'sdnoverlay.exe': b'overlay v0.3.1'}
    data = zipped(members)
    archive = tmp_path / 'windows-container-networking-cni-amd64-v0.3.1.zip'
    archive.write_bytes(data)
    dest = 'C:\\Program Files\\containerd\\cni\\bin'
    args = dict(src=str(archive), checksum='sha256:' + sha256(data), dest='%ProgramFiles%\\containerd\\cni\\bin',
                name='cni-plugins', version='v0.3.1')

    check = run(ansible, fleet, tmp_path, args, check=True, host='ws2022')['result']
    assert check['changed'] is True
    assert check['files'] == ['nat.exe', 'sdnbridge.exe', 'sdnoverlay.exe'], 'the controller reads src in check mode'
    assert check['changed_files'] == check['files']
    assert installed(fleet, 'ws2022', dest) == {}

    result = run(ansible, fleet, tmp_path, args, host='ws2022')['result']
    assert result['changed'] is True and result['dest'] == dest
    files = installed(fleet, 'ws2022', dest)
    assert files.pop('.wcow-cni-plugins.manifest.json')
    assert files == members
    assert manifest(fleet, 'ws2022', dest + '\\.wcow-cni-plugins.manifest.json')['source'] == (
        'src:windows-container-networking-cni-amd64-v0.3.1.zip')

    fleet.reset_counters()
    again = run(ansible, fleet, tmp_path, args, host='ws2022')['result']
    assert again['changed'] is False
    assert fleet.counters('ws2022')['powershell_executions'] == 1


@pytest.mark.every_core
def test_a_large_src_is_streamed_in_several_lines(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    # Incompressible content: the archive spans several 57 KiB stdin lines and
    # several of ansible-core's 200000-byte WinRM Send chunks.
    big = random.Random(7).randbytes(400000)
    members = {'pkg/big.bin': big, 'pkg/small.txt': b'small'}
    data = tgz(members)
    assert len(data) > 300000
    archive = tmp_path / 'big-1.0.tar.gz'
    archive.write_bytes(data)
    args = dict(src=str(archive), checksum='sha256:' + sha256(data), dest='C:\\tools\\big', strip_components=1)
    result = run(ansible, fleet, tmp_path, args, host='ws2022')['result']
    assert result['changed'] is True
    files = installed(fleet, 'ws2022', 'C:\\tools\\big')
    assert files['big.bin'] == big and files['small.txt'] == b'small'
    assert fleet.counters('ws2022')['requests'].get('Send', 0) >= 2


def test_mirror_keeps_the_upstream_url(ansible, ws2019, artifact_server, tmp_path):
    upstream = 'https://github.com/containerd/containerd/releases/download/v1.7.7/containerd-1.7.7-windows-amd64.tar.gz'
    data = tgz(V1)
    artifact_server.publish('mirror/containerd/containerd-1.7.7-windows-amd64.tar.gz', data)
    args = dict(url=upstream, checksum='sha256:' + sha256(data), dest=DEST, strip_components=1, name='containerd')

    unreachable = run(ansible, ws2019, tmp_path, args)
    assert unreachable['status'] == 'failed'
    assert "The remote name could not be resolved: 'github.com'" in unreachable['result']['msg']
    assert installed(ws2019, 'ws2019') == {}

    mirrored = dict(args, mirror=artifact_server.url('mirror/containerd/'))
    result = run(ansible, ws2019, tmp_path, mirrored)['result']
    assert result['changed'] is True and 'bin/containerd.exe' in result['files']
    assert manifest(ws2019, 'ws2019')['source'] == artifact_server.url(
        'mirror/containerd/containerd-1.7.7-windows-amd64.tar.gz')
    assert run(ansible, ws2019, tmp_path, mirrored)['result']['changed'] is False


def test_an_archive_with_a_link_is_refused_before_extraction(ansible, ws2019, artifact_server, tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as archive:
        info = tarfile.TarInfo('containerd-1.7.7/bin/containerd.exe')
        info.size = 2
        archive.addfile(info, io.BytesIO(b'c1'))
        link = tarfile.TarInfo('containerd-1.7.7/bin/system32')
        link.type, link.linkname = tarfile.SYMTYPE, 'C:/Windows/System32'
        archive.addfile(link)
    data = buffer.getvalue()
    url = artifact_server.publish('v1.7.7/containerd-1.7.7-windows-amd64.tar.gz', data)
    before = program_files(ws2019, 'ws2019')

    # Downloaded by the host: listed with tar.exe before anything is extracted.
    failed = run(ansible, ws2019, tmp_path, containerd_args(url, data))
    assert failed['status'] == 'failed'
    assert ('containerd-1.7.7/bin/system32 (a symbolic link). Nothing was installed.'
            in failed['result']['msg']), failed['result']['msg']
    assert program_files(ws2019, 'ws2019') == before

    # From the controller: refused there, before the host is touched.
    source = tmp_path / 'containerd-1.7.7-windows-amd64.tar.gz'
    source.write_bytes(data)
    ws2019.reset_counters()
    args = dict(containerd_args(None, data), src=str(source))
    del args['url']
    refused = run(ansible, ws2019, tmp_path, args)
    assert refused['status'] == 'failed'
    assert "Invalid option src" in refused['result']['msg'] and 'a symbolic link' in refused['result']['msg']
    assert ws2019.counters('ws2019')['powershell_executions'] == 0


@pytest.mark.every_core
def test_checksum_mismatch_leaves_dest_untouched(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    artifact_server.fault('v1.7.7/containerd-1.7.7-windows-amd64.tar.gz', 'corrupt')
    before = program_files(ws2019, 'ws2019')
    failed = run(ansible, ws2019, tmp_path, containerd_args(url, data))
    assert failed['status'] == 'failed'
    message = failed['result']['msg']
    assert 'Checksum mismatch' in message and 'expected sha256:%s' % sha256(data) in message
    corrupt = bytes([data[0] ^ 0xFF]) + data[1:]
    assert 'got sha256:%s' % sha256(corrupt) in message
    assert program_files(ws2019, 'ws2019') == before, 'not even the directories are left'

    artifact_server.fault('v1.7.7/containerd-1.7.7-windows-amd64.tar.gz', None)
    run(ansible, ws2019, tmp_path, containerd_args(url, data))
    state = ws2019.store('ws2019').read()['files']
    url2, data2 = published(artifact_server, V2, 'containerd-2.1.4-windows-amd64.tar.gz', 'v2.1.4')
    artifact_server.fault('v2.1.4/containerd-2.1.4-windows-amd64.tar.gz', 'corrupt')
    upgrade = run(ansible, ws2019, tmp_path, containerd_args(url2, data2, version='2.1.4'))
    assert upgrade['status'] == 'failed' and 'Checksum mismatch' in upgrade['result']['msg']
    assert ws2019.store('ws2019').read()['files'] == state, 'the installed version and its manifest stay'


@pytest.mark.every_core
@pytest.mark.parametrize('fault, text', [('404', '(404) Not Found.'), ('500', '(500) Internal Server Error.')])
def test_http_errors_fail_clearly_and_change_nothing(ansible, ws2019, artifact_server, tmp_path, fault, text):
    url, data = published(artifact_server)
    artifact_server.fault('v1.7.7/containerd-1.7.7-windows-amd64.tar.gz', fault)
    before = ws2019.store('ws2019').read()['files']
    failed = run(ansible, ws2019, tmp_path, containerd_args(url, data))
    assert failed['status'] == 'failed'
    message = failed['result']['msg']
    assert 'Downloading %s failed: The remote server returned an error: %s' % (url, text) in message
    assert ws2019.store('ws2019').read()['files'] == before


def test_unreachable_server_fails_clearly(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    dead = url.replace(artifact_server.base_url, 'http://127.0.0.1:9')
    failed = run(ansible, ws2019, tmp_path, containerd_args(dead, data))
    assert failed['status'] == 'failed'
    assert 'Unable to connect to the remote server' in failed['result']['msg']


def test_file_edited_by_hand_is_drift_and_restored(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    args = containerd_args(url, data)
    run(ansible, ws2019, tmp_path, args)
    edit(ws2019, 'ws2019', 'bin/ctr.exe', b'patched by hand')
    edited = ws2019.store('ws2019').read()['files']

    check = run(ansible, ws2019, tmp_path, args, check=True)['result']
    assert check['changed'] is True and check['changed_files'] == ['bin/ctr.exe']
    assert sha256(b'patched by hand') in check['diff']['before']
    assert sha256(V1['containerd-1.7.7/bin/ctr.exe']) in check['diff']['after']
    assert ws2019.store('ws2019').read()['files'] == edited

    result = run(ansible, ws2019, tmp_path, args)['result']
    assert result['changed'] is True and result['changed_files'] == ['bin/ctr.exe']
    assert installed(ws2019, 'ws2019')['bin/ctr.exe'] == V1['containerd-1.7.7/bin/ctr.exe']
    assert run(ansible, ws2019, tmp_path, args)['result']['changed'] is False


def test_file_deleted_by_hand_is_restored(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    args = containerd_args(url, data)
    run(ansible, ws2019, tmp_path, args)
    edit(ws2019, 'ws2019', 'bin/containerd.exe', delete=True)

    check = run(ansible, ws2019, tmp_path, args, check=True)['result']
    assert check['changed'] is True and check['changed_files'] == ['bin/containerd.exe']
    assert '(missing)  bin/containerd.exe' in check['diff']['before']
    assert 'bin/containerd.exe' not in installed(ws2019, 'ws2019')

    assert run(ansible, ws2019, tmp_path, args)['result']['changed_files'] == ['bin/containerd.exe']
    assert installed(ws2019, 'ws2019')['bin/containerd.exe'] == V1['containerd-1.7.7/bin/containerd.exe']
    assert run(ansible, ws2019, tmp_path, args)['result']['changed'] is False


def test_include_and_strip_components(ansible, ws2019, artifact_server, tmp_path):
    members = {'buildkit/bin/buildctl.exe': b'buildctl', 'buildkit/bin/buildkitd.exe': b'buildkitd',
               'buildkit/docs/README.md': b'docs'}
    url, data = published(artifact_server, members, 'buildkit-v0.24.0.windows-amd64.tar.gz', 'buildkit')
    dest = 'C:\\Program Files\\buildkit'
    args = dict(url=url, checksum='sha256:' + sha256(data), dest=dest, strip_components=2,
                include=['buildctl.exe', 'BUILDKITD.exe'], name='buildkit')
    result = run(ansible, ws2019, tmp_path, args)['result']
    assert result['files'] == ['buildctl.exe', 'buildkitd.exe']
    files = installed(ws2019, 'ws2019', dest)
    assert sorted(files) == ['.wcow-buildkit.manifest.json', 'buildctl.exe', 'buildkitd.exe']
    assert run(ansible, ws2019, tmp_path, args)['result']['changed'] is False

    whole_directory = dict(args, strip_components=1, include=['bin'], name='bin-only', dest='C:\\bk')
    assert run(ansible, ws2019, tmp_path, whole_directory)['result']['files'] == ['bin/buildctl.exe', 'bin/buildkitd.exe']

    missing = dict(args, include=['buildctl.exe', 'bin/buildkitd.exe'], dest='C:\\Program Files\\other')
    failed = run(ansible, ws2019, tmp_path, missing)
    assert failed['status'] == 'failed'
    assert 'include: bin/buildkitd.exe not in' in failed['result']['msg']
    assert 'after stripping 2 leading path components' in failed['result']['msg']
    assert installed(ws2019, 'ws2019', 'C:\\Program Files\\other') == {}
    assert 'c:\\program files\\other' not in {k.lower() for k in ws2019.store('ws2019').read()['files']}


def test_include_is_checked_on_the_controller_for_src(ansible, ws2019, tmp_path):
    archive = tmp_path / 'tool-1.0.zip'
    data = zipped({'tool/a.exe': b'a'})
    archive.write_bytes(data)
    ws2019.reset_counters()
    failed = run(ansible, ws2019, tmp_path, dict(src=str(archive), checksum='sha256:' + sha256(data), dest='C:\\tool',
                                                 include=['b.exe'], strip_components=1))
    assert failed['status'] == 'failed' and 'include' in failed['result']['msg'] and 'a.exe' in failed['result']['msg']
    assert ws2019.counters('ws2019')['powershell_executions'] == 0


def test_file_in_use_is_renamed_aside_and_deleted_later(ansible, ws2019, artifact_server, tmp_path):
    url1, data1 = published(artifact_server)
    run(ansible, ws2019, tmp_path, containerd_args(url1, data1))
    edit(ws2019, 'ws2019', 'bin/containerd.exe', in_use=True)  # the containerd service is running

    url2, data2 = published(artifact_server, V2, 'containerd-2.1.4-windows-amd64.tar.gz', 'v2.1.4')
    args2 = containerd_args(url2, data2, version='2.1.4')
    result = run(ansible, ws2019, tmp_path, args2)['result']
    assert result['changed'] is True
    assert result['changed_files'] == ['bin/containerd-shim-runhcs-v1.exe', 'bin/containerd.exe']
    assert any('renamed aside' in warning for warning in result.get('warnings', []))
    files = installed(ws2019, 'ws2019')
    assert files['bin/containerd.exe'] == V2['containerd-2.1.4/bin/containerd.exe']
    aside = [name for name in files if name.startswith('bin/containerd.exe.wcow-old-')]
    assert len(aside) == 1 and files[aside[0]] == V1['containerd-1.7.7/bin/containerd.exe']
    assert manifest(ws2019, 'ws2019')['leftovers'] == aside

    again = run(ansible, ws2019, tmp_path, args2)['result']
    assert again['changed'] is False and any('renamed aside' in w for w in again.get('warnings', []))

    edit(ws2019, 'ws2019', aside[0], in_use=False)  # the old process has stopped
    url3, data3 = published(artifact_server, V1, 'containerd-1.7.7-windows-amd64.tar.gz', 'v1.7.7-again')
    run(ansible, ws2019, tmp_path, containerd_args(url3, data3))
    assert not [name for name in installed(ws2019, 'ws2019') if '.wcow-old-' in name]
    assert manifest(ws2019, 'ws2019')['leftovers'] == []


def test_allow_unverified_warns(ansible, ws2019, tmp_path):
    # Only for a source that is not plain http:// nor a mirror: here an archive of the controller.
    source = tmp_path / 'containerd-1.7.7-windows-amd64.tar.gz'
    source.write_bytes(tgz(V1))
    args = dict(src=str(source), allow_unverified=True, dest=DEST, strip_components=1, name='containerd')
    result = run(ansible, ws2019, tmp_path, args)['result']
    assert result['changed'] is True
    assert any('without a checksum' in warning for warning in result['warnings'])
    again = run(ansible, ws2019, tmp_path, args)['result']
    assert again['changed'] is False and any('without a checksum' in w for w in again['warnings'])


def test_upgrade_replaces_files_and_removes_only_recorded_ones(ansible, ws2019, artifact_server, tmp_path):
    url1, data1 = published(artifact_server)
    run(ansible, ws2019, tmp_path, containerd_args(url1, data1))
    with ws2019.store('ws2019').transaction() as state:
        state['files'][DEST + '\\config.toml'] = _record(b'[plugins]\n')
        state['files'][DEST + '\\bin\\mytool.exe'] = _record(b'mine')

    url2, data2 = published(artifact_server, V2, 'containerd-2.1.4-windows-amd64.tar.gz', 'v2.1.4')
    args2 = containerd_args(url2, data2, version='2.1.4')
    check = run(ansible, ws2019, tmp_path, args2, check=True)['result']
    assert check['changed'] is True and check['removed_files'] is None
    assert 'bin/containerd-stress.exe' in installed(ws2019, 'ws2019')

    result = run(ansible, ws2019, tmp_path, args2)['result']
    assert result['changed_files'] == ['bin/containerd-shim-runhcs-v1.exe', 'bin/containerd.exe']
    assert result['removed_files'] == ['bin/containerd-stress.exe']
    assert result['version'] == '2.1.4' and result['archive_sha256'] == sha256(data2)
    files = installed(ws2019, 'ws2019')
    assert files.pop('.wcow-containerd.manifest.json')
    kept = dict((name, files.pop(name)) for name in list(files) if name.startswith('.wcow-containerd.previous/'))
    assert sorted(kept) == ['.wcow-containerd.previous/.wcow-containerd.manifest.json',
                            '.wcow-containerd.previous/bin/containerd-stress.exe',
                            '.wcow-containerd.previous/bin/containerd.exe', '.wcow-containerd.previous/bin/ctr.exe']
    assert files == {'bin/containerd.exe': V2['containerd-2.1.4/bin/containerd.exe'],
                     'bin/ctr.exe': V1['containerd-1.7.7/bin/ctr.exe'],
                     'bin/containerd-shim-runhcs-v1.exe': V2['containerd-2.1.4/bin/containerd-shim-runhcs-v1.exe'],
                     'config.toml': b'[plugins]\n', 'bin/mytool.exe': b'mine'}, 'data it did not install stays'
    assert run(ansible, ws2019, tmp_path, args2)['result']['changed'] is False


def test_a_removed_file_changed_by_hand_is_kept(ansible, ws2019, artifact_server, tmp_path):
    url1, data1 = published(artifact_server)
    run(ansible, ws2019, tmp_path, containerd_args(url1, data1))
    edit(ws2019, 'ws2019', 'bin/containerd-stress.exe', b'my own build')
    url2, data2 = published(artifact_server, V2, 'containerd-2.1.4-windows-amd64.tar.gz', 'v2.1.4')
    result = run(ansible, ws2019, tmp_path, containerd_args(url2, data2, version='2.1.4'))['result']
    assert result['removed_files'] == []
    assert any('bin/containerd-stress.exe' in warning for warning in result['warnings'])
    assert installed(ws2019, 'ws2019')['bin/containerd-stress.exe'] == b'my own build'


def test_credentials_go_over_https_only(ansible, ws2019, artifact_server, tmp_path):
    """Invoke-WebRequest answers a 401 with Basic authentication, readable on plain http://
    (docs/windows-facts.md#downloads-archives-and-hashes): refused on the controller."""
    url, data = published(artifact_server)
    artifact_server.require_auth('v1.7.7/containerd-1.7.7-windows-amd64.tar.gz', 'deploy', 's3cret-Pa55')
    args = containerd_args(url, data)
    refused = run(ansible, ws2019, tmp_path, args)
    assert refused['status'] == 'failed' and '(401) Unauthorized.' in refused['result']['msg']

    ws2019.reset_counters()
    artifact_server.reset()
    upstream = url.replace(artifact_server.base_url, 'http://releases.example.invalid')
    args = containerd_args(upstream, data, proxy=artifact_server.base_url, url_username='deploy',
                           url_password='s3cret-Pa55')
    outcome = ansible.module(tmp_path, ws2019.inventory_path, MODULE, args, extra_args=['-vvvvv'])
    failed = outcome.task('ws2019', 'module')
    assert failed['status'] == 'failed'
    assert failed['result']['msg'].startswith('Invalid option url_password: would be sent over plain http://')
    assert 's3cret-Pa55' not in outcome.output
    assert ws2019.counters('ws2019')['powershell_executions'] == 0 and artifact_server.requests == []


def test_query_string_secrets_are_redacted_on_the_host_and_in_results(ansible, ws2019, artifact_server, tmp_path):
    url, data = published(artifact_server)
    signed = url + '?sv=2022-11-02&sp=r&sig=SAS%2Bs3cret%3D'
    shown = url + '?sv=2022-11-02&sp=r&sig=REDACTED'

    mismatch = ansible.module(tmp_path, ws2019.inventory_path, MODULE,
                              containerd_args(signed, data, checksum='sha256:' + '0' * 64), extra_args=['-vvv'])
    assert mismatch.task('ws2019', 'module')['status'] == 'failed'
    assert 'Checksum mismatch for %s' % shown in mismatch.task('ws2019', 'module')['result']['msg']
    assert 's3cret' not in mismatch.output

    outcome = ansible.module(tmp_path, ws2019.inventory_path, MODULE, containerd_args(signed, data), diff=True,
                             extra_args=['-vvv'])
    assert outcome.task('ws2019', 'module')['result']['changed'] is True
    assert 's3cret' not in outcome.output
    assert manifest(ws2019, 'ws2019')['source'] == shown
    assert not [key for key, record in ws2019.store('ws2019').read()['files'].items()
                if 's3cret' in base64.b64decode(record.get('content_b64') or '').decode('utf-8', 'replace')]
    assert run(ansible, ws2019, tmp_path, containerd_args(signed, data))['result']['changed'] is False


def test_without_proxy_the_machines_winhttp_proxy_applies(ansible, ws2019, artifact_server, tmp_path):
    """Server Core hosts set their proxy with netsh winhttp; Invoke-WebRequest alone would use the WinRM user's
    WinINet settings (docs/windows-facts.md#downloads-archives-and-hashes)."""
    url, data = published(artifact_server)
    upstream = url.replace(artifact_server.base_url, 'http://releases.example.invalid')
    with ws2019.store('ws2019').transaction() as state:
        # The user's Internet Options point at a proxy that does not resolve; the machine's at the mirror proxy.
        proxy_settings.set_wininet(state, 'Administrator', 'stale-proxy.example.invalid:8080')
        proxy_settings.set_winhttp(state, artifact_server.base_url.removeprefix('http://'), '<local>;*.corp.example')
    outcome = run(ansible, ws2019, tmp_path, containerd_args(upstream, data))
    assert outcome['status'] == 'ok' and outcome['result']['changed'] is True, outcome
    assert any(r.proxied and r.status == 200 for r in artifact_server.requests)

    # Bypassed names go directly, as WinHTTP sends them: this one does not resolve.
    bypassed = url.replace(artifact_server.base_url, 'http://mirror.corp.example')
    failed = run(ansible, ws2019, tmp_path, containerd_args(bypassed, data, version='1.7.8', dest=DEST + '2'))
    assert failed['status'] == 'failed'
    assert "The remote name could not be resolved: 'mirror.corp.example'" in failed['result']['msg'], failed


@pytest.mark.parametrize('args, option', [
    (dict(url='http://h/a.tar.gz', checksum='sha256:abc', dest=DEST), 'checksum'),
    (dict(url='http://h/a.tar.gz', checksum='md5:' + '0' * 32, dest=DEST), 'checksum'),
    (dict(url='http://h/a.tar.gz', src='a.tar.gz', checksum='sha256:' + '0' * 64, dest=DEST), 'url'),
    (dict(checksum='sha256:' + '0' * 64, dest=DEST), 'url'),
    (dict(mirror='http://m/', src='a.tar.gz', checksum='sha256:' + '0' * 64, dest=DEST), 'mirror'),
    (dict(url='http://h/a.tar.gz', checksum='sha256:' + '0' * 64, dest=DEST, strip_components=-1), 'strip_components'),
    (dict(url='http://h/a.tar.gz', checksum='sha256:' + '0' * 64, dest='Program Files\\x'), 'dest'),
    (dict(url='http://h/a.tar.gz', checksum='sha256:' + '0' * 64, dest='C:\\x\\..\\y'), 'dest'),
    (dict(url='http://h/a.tar.gz', dest=DEST), 'checksum'),
    (dict(url='http://h/a.tar.gz', allow_unverified=True, dest=DEST), 'checksum'),
    (dict(url='https://h/a.tar.gz', checksum_url='http://h/a.tar.gz.sha256sum', dest=DEST), 'checksum_url'),
    (dict(url='https://h/a.tar.gz', mirror='https://m/', checksum_url='https://h/s', dest=DEST), 'mirror'),
    (dict(url='https://h/a.tar.gz', mirror='https://m/', allow_unverified=True, dest=DEST), 'checksum'),
    (dict(url='http://h/a.rar', checksum='sha256:' + '0' * 64, dest=DEST), 'url'),
    (dict(url='ftp://h/a.tar.gz', checksum='sha256:' + '0' * 64, dest=DEST), 'url'),
    (dict(url='http://h/a.tar.gz', checksum='sha256:' + '0' * 64, checksum_url='http://h/s', dest=DEST), 'checksum'),
    (dict(url='http://h/a.tar.gz', checksum='sha256:' + '0' * 64, dest=DEST, include=['../x']), 'include'),
    (dict(url='http://h/a.tar.gz', checksum='sha256:' + '0' * 64, dest=DEST, name='a b'), 'name'),
    (dict(url='http://h/a.tar.gz', checksum='sha256:' + '0' * 64, dest=DEST, url_username='u'), 'url_password'),
    (dict(src='does-not-exist.tar.gz', checksum='sha256:' + '0' * 64, dest=DEST), 'src'),
])
def test_bad_input_fails_naming_the_option_before_touching_the_host(ansible, ws2019, tmp_path, args, option):
    ws2019.reset_counters()
    failed = run(ansible, ws2019, tmp_path, args)
    assert failed['status'] == 'failed'
    assert option in failed['result']['msg']
    assert ws2019.counters('ws2019')['powershell_executions'] == 0


def test_src_not_matching_its_checksum_is_refused_on_the_controller(ansible, ws2019, tmp_path):
    archive = tmp_path / 'tool-1.0.zip'
    data = zipped({'a.exe': b'a'})
    archive.write_bytes(data)
    ws2019.reset_counters()
    failed = run(ansible, ws2019, tmp_path, dict(src=str(archive), checksum='sha256:' + '1' * 64, dest='C:\\tool'))
    assert failed['status'] == 'failed'
    assert 'expected sha256:%s, got sha256:%s' % ('1' * 64, sha256(data)) in failed['result']['msg']
    assert ws2019.counters('ws2019')['powershell_executions'] == 0


def _record(data):
    return {'type': 'file', 'content_b64': base64.b64encode(data).decode(), 'size': len(data),
            'sha256': hashlib.sha256(data).hexdigest().upper(), 'in_use': False}
