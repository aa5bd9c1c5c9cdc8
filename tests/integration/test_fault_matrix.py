"""The site playbook under faults, one fault per host of one fleet (winsim.host.faults).

Run 1: each host meets its fault and fails with a message that says what
happened (one host's lock is held by another run all along: its changes wait,
then fail, changing nothing). Run 2, with every fault gone: each host converges and nothing was
lost (no staged or set-aside file left, binaries with the archives' checksums,
services registered and running, PATH entries there, the data roots kept).
Run 3 changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import zipfile

import pytest
import yaml

from artifact_server import ArtifactServer
from demo import artifacts
from winsim.fleet import HostSpec
from winsim.host import faults
from winsim.windows import files, mutexes, scm

SITE = [{'import_playbook': 'wcow.buildkit.site'}]
CONTAINERD_DIR = 'C:\\Program Files\\containerd'
BUILDKIT_DIR = 'C:\\Program Files\\buildkit'
CNI_DIR = CONTAINERD_DIR + '\\cni\\bin'
DATA_ROOTS = ('C:\\ProgramData\\containerd\\root', 'C:\\ProgramData\\buildkitd\\.buildstate')
MARKER = b'an image layer the play must not lose\n'
# What a run leaves only when it stopped half-way: release_archive staging
# folders and set-aside files, and file_write's staged files.
LEFTOVER = re.compile(r'\.wcow-[^\\]*\.staging(\\|$)|\.wcow-old-[0-9a-f]{8}$|\.[0-9a-f]{8}\.tmp$', re.IGNORECASE)
CORRUPT_PREFIX = 'corrupt/'
# The slow host's WinRM timeouts: the answer comes after the read timeout.
SLOW_TIMEOUTS = {'ansible_winrm_operation_timeout_sec': 3, 'ansible_winrm_read_timeout_sec': 5}
SLOW_DELAY_S = 8
LOST = 'the connection to the host failed while the operation ran'
LOCK_NAME = 'Global\\wcow.buildkit.host-changes'
LOCK_WAIT_S = 1


def fault_hosts(containerd_archive_size, containerd_exe_size):
    """{host: (profile, faults, what run 1 must say)}."""
    return {
        # The process dies at its 5th write (the manifest: the archive and the
        # three binaries were written, and moved into place), then the answer is lost.
        'drop': ('ws2022', [{'kind': 'drop_connection', 'operation': 'release_archive_apply',
                             'match': {'name': 'containerd'}, 'kill_after_writes': 4}],
                 LOST),
        # buildkitd was registered and started; the controller gets a fault instead.
        'http500': ('ws2022', [{'kind': 'http_500', 'operation': 'service_apply', 'match': {'name': 'buildkitd'}}],
                    'The I/O operation has been aborted'),
        'slow': ('ws2022', [{'kind': 'slow', 'operation': 'file_write', 'delay_s': SLOW_DELAY_S}],
                 'timed out'),
        # The host restarts while BuildKit's archive is half extracted (after
        # the archive and buildctl.exe were written).
        'reboot': ('ws2022', [{'kind': 'reboot', 'operation': 'release_archive_apply', 'match': {'name': 'buildkit'},
                               'kill_after_writes': 2}],
                   LOST),
        # Room for containerd's archive and half of containerd.exe.
        'diskfull': ('ws2022', [{'kind': 'disk_full',
                                 'capacity_bytes': len(MARKER) * 2 + containerd_archive_size + containerd_exe_size // 2}],
                     faults.DISK_FULL_MESSAGE),
        # Server 2019 has no default nat: the play creates it, and HNS refuses.
        'hnsfail': ('ws2019', [{'kind': 'hns_error', 'method': 'POST', 'path': '/networks'}],
                    hns_text('HCN_E_MANAGER_STOPPED')),
        'artifacts-down': ('ws2022', [], 'Unable to connect to the remote server'),
        'artifacts-corrupt': ('ws2022', [], 'Checksum mismatch'),
        # Another run holds the host's lock through run 1 (LOCK_WAIT_S is too short), then dies
        # holding it: run 2 takes the abandoned lock.
        'locked': ('ws2022', [], 'Another run is changing this host'),
    }


def hns_text(name):
    return faults.HNS_ERRORS[name][1]


def members(archive, strip=0):
    """{member path after strip: sha256 upper hex} of a .tar.gz or .zip."""
    found = {}
    if archive[:2] == b'PK':
        with zipfile.ZipFile(io.BytesIO(archive)) as opened:
            for name in opened.namelist():
                found[name] = opened.read(name)
    else:
        with tarfile.open(fileobj=io.BytesIO(archive)) as opened:
            for member in opened.getmembers():
                if member.isfile():
                    found['/'.join(member.name.split('/')[strip:])] = opened.extractfile(member).read()
    return {name: hashlib.sha256(data).hexdigest().upper() for name, data in found.items()}


def expected_binaries(published):
    expected = {}
    for name, digest in members(published[artifacts.CONTAINERD_ARCHIVE]).items():
        expected[CONTAINERD_DIR + '\\' + name.replace('/', '\\')] = digest
    for name, digest in members(published[artifacts.BUILDKIT_ARCHIVE], strip=1).items():
        expected[BUILDKIT_DIR + '\\' + name.replace('/', '\\')] = digest
    for name, digest in members(published[artifacts.CNI_ARCHIVE]).items():
        expected[CNI_DIR + '\\' + name] = digest
    return expected


def put_markers(store):
    with store.transaction() as state:
        for root in DATA_ROOTS:
            files.ensure_dir(state, root)
            files.write_bytes(state, root + '\\marker.txt', MARKER)


def write_vars(fleet, main, down, published):
    """group_vars for every host, host_vars pointing two hosts at a broken artifact server."""
    common = artifacts.extra_vars(main.base_url, published)
    directory = fleet.inventory_path.parent
    (directory / 'group_vars').mkdir(exist_ok=True)
    (directory / 'host_vars').mkdir(exist_ok=True)
    (directory / 'group_vars' / 'all.yml').write_text(yaml.safe_dump(common))
    overrides = {
        'artifacts-down': artifacts.extra_vars(down.base_url, published),
        'artifacts-corrupt': {'wcow_buildkit_url': main.url(CORRUPT_PREFIX + artifacts.BUILDKIT_ARCHIVE)},
        'slow': SLOW_TIMEOUTS,
        'locked': {'wcow_host_lock_timeout': LOCK_WAIT_S},
    }
    for host, variables in overrides.items():
        (directory / 'host_vars' / ('%s.yml' % host)).write_text(yaml.safe_dump(variables))


def failure_of(run, host):
    """The first failed or unreachable result of host in run."""
    bad = [r for r in run.for_host(host) if r['status'] in ('failed', 'unreachable')]
    assert bad, 'run 1 must fail on %s:\n%s' % (host, run.output)
    return bad[0]


def assert_nothing_lost(fleet, host, expected):
    state = fleet.store(host).read()
    leftovers = [key for key in state['files'] if LEFTOVER.search(key)]
    assert leftovers == [], (host, leftovers)
    for path, digest in expected.items():
        record = files.lookup(state, path)
        assert record is not None and record['type'] == 'file', (host, path)
        assert record['sha256'] == digest, (host, path, 'a half-written or stale file is in place')
    for name in ('containerd', 'buildkitd'):
        key = scm.find(state, name)
        assert key is not None, (host, name, 'service not registered')
        assert state['services'][key]['State'] == 'Running', (host, name)
    entries = [e.rstrip('\\').lower() for e in state['machine_path']['value'].split(';')]
    for wanted in (CONTAINERD_DIR + '\\bin', BUILDKIT_DIR):
        assert wanted.lower() in entries, (host, wanted, state['machine_path'])
    for root in DATA_ROOTS:
        assert files.read_bytes(state, root + '\\marker.txt') == MARKER, (host, root)
    assert any(n['Name'].lower() == 'nat' for n in state['hns']['networks']), host
    assert state.get('mutexes', {}).get(LOCK_NAME, {}).get('owner') is None, (host, 'the lock is released')


def assert_fault_effects(fleet, published, boots):
    """What each fault left after run 1: the hosts were hit where the matrix says."""
    state = {host: fleet.store(host).read() for host in fleet.names()}
    containerd_exe = CONTAINERD_DIR + '\\bin\\containerd.exe'
    digest = expected_binaries(published)[containerd_exe]
    # Killed at the manifest: the binaries were moved into place, the manifest never came.
    assert files.lookup(state['drop'], containerd_exe)['sha256'] == digest
    assert not files.is_file(state['drop'], CONTAINERD_DIR + '\\.wcow-containerd.manifest.json')
    assert scm.find(state['http500'], 'buildkitd') is not None, 'the host registered buildkitd before the fault'
    assert files.is_file(state['slow'], CONTAINERD_DIR + '\\config.toml'), 'the slow host finished the write'
    # Down, or booted already when something asked it since.
    assert state['reboot']['boot']['shutdown'] is not None or state['reboot']['boot']['count'] == boots['reboot'] + 1
    assert any(LEFTOVER.search(key) for key in state['reboot']['files']), 'the killed install left its staging'
    assert not files.is_file(state['diskfull'], containerd_exe)
    assert not [key for key in state['diskfull']['files'] if LEFTOVER.search(key)]
    assert not any(n['Name'].lower() == 'nat' for n in state['hnsfail']['hns']['networks'])
    assert not files.is_dir(state['artifacts-down'], CONTAINERD_DIR + '\\bin')
    assert not files.is_file(state['artifacts-corrupt'], BUILDKIT_DIR + '\\buildkitd.exe')
    # The run that waited in vain for the lock changed nothing; the killed run left its lock abandoned.
    assert not files.is_dir(state['locked'], CONTAINERD_DIR) and not files.is_dir(state['locked'], BUILDKIT_DIR)
    assert state['locked']['mutexes'][LOCK_NAME]['owner']['alive'] is True
    assert state['drop']['mutexes'][LOCK_NAME]['owner']['alive'] is False


@pytest.fixture
def servers(tmp_path):
    main = ArtifactServer(tmp_path / 'artifacts').start()
    down = ArtifactServer(tmp_path / 'artifacts').start()
    published = artifacts.archives()
    for path, data in published.items():
        main.publish(path, data)
        main.publish(CORRUPT_PREFIX + path, data)
    main.fault(CORRUPT_PREFIX + artifacts.BUILDKIT_ARCHIVE, 'corrupt')
    down.down()
    yield main, down, published
    main.stop()
    down.stop()


def test_site_under_faults_then_converges_and_loses_nothing(ansible, start_fleet, tmp_path, servers):
    main, down, published = servers
    containerd_members = {}
    with tarfile.open(fileobj=io.BytesIO(published[artifacts.CONTAINERD_ARCHIVE])) as opened:
        containerd_members = {m.name: m.size for m in opened.getmembers()}
    hosts = fault_hosts(len(published[artifacts.CONTAINERD_ARCHIVE]), containerd_members['bin/containerd.exe'])
    fleet = start_fleet(*(HostSpec(name, profile, containers=True) for name, (profile, _f, _m) in hosts.items()))
    write_vars(fleet, main, down, published)
    for name, (_profile, host_faults, _message) in hosts.items():
        put_markers(fleet.store(name))
        faults.set_faults(fleet.store(name).path, host_faults)
    with fleet.store('locked').transaction() as state:
        mutexes.hold(state, LOCK_NAME)
    forks = ['-f', str(len(hosts))]
    boots = {name: fleet.store(name).read()['boot']['count'] for name in hosts}

    first = ansible.playbook(tmp_path / 'run1', fleet.inventory_path, SITE, extra_args=forks)
    report = {host: failure_of(first, host) for host in hosts}
    for host, (_profile, _faults, message) in hosts.items():
        msg = report[host]['result'].get('msg', '')
        assert message in msg, (host, report[host])

    assert_fault_effects(fleet, published, boots)

    for name in hosts:
        faults.clear_faults(fleet.store(name).path)
    with fleet.store('locked').transaction() as state:
        mutexes.owner_died(state, state['mutexes'][LOCK_NAME]['owner'])
    main.fault(CORRUPT_PREFIX + artifacts.BUILDKIT_ARCHIVE, None)
    down.up()

    second = ansible.playbook(tmp_path / 'run2', fleet.inventory_path, SITE, extra_args=forks)
    assert second.rc == 0, second.output
    expected = expected_binaries(published)
    for host in hosts:
        assert_nothing_lost(fleet, host, expected)
    assert fleet.store('reboot').read()['boot']['count'] == boots['reboot'] + 1, 'one restart: the fault'

    third = ansible.playbook(tmp_path / 'run3', fleet.inventory_path, SITE, extra_args=forks)
    assert third.rc == 0, third.output
    assert third.changed_hosts == [], third.output
