"""The buildkit role on a simulated Windows Server 2022 with containerd running: check, install, again;
new binaries restart buildkitd; the checksum is required; mirror and controller-side archives."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tarfile

from integration import tls_material
from integration.artifact_server import ArtifactServer
from wcow_winsim import run_powershell
from winsim.fleet import HostSpec
from winsim.programs import fake_binary, identify
from winsim.transport import cmdline
from winsim.windows import accounts, certificates, environment, files, firewall, processes, scheduled_tasks, scm

sys.path[:0] = os.environ['ANSIBLE_COLLECTIONS_PATH'].split(os.pathsep)

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.runner import run_operation  # noqa: E402

HOST = 'ws2022'
INSTALL = 'C:\\Program Files\\buildkit'
CONTAINERD = 'C:\\Program Files\\containerd\\bin\\containerd.exe'
CNI_BIN = 'C:\\Program Files\\containerd\\cni\\bin'
CNI_CONF = 'C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf'
ARCHIVE = 'buildkit-%s.windows-amd64.tar.gz'
INSTALL_TASK = 'wcow.buildkit.buildkit : Install buildctl and buildkitd from the BuildKit release archive'
SERVICE = 'wcow.buildkit.buildkit : Run buildkitd as a Windows service'
HANDLER = 'wcow.buildkit.buildkit : Restart buildkitd'


def archive(version):
    """buildkit-<version>.windows-amd64.tar.gz as the release lays it out: bin/buildctl.exe, bin/buildkitd.exe."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as tar:
        for name, program in (('bin/buildctl.exe', 'buildctl'), ('bin/buildkitd.exe', 'buildkitd')):
            data = fake_binary(program, version)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def publish(artifact_server, version, folder=None):
    """(url, checksum) of the archive served under <folder or version>/<asset name>."""
    data = archive(version)
    url = artifact_server.publish('%s/%s' % (folder or version, ARCHIVE % version), data)
    return url, 'sha256:' + hashlib.sha256(data).hexdigest()


def host_with_containerd(start_fleet):
    """containerd registered and running, nat.exe and a CNI config, local users alice and bob."""
    fleet = start_fleet(HostSpec(HOST, 'ws2022', containers=True))
    with fleet.store(HOST).transaction() as state:
        for folder in ('C:\\Program Files\\containerd\\bin', CNI_BIN, 'C:\\Program Files\\containerd\\cni\\conf'):
            files.ensure_dir(state, folder)
        files.write_bytes(state, CONTAINERD, fake_binary('containerd', 'v2.1.4'))
        files.write_bytes(state, CNI_BIN + '\\nat.exe', fake_binary('cni-plugin', 'v0.3.1'))
        files.write_bytes(state, CNI_CONF, json.dumps({'cniVersion': '1.0.0', 'name': 'nat', 'type': 'nat',
                                                       'ipam': {'subnet': '172.20.0.0/16'}}).encode())
        assert processes.run_program(state, CONTAINERD, ['--register-service']).exit_code == 0
        scm.start_service(state, 'containerd')
        # buildctl runs as them from a scheduled task: a batch logon (docs/windows-facts.md#scheduled-tasks).
        for name in ('alice', 'bob'):
            scheduled_tasks.grant_right(state, 'SeBatchLogonRight', accounts.create_user(state, name).sid)
    return fleet


def play(**variables):
    return [{'name': 'buildkit', 'hosts': 'all', 'gather_facts': False, 'vars': variables,
             'roles': ['wcow.buildkit.buildkit']}]


def host_state(fleet):
    return fleet.store(HOST).read()


def buildkitd(state):
    key = scm.find(state, 'buildkitd')
    return None if key is None else state['services'][key]


def changed_tasks(run):
    return [r['task'] for r in run.for_host(HOST) if r['result'].get('changed')]


class StoreConnection:
    def __init__(self, store):
        self.store = store

    def exec_command(self, cmd, in_data=None, sudoable=True):
        done = cmdline.run_command_line(cmd, in_data or b'',
                                        lambda script, stdin: run_powershell(self.store, script, stdin))
        return done.rc, done.stdout, done.stderr


def buildctl_info(fleet, user):
    """`buildctl debug info` as `user`, found on the machine PATH as a shell would find it."""
    state = host_state(fleet)
    folder = next(entry for entry in environment.path_value(state, 'machine')['value'].split(';')
                  if entry and files.is_file(state, entry.rstrip('\\') + '\\buildctl.exe'))
    return run_operation(StoreConnection(fleet.store(HOST)), 'buildctl_debug_info',
                         {'buildctl_path': folder.rstrip('\\') + '\\buildctl.exe', 'as_user': user, 'addr': None})


def test_role_installs_and_starts_buildkitd_then_changes_nothing(ansible, start_fleet, artifact_server, tmp_path):
    fleet = host_with_containerd(start_fleet)
    url, checksum = publish(artifact_server, 'v0.23.2')
    variables = dict(wcow_buildkit_url=url, wcow_buildkit_checksum=checksum, wcow_buildkit_group_members=['alice'])
    before = host_state(fleet)

    check = ansible.playbook(tmp_path, fleet.inventory_path, play(**variables), check=True)
    assert check.rc == 0, check.output
    assert SERVICE in changed_tasks(check)
    assert any('in check mode the service is planned' in w for w in check.task(HOST, SERVICE)['result']['warnings'])
    after_check = host_state(fleet)
    for key in ('services', 'files', 'machine_path', 'local_groups'):
        assert after_check.get(key) == before.get(key), 'check mode must not touch the host (%s)' % key

    first = ansible.playbook(tmp_path, fleet.inventory_path, play(**variables))
    assert first.rc == 0, first.output
    state = host_state(fleet)
    for program in ('buildctl', 'buildkitd'):
        found = identify(files.read_bytes(state, '%s\\%s.exe' % (INSTALL, program)))
        assert (found.name, found.version) == (program, 'v0.23.2')
    entries = [e for e in environment.path_value(state, 'machine')['value'].split(';') if e]
    assert [e for e in entries if e.lower() == INSTALL.lower()] == [INSTALL], 'on the machine PATH once'
    group = state['local_groups']['buildkit-users']
    assert [m.split('\\')[-1] for m in group['members']] == ['alice']
    service = buildkitd(state)
    assert service['State'] == 'Running' and service['Start'] == scm.START_AUTO
    assert service['DependOnService'] == ['containerd']
    assert service['ImagePath'].startswith('"%s\\buildkitd.exe" --run-service --service-name buildkitd ' % INSTALL)
    assert service['ImagePath'].endswith(' --group buildkit-users')
    assert '--log-file C:\\ProgramData\\buildkitd\\buildkitd.log' in service['ImagePath']
    assert first.task(HOST, SERVICE)['result']['actions'] == ['registered', 'configured', 'started']
    assert first.task(HOST, HANDLER)['status'] == 'skipped', 'just started: no second start for the new binaries'

    member = buildctl_info(fleet, 'alice')
    assert member['exit_code'] == 0 and member['stdout'].startswith('BuildKit: github.com/moby/buildkit v0.23.2 ')
    assert buildctl_info(fleet, 'bob')['stderr'].rstrip().endswith('Access is denied."')

    second = ansible.playbook(tmp_path, fleet.inventory_path, play(**variables))
    assert second.rc == 0, second.output
    assert changed_tasks(second) == []
    assert buildkitd(host_state(fleet))['ProcessId'] == service['ProcessId']

    # Membership is control of a SYSTEM daemon: a member added by hand is taken out again.
    with fleet.store(HOST).transaction() as state:
        members = state['local_groups']['buildkit-users']['members']
        members.append(members[0].rsplit('\\', 1)[0] + '\\bob')
    pruned = ansible.playbook(tmp_path, fleet.inventory_path, play(**variables))
    assert pruned.rc == 0, pruned.output
    assert changed_tasks(pruned) == ['wcow.buildkit.buildkit : Create the group whose members may use buildkitd']
    assert [m.split('\\')[-1] for m in host_state(fleet)['local_groups']['buildkit-users']['members']] == ['alice']


def test_new_binaries_restart_buildkitd_through_the_handler(ansible, start_fleet, artifact_server, tmp_path):
    fleet = host_with_containerd(start_fleet)
    url, checksum = publish(artifact_server, 'v0.23.2')
    first = ansible.playbook(tmp_path, fleet.inventory_path,
                             play(wcow_buildkit_url=url, wcow_buildkit_checksum=checksum))
    assert first.rc == 0, first.output
    pid = buildkitd(host_state(fleet))['ProcessId']

    url, checksum = publish(artifact_server, 'v0.24.0')
    upgrade = ansible.playbook(tmp_path, fleet.inventory_path, play(
        wcow_buildkit_version='v0.24.0', wcow_buildkit_url=url, wcow_buildkit_checksum=checksum))
    assert upgrade.rc == 0, upgrade.output
    assert upgrade.task(HOST, INSTALL_TASK)['result']['changed'] is True
    assert upgrade.task(HOST, SERVICE)['result']['changed'] is False, 'same command line'
    handler = upgrade.task(HOST, HANDLER)
    assert handler['status'] == 'ok' and handler['result']['version'] == 'v0.24.0'
    assert handler['result']['actions'] == ['stopped', 'started']
    service = buildkitd(host_state(fleet))
    assert service['State'] == 'Running' and service['ProcessId'] != pid
    assert buildctl_info(fleet, None)['stdout'].startswith('BuildKit: github.com/moby/buildkit v0.24.0 ')


def test_the_checksum_is_required(ansible, start_fleet, artifact_server, tmp_path):
    fleet = host_with_containerd(start_fleet)
    url, _checksum = publish(artifact_server, 'v0.23.2')
    fleet.reset_counters()
    run = ansible.playbook(tmp_path, fleet.inventory_path, play(wcow_buildkit_url=url))
    assert run.rc != 0
    assert 'wcow_buildkit_checksum' in run.output
    assert fleet.counters(HOST)['powershell_executions'] == 0
    assert buildkitd(host_state(fleet)) is None


def test_air_gapped_hosts_install_from_a_mirror_or_from_the_controller(
        ansible, start_fleet, artifact_server, tmp_path):
    fleet = host_with_containerd(start_fleet)
    _url, checksum = publish(artifact_server, 'v0.23.2', folder='mirror')
    mirrored = ansible.playbook(tmp_path, fleet.inventory_path, play(
        wcow_buildkit_mirror=artifact_server.url('mirror'), wcow_buildkit_checksum=checksum))
    assert mirrored.rc == 0, mirrored.output
    assert artifact_server.served('mirror/' + ARCHIVE % 'v0.23.2') == 1
    assert buildkitd(host_state(fleet))['State'] == 'Running'

    local = tmp_path / (ARCHIVE % 'v0.24.0')
    local.write_bytes(archive('v0.24.0'))
    sent = ansible.playbook(tmp_path, fleet.inventory_path, play(
        wcow_buildkit_version='v0.24.0', wcow_buildkit_src=str(local),
        wcow_buildkit_checksum='sha256:' + hashlib.sha256(local.read_bytes()).hexdigest()))
    assert sent.rc == 0, sent.output
    assert identify(files.read_bytes(host_state(fleet), INSTALL + '\\buildkitd.exe')).version == 'v0.24.0'
    assert sent.task(HOST, HANDLER)['result']['version'] == 'v0.24.0'


def test_provenance_takes_the_checksum_from_the_https_release(ansible, start_fleet, tmp_path):
    """wcow_buildkit_checksum=provenance: no hash looked up by hand; the host trusts the release server's CA."""
    tls = tls_material.create(tmp_path / 'tls')
    release = ArtifactServer(tmp_path / 'release', tls=tls).start()
    try:
        data = archive('v0.23.2')
        url = release.publish('v0.23.2/' + ARCHIVE % 'v0.23.2', data)
        release.publish('v0.23.2/buildkit-v0.23.2.windows-amd64.provenance.json', json.dumps({
            '_type': 'https://in-toto.io/Statement/v0.1', 'predicateType': 'https://slsa.dev/provenance/v0.2',
            'subject': [{'name': ARCHIVE % 'v0.23.2', 'digest': {'sha256': hashlib.sha256(data).hexdigest()}}],
            'predicate': {}}).encode())
        fleet = host_with_containerd(start_fleet)
        with fleet.store(HOST).transaction() as state:
            certificates.add_trusted_root(state, tls.ca_pem)
        variables = dict(wcow_buildkit_url=url, wcow_buildkit_checksum='provenance')

        first = ansible.playbook(tmp_path, fleet.inventory_path, play(**variables))
        assert first.rc == 0, first.output
        assert first.task(HOST, INSTALL_TASK)['result']['archive_sha256'] == hashlib.sha256(data).hexdigest()
        assert buildkitd(host_state(fleet))['State'] == 'Running'
        second = ansible.playbook(tmp_path, fleet.inventory_path, play(**variables))
        assert second.rc == 0, second.output
        assert changed_tasks(second) == []

        fleet.reset_counters()
        mirrored = ansible.playbook(tmp_path, fleet.inventory_path, play(
            wcow_buildkit_mirror=release.url('v0.23.2'), wcow_buildkit_checksum='provenance'))
        assert mirrored.rc != 0
        assert 'Invalid option checksum: provenance would be read from the mirror too' in mirrored.output
        assert fleet.counters(HOST)['powershell_executions'] == 0
    finally:
        release.stop()


def test_a_tcp_listener_with_tls_gets_its_firewall_rule_and_the_handler_keeps_tls(
        ansible, start_fleet, artifact_server, tmp_path):
    fleet = host_with_containerd(start_fleet)
    certs = 'C:\\ProgramData\\buildkitd\\certs'
    with fleet.store(HOST).transaction() as state:
        files.ensure_dir(state, certs)
        for name in ('server.pem', 'server-key.pem', 'client-ca.pem'):
            files.write_bytes(state, certs + '\\' + name, b'-----BEGIN CERTIFICATE-----\n')
    tcp = dict(wcow_buildkit_extra_args=['--addr', 'npipe:////./pipe/buildkitd', '--addr', 'tcp://0.0.0.0:1234'],
               wcow_buildkit_tlscert=certs + '\\server.pem', wcow_buildkit_tlskey=certs + '\\server-key.pem',
               wcow_buildkit_tlscacert=certs + '\\client-ca.pem', wcow_buildkit_firewall_remote_addresses=['10.20.0.0/16'])
    url, checksum = publish(artifact_server, 'v0.23.2')
    first = ansible.playbook(tmp_path, fleet.inventory_path, play(wcow_buildkit_url=url, wcow_buildkit_checksum=checksum,
                                                                  **tcp))
    assert first.rc == 0, first.output
    rule, = firewall.get_rules(host_state(fleet), 'wcow.buildkit.*')
    assert (rule['name'], rule['local_ports'], rule['program']) == ('wcow.buildkit.buildkitd.tcp', ['1234'],
                                                                    INSTALL + '\\buildkitd.exe')
    assert rule['remote_addresses'] == ['10.20.0.0/255.255.0.0']

    # New binaries restart buildkitd through the handler, which passes the TLS options the TCP listener needs.
    url, checksum = publish(artifact_server, 'v0.24.0')
    upgrade = ansible.playbook(tmp_path, fleet.inventory_path, play(
        wcow_buildkit_version='v0.24.0', wcow_buildkit_url=url, wcow_buildkit_checksum=checksum, **tcp))
    assert upgrade.rc == 0, upgrade.output
    handler = upgrade.task(HOST, HANDLER)
    assert handler['status'] == 'ok' and handler['result']['actions'] == ['stopped', 'started']
    assert handler['result']['firewall_rule']['exists'] is True
    assert len(firewall.get_rules(host_state(fleet), 'wcow.buildkit.*')) == 1
