"""The containerd role on a simulated Windows Server 2022: check, install, again; an upgrade restarts containerd."""

from __future__ import annotations

import functools
import hashlib
import io
import tarfile

from winsim.fleet import HostSpec
from winsim.programs import fake_binary, identify
from winsim.windows import environment, files, scm

HOST = 'ws2022'
BIN = 'C:\\Program Files\\containerd\\bin'
CONFIG = 'C:\\Program Files\\containerd\\config.toml'
SERVICE = 'wcow.buildkit.containerd : Run containerd as a Windows service'
HANDLER = 'wcow.buildkit.containerd : Restart containerd'
INSTALL = 'wcow.buildkit.containerd : Install the containerd release archive'


@functools.cache
def archive(version):
    """containerd-<version>-windows-amd64.tar.gz as the release lays it out: members under bin/."""
    members = {
        'bin/containerd.exe': fake_binary('containerd', 'v' + version),
        'bin/ctr.exe': b'ctr ' + version.encode(),
        'bin/containerd-shim-runhcs-v1.exe': b'containerd-shim-runhcs-v1 ' + version.encode(),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def publish(artifact_server, version):
    """The archive on the artifact server (plain http://, so the role needs its pinned checksum)."""
    name = 'containerd-%s-windows-amd64.tar.gz' % version
    return artifact_server.publish('v%s/%s' % (version, name), archive(version))


def pinned(version):
    return 'sha256:' + hashlib.sha256(archive(version)).hexdigest()


def play(url, version, **variables):
    settings = dict(wcow_containerd_version=version, wcow_containerd_url=url, wcow_containerd_checksum=pinned(version))
    settings.update(variables)
    return [{'name': 'containerd', 'hosts': 'all', 'gather_facts': False, 'vars': settings,
             'roles': ['wcow.buildkit.containerd']}]


def host_state(fleet):
    return fleet.store(HOST).read()


def containerd(state):
    key = scm.find(state, 'containerd')
    return None if key is None else state['services'][key]


def changed_tasks(run):
    return [r['task'] for r in run.for_host(HOST) if r['result'].get('changed')]


def test_role_installs_and_starts_containerd_then_changes_nothing(ansible, start_fleet, artifact_server, tmp_path):
    fleet = start_fleet(HostSpec(HOST, 'ws2022', containers=True))
    url = publish(artifact_server, '2.1.4')
    before = host_state(fleet)

    check = ansible.playbook(tmp_path, fleet.inventory_path, play(url, '2.1.4'), check=True)
    assert check.rc == 0, check.output
    assert SERVICE in changed_tasks(check)
    assert any('in check mode the service is planned' in w for w in check.task(HOST, SERVICE)['result']['warnings'])
    after_check = host_state(fleet)
    assert after_check['services'] == before['services'] and after_check['files'] == before['files']
    assert after_check['machine_path'] == before['machine_path'], 'check mode must not touch the host'

    first = ansible.playbook(tmp_path, fleet.inventory_path, play(url, '2.1.4'))
    assert first.rc == 0, first.output
    state = host_state(fleet)
    program = identify(files.read_bytes(state, BIN + '\\containerd.exe'))
    assert program.name == 'containerd' and program.version == 'v2.1.4'
    assert files.is_file(state, BIN + '\\ctr.exe') and files.is_file(state, BIN + '\\containerd-shim-runhcs-v1.exe')
    assert files.is_file(state, CONFIG)
    entries = [e for e in environment.path_value(state, 'machine')['value'].split(';') if e]
    assert [e for e in entries if e.lower() == BIN.lower()] == [BIN], 'on the machine PATH once'
    service = containerd(state)
    assert service['State'] == 'Running' and service['Start'] == scm.START_AUTO
    assert service['ImagePath'].startswith('"%s\\containerd.exe" --run-service --service-name containerd ' % BIN)
    assert '--log-file C:\\ProgramData\\containerd\\containerd.log --log-level info' in service['ImagePath']
    assert first.task(HOST, SERVICE)['result']['actions'] == ['registered', 'started']
    assert first.task(HOST, HANDLER)['status'] == 'skipped', 'just started: no second start for the new binaries'

    second = ansible.playbook(tmp_path, fleet.inventory_path, play(url, '2.1.4'))
    assert second.rc == 0, second.output
    assert changed_tasks(second) == []
    assert containerd(host_state(fleet))['ProcessId'] == service['ProcessId']


def test_new_binaries_restart_containerd_through_the_handler(ansible, start_fleet, artifact_server, tmp_path):
    fleet = start_fleet(HostSpec(HOST, 'ws2022', containers=True))
    first = ansible.playbook(tmp_path, fleet.inventory_path, play(publish(artifact_server, '2.1.4'), '2.1.4'))
    assert first.rc == 0, first.output
    pid = containerd(host_state(fleet))['ProcessId']

    newer = publish(artifact_server, '2.1.5')
    upgrade = ansible.playbook(tmp_path, fleet.inventory_path, play(newer, '2.1.5'))
    assert upgrade.rc == 0, upgrade.output
    assert upgrade.task(HOST, SERVICE)['result']['changed'] is False, 'same command line and config'
    handler = upgrade.task(HOST, HANDLER)
    assert handler['status'] == 'ok' and handler['result']['version'] == 'v2.1.5'
    service = containerd(host_state(fleet))
    assert service['State'] == 'Running' and service['ProcessId'] != pid
    assert service['Runtime'] is not None

    again = ansible.playbook(tmp_path, fleet.inventory_path, play(newer, '2.1.5'))
    assert again.rc == 0 and changed_tasks(again) == []


def test_mirror_keeps_the_upstream_url(ansible, start_fleet, artifact_server, tmp_path):
    fleet = start_fleet(HostSpec(HOST, 'ws2022', containers=True))
    publish(artifact_server, '2.1.4')
    # The role's default URL (github.com, which the simulated host cannot resolve), fetched from the mirror.
    plays = play(None, '2.1.4', wcow_containerd_mirror=artifact_server.url('v2.1.4'))
    del plays[0]['vars']['wcow_containerd_url']
    run = ansible.playbook(tmp_path, fleet.inventory_path, plays)
    assert run.rc == 0, run.output
    assert containerd(host_state(fleet))['State'] == 'Running'
    assert artifact_server.served('v2.1.4/containerd-2.1.4-windows-amd64.tar.gz') == 1

    # The mirror never vouches for its own archive: a checksum file from it is refused before the host is touched.
    plays[0]['vars']['wcow_containerd_checksum'] = ''
    refused = ansible.playbook(tmp_path, fleet.inventory_path, plays)
    assert refused.rc != 0
    assert "required by 'mirror': checksum" in refused.task(HOST, INSTALL)['result']['msg']


def test_air_gapped_host_gets_the_archive_from_the_controller(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec(HOST, 'ws2022', containers=True))
    data = archive('2.1.4')
    source = tmp_path / 'containerd-2.1.4-windows-amd64.tar.gz'
    source.write_bytes(data)
    plays = play(None, '2.1.4', wcow_containerd_src=str(source))
    del plays[0]['vars']['wcow_containerd_url']
    run = ansible.playbook(tmp_path, fleet.inventory_path, plays)
    assert run.rc == 0, run.output
    assert containerd(host_state(fleet))['State'] == 'Running'
    again = ansible.playbook(tmp_path, fleet.inventory_path, plays)
    assert again.rc == 0 and changed_tasks(again) == []
