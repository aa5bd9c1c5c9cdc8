"""Operations that run programs on the host: release archives (tar.exe), buildctl, shutdown.exe, DISM.

The restart cases are destructive (opt-in on a real host): they schedule a restart ten minutes
ahead, and the backend aborts it (shutdown.exe /a) when the case ends.
"""

import gzip
import hashlib
import io
import json
import tarfile

import pytest

from contract.transcript import HOST, VOLATILE

WEB = {'proxy': None, 'username': None, 'password': None}
V1 = {'pkg/bin/pkg.exe': b'MZ pkg 1', 'pkg/README.md': b'# pkg\n'}


def tgz(members):
    buffer = io.BytesIO()
    # Fixed times, so the archive (and its SHA-256 in the transcript) is the same at every run.
    with tarfile.open(fileobj=buffer, mode='w', format=tarfile.USTAR_FORMAT) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1700000000
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def apply_params(dest, data):
    """What win_release_archive sends for a first install of an archive streamed from the controller."""
    return dict(dest=dest, name='pkg', archive_type='tar.gz',
                source={'kind': 'stream', 'url': None, 'shown': 'src:pkg.tar.gz'}, web=WEB, sha256=sha(data),
                strip_components=1, include=None, previous_files=[], previous_leftovers=[],
                manifest={'format': 1, 'source': 'src:pkg.tar.gz', 'archive_file': 'pkg.tar.gz',
                          'archive_sha256': sha(data), 'version': None, 'strip_components': 1, 'include': None},
                keep={'action': 'leave', 'manifest': None}, protect=True, replace_unchanged=False)


def read(contract, dest):
    return contract.call('release_archive_read', {'dest': dest, 'name': 'pkg', 'paths': [], 'checksum': None,
                                                  'web': WEB})


@pytest.mark.operation('release_archive_apply')
def test_a_streamed_archive_is_installed_with_its_manifest(contract):
    dest = contract.path('pkg')
    data = tgz(V1)
    result = contract.call('release_archive_apply', apply_params(dest, data), stream=data)
    assert result['dest'] == dest and result['manifest_path'] == dest + '\\.wcow-pkg.manifest.json'
    assert result['archive_sha256'].lower() == sha(data)
    assert sorted(result['changed_files']) == ['README.md', 'bin/pkg.exe']
    assert {(f['path'], f['sha256'].lower()) for f in result['files']} == {
        ('bin/pkg.exe', sha(V1['pkg/bin/pkg.exe'])), ('README.md', sha(V1['pkg/README.md']))}
    assert result['removed_files'] == result['kept_files'] == result['leftovers'] == []
    after = read(contract, dest)
    assert after['dest_exists'] is True and json.loads(after['manifest_text'])['files'] == result['files']
    assert {f['path']: f['sha256'] for f in after['files']} == {f['path']: f['sha256'] for f in result['files']}


@pytest.mark.operation('release_archive_apply')
def test_a_checksum_mismatch_installs_nothing(contract):
    dest = contract.path('pkg')
    data = tgz(V1)
    params = apply_params(dest, data)
    params['sha256'] = '0' * 64
    error = contract.fail('release_archive_apply', params, stream=data)
    assert sha(data) in error.lower()
    assert read(contract, dest)['dest_exists'] is False, 'the folders this run created are removed again'


@pytest.mark.operation('release_archive_apply')
def test_a_file_a_killed_run_set_aside_is_removed_by_the_next_install(contract):
    dest = contract.path('pkg')
    first = contract.call('release_archive_apply', apply_params(dest, tgz(V1)), stream=tgz(V1))
    stray, other = dest + '\\bin\\pkg.exe.wcow-old-0123abcd', dest + '\\bin\\pkg.exe.wcow-old-notours'
    for path in (stray, other):
        contract.call('file_write', {'path': path, 'content': 'MZ pkg 0', 'content_encoding': 'text', 'backup': False})
    v2 = dict(V1, **{'pkg/bin/pkg.exe': b'MZ pkg 2'})
    params = apply_params(dest, tgz(v2))
    params['previous_files'] = first['files']
    result = contract.call('release_archive_apply', params, stream=tgz(v2))
    assert result['changed_files'] == ['bin/pkg.exe'] and result['leftovers'] == []
    found = contract.call('service_read', {'names': [], 'probe_versions': [], 'read_files': [stray, other],
                                           'measure_paths': []})['files']
    assert [f['exists'] for f in found] == [False, True], 'only the name the install gives an aside goes'


@pytest.mark.operation('release_archive_remove')
def test_an_install_is_removed_with_its_folder(contract):
    dest = contract.path('pkg')
    data = tgz(V1)
    installed = contract.call('release_archive_apply', apply_params(dest, data), stream=data)
    manifest = json.loads(read(contract, dest)['manifest_text'])
    result = contract.call('release_archive_remove', {'dest': dest, 'name': 'pkg', 'files': installed['files'],
                                                      'leftovers': [], 'manifest': manifest})
    assert sorted(result['removed_files']) == ['README.md', 'bin/pkg.exe']
    assert result['dest_removed'] is True and result['kept_files'] == result['leftovers'] == []
    assert read(contract, dest)['dest_exists'] is False


@pytest.mark.operation('buildctl_build_run')
def test_a_missing_buildctl_fails_the_build(contract):
    path = contract.path('buildctl.exe')
    error = contract.fail('buildctl_build_run', {
        'buildctl_path': path, 'addr': 'npipe:////./pipe/buildkitd', 'output': 'type=image,name=wcowct/sample',
        'files': [{'name': 'Dockerfile', 'content': 'FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n'}],
        'docker_config': None, 'timeout': 60})
    assert 'buildctl_build_run' in error


@pytest.mark.operation('container_features_enable')
def test_nothing_to_enable_reports_the_states(contract):
    result = contract.call('container_features_enable', {'names': [], 'report': ['Containers'], 'restart': None},
                           masks={'features.*.state': HOST})
    assert result['restart_needed'] is False and result['restart'] is None
    assert [f['name'] for f in result['features']] == ['Containers']


@pytest.mark.destructive
@pytest.mark.operation('container_features_enable')
def test_enabling_containers_schedules_a_restart_only_when_needed(contract):
    contract.leftovers.restart_scheduled = True
    result = contract.call('container_features_enable', {
        'names': ['Containers'], 'report': [], 'restart': {'delay': 600, 'message': 'wcow.buildkit contract'}},
        masks={'restart_needed': HOST, 'features.*.state': HOST, 'restart': HOST})
    feature, = result['features']
    waiting = result['restart_needed'] or feature['state'] != 'Enabled'
    assert (result['restart'] is not None) == waiting
    if result['restart'] is not None:
        assert result['restart']['scheduled'] is True


@pytest.mark.destructive
@pytest.mark.operation('host_reboot')
def test_a_restart_is_scheduled_then_replaced(contract):
    contract.leftovers.restart_scheduled = True
    params = {'delay': 600, 'message': 'wcow.buildkit contract: aborted when the case ends'}
    first = contract.call('host_reboot', params, masks={'output': VOLATILE})
    assert (first['rc'], first['preempted'], first['in_progress']) == (0, False, False)
    again = contract.call('host_reboot', params, masks={'output': VOLATILE})
    assert (again['rc'], again['preempted']) == (0, True), 'a scheduled shutdown (1190) is aborted and scheduled anew'
