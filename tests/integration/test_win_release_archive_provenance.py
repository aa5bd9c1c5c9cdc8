"""win_release_archive with checksum=provenance: the SHA-256 read from the provenance BuildKit publishes beside
each release archive, downloaded by the host over HTTPS from the same release.

The release is an HTTPS artifact server on loopback whose CA the simulated host trusts (winsim.windows.certificates):
certificate validation on the host stays on, and a host without that CA fails the trust check.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile

import pytest

from integration import tls_material
from integration.artifact_server import ArtifactServer
from winsim.fleet import HostSpec
from winsim.windows import certificates

MODULE = 'wcow.buildkit.win_release_archive'
HOST = 'build01'
DEST = 'C:\\Program Files\\buildkit'
MANIFEST = DEST + '\\.wcow-buildkit.manifest.json'
VERSION = 'v0.23.2'
NAME = 'buildkit-%s.windows-amd64.tar.gz' % VERSION
ARCHIVE = '%s/%s' % (VERSION, NAME)
# BuildKit's release workflow names it after the archive without .tar.gz (docs/windows-facts.md#buildkit-releases).
PROVENANCE = '%s/buildkit-%s.windows-amd64.provenance.json' % (VERSION, VERSION)
MEMBERS = {'bin/buildctl.exe': b'buildctl v0.23.2', 'bin/buildkitd.exe': b'buildkitd v0.23.2\x00'}


def tgz(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def statement(*subjects):
    """An in-toto statement as BuildKit's local exporter writes it: one subject per exported file."""
    return json.dumps({
        '_type': 'https://in-toto.io/Statement/v0.1',
        'predicateType': 'https://slsa.dev/provenance/v0.2',
        'subject': [dict(name=name, digest=dict(sha256=digest)) for name, digest in subjects],
        'predicate': {'builder': {'id': ''}, 'buildType': 'https://mobyproject.org/buildkit@v1'},
    }, indent=2).encode()


@pytest.fixture
def tls(tmp_path):
    return tls_material.create(tmp_path / 'tls')


@pytest.fixture
def release(tmp_path, tls):
    """The BuildKit release over HTTPS: the archive and its provenance."""
    server = ArtifactServer(tmp_path / 'release', tls=tls).start()
    data = tgz(MEMBERS)
    server.url_of_archive = server.publish(ARCHIVE, data)
    server.publish(PROVENANCE, statement((NAME, hashlib.sha256(data).hexdigest())))
    server.data = data
    yield server
    server.stop()


@pytest.fixture
def host(request, start_fleet, tls):
    """A host (Server 2022, or the profile a test gives as its indirect parameter) that trusts the release's CA."""
    fleet = start_fleet(HostSpec(HOST, getattr(request, 'param', 'ws2022'), containers=True))
    with fleet.store(HOST).transaction() as state:
        certificates.add_trusted_root(state, tls.ca_pem)
    return fleet


def args_for(url, **extra):
    args = dict(url=url, checksum='provenance', dest=DEST, strip_components=1, name='buildkit', version=VERSION,
                include=['buildctl.exe', 'buildkitd.exe'])
    args.update(extra)
    return args


def run(ansible, fleet, tmp_path, args, check=False):
    outcome = ansible.module(tmp_path, fleet.inventory_path, MODULE, args, check=check, diff=True)
    task = outcome.task(HOST, 'module')
    assert task['status'] in ('ok', 'failed'), outcome.output
    return task


def files_of(fleet):
    return dict((key, record) for key, record in fleet.store(HOST).read()['files'].items()
                if key.lower().startswith(DEST.lower() + '\\'))


def manifest(fleet):
    return json.loads(base64.b64decode(files_of(fleet)[MANIFEST]['content_b64']))


@pytest.mark.every_core
@pytest.mark.parametrize('host', ['ws2019', 'ws2022'], indirect=True)
def test_provenance_gives_the_checksum_install_then_unchanged(ansible, host, release, tmp_path):
    digest = hashlib.sha256(release.data).hexdigest()
    args = args_for(release.url_of_archive)

    predicted = run(ansible, host, tmp_path, args, check=True)
    assert predicted['status'] == 'ok' and predicted['result']['changed'] is True, predicted
    assert predicted['result']['archive_sha256'] == digest
    assert files_of(host) == {} and release.served(ARCHIVE) == 0, 'check mode reads the provenance only'
    assert release.served(PROVENANCE) == 1

    done = run(ansible, host, tmp_path, args)
    assert done['status'] == 'ok' and done['result']['changed'] is True, done
    assert done['result']['archive_sha256'] == digest
    assert manifest(host)['archive_sha256'] == digest, 'the digest used is kept in the manifest'
    exes = sorted(k.rsplit('\\', 1)[1] for k in files_of(host) if k.endswith('.exe'))
    assert exes == ['buildctl.exe', 'buildkitd.exe']

    again = run(ansible, host, tmp_path, args)
    assert again['status'] == 'ok' and again['result']['changed'] is False, again
    assert again['result']['archive_sha256'] == digest
    assert release.served(ARCHIVE) == 1, 'no second download'


def test_a_file_changed_by_hand_is_drift_against_the_provenance_digest(ansible, host, release, tmp_path):
    args = args_for(release.url_of_archive)
    assert run(ansible, host, tmp_path, args)['result']['changed'] is True
    with host.store(HOST).transaction() as state:
        record = state['files'][DEST + '\\buildkitd.exe']
        tampered = b'not buildkitd'
        record.update(content_b64=base64.b64encode(tampered).decode(), size=len(tampered),
                      sha256=hashlib.sha256(tampered).hexdigest().upper())
    drift = run(ansible, host, tmp_path, args, check=True)
    assert drift['result']['changed'] is True and drift['result']['changed_files'] == ['buildkitd.exe'], drift
    fixed = run(ansible, host, tmp_path, args)
    assert fixed['result']['changed'] is True
    assert base64.b64decode(files_of(host)[DEST + '\\buildkitd.exe']['content_b64']) == MEMBERS['bin/buildkitd.exe']
    assert run(ansible, host, tmp_path, args)['result']['changed'] is False


def test_an_archive_not_matching_its_provenance_is_refused_and_nothing_installed(ansible, host, release, tmp_path):
    release.fault(ARCHIVE, 'corrupt')
    failed = run(ansible, host, tmp_path, args_for(release.url_of_archive))
    assert failed['status'] == 'failed'
    message = failed['result']['msg']
    assert 'Checksum mismatch' in message and 'expected sha256:%s' % hashlib.sha256(release.data).hexdigest() in message
    assert files_of(host) == {}, 'nothing installed, no folder left'


@pytest.mark.parametrize('provenance, words', [
    (statement(('buildkit-v0.23.2.linux-amd64.tar.gz', 'a' * 64)),
     'has no subject named %s (it names buildkit-v0.23.2.linux-amd64.tar.gz)' % NAME),
    (statement((NAME, 'a' * 64), ('./' + NAME, 'b' * 64)), 'names %s in 2 subjects; expected one' % NAME),
    (statement((NAME, 'a' * 63)), 'gives %s no sha256 digest of 64 hexadecimal digits' % NAME),
    (b'<html>rate limited</html>', 'is not JSON'),
])
def test_a_provenance_that_does_not_vouch_for_the_archive_fails_clearly(ansible, host, release, tmp_path, provenance,
                                                                        words):
    release.publish(PROVENANCE, provenance)
    failed = run(ansible, host, tmp_path, args_for(release.url_of_archive))
    assert failed['status'] == 'failed'
    message = failed['result']['msg']
    assert message.startswith('checksum=provenance: %s ' % release.url(PROVENANCE)) and words in message, message
    assert files_of(host) == {} and release.served(ARCHIVE) == 0


def test_a_release_without_provenance_fails_naming_it(ansible, host, release, tmp_path):
    release.fault(PROVENANCE, '404')
    failed = run(ansible, host, tmp_path, args_for(release.url_of_archive))
    assert failed['status'] == 'failed'
    message = failed['result']['msg']
    assert 'Downloading %s failed: The remote server returned an error: (404) Not Found.' % release.url(PROVENANCE) \
        in message
    assert 'Not Found. checksum=provenance reads the SHA-256 of %s' % NAME in message and 'pinned sha256:<hex>' in message
    assert files_of(host) == {}


def test_a_host_that_does_not_trust_the_server_fails_the_certificate_check(ansible, start_fleet, release, tmp_path):
    fleet = start_fleet(HostSpec(HOST, 'ws2022', containers=True))
    failed = run(ansible, fleet, tmp_path, args_for(release.url_of_archive))
    assert failed['status'] == 'failed'
    assert certificates.TRUST_FAILURE in failed['result']['msg']
    assert release.requests == [] or all(r.status != 200 for r in release.requests)


@pytest.mark.parametrize('extra, words', [
    (dict(mirror='https://mirror.example/buildkit/'), 'a mirror needs a pinned checksum'),
    (dict(url='http://releases.example/%s' % ARCHIVE), 'not read over plain http://'),
    (dict(url=None, src='buildkit.tar.gz'), 'not for src'),
])
def test_provenance_is_refused_before_the_host_is_touched(ansible, host, release, tmp_path, extra, words):
    args = args_for(release.url_of_archive)
    args.update(extra)
    if args['url'] is None:
        del args['url']
        (tmp_path / 'buildkit.tar.gz').write_bytes(release.data)
        args['src'] = str(tmp_path / 'buildkit.tar.gz')
    host.reset_counters()
    failed = run(ansible, host, tmp_path, args)
    assert failed['status'] == 'failed'
    assert failed['result']['msg'].startswith('Invalid option checksum: provenance') and words in failed['result']['msg']
    assert host.counters(HOST)['powershell_executions'] == 0 and release.requests == []


def test_the_release_redirects_to_its_asset_storage(ansible, host, tls, tmp_path):
    """GitHub answers a release download with a 302 to its asset storage, another host (objects.githubusercontent.com,
    as a curl of a release link shows in DataDog/documentation#24206): the archive and the provenance both follow it,
    each checked against the host's roots."""
    release = ArtifactServer(tmp_path / 'github', tls=tls).start()
    storage = ArtifactServer(tmp_path / 'objects', tls=tls).start()
    try:
        data = tgz(MEMBERS)
        archive_url = release.url(ARCHIVE)
        release.redirect(ARCHIVE, storage.publish('asset-1', data))
        release.redirect(PROVENANCE, storage.publish('asset-2', statement((NAME, hashlib.sha256(data).hexdigest()))))
        done = run(ansible, host, tmp_path, args_for(archive_url))
        assert done['status'] == 'ok' and done['result']['changed'] is True, done
        assert manifest(host)['source'] == archive_url, 'the release URL is kept, not where it redirected'
        assert storage.served('asset-1') == 1 and storage.served('asset-2') == 1
        assert run(ansible, host, tmp_path, args_for(archive_url))['result']['changed'] is False
    finally:
        storage.stop()
        release.stop()
