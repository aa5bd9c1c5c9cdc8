"""buildkitd_service against a simulated Windows Server 2022: check, apply, again; drift by hand;
a failed re-registration; non-admin access through --group; the config file; bad input."""

from __future__ import annotations

import json
import os
import sys
import tomllib

import pytest

from wcow_winsim import run_powershell
from winsim.fleet import HostSpec
from winsim.programs import fake_binary
from winsim.programs import daemon_log
from winsim.transport import cmdline
from winsim.windows import accounts, files, ntfs, pipes, processes, scheduled_tasks, scm

sys.path[:0] = os.environ['ANSIBLE_COLLECTIONS_PATH'].split(os.pathsep)

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.runner import run_operation  # noqa: E402
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.recovery import (  # noqa: E402
    decode_failure_actions,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.registration import (  # noqa: E402
    REGISTER_SERVICE_RECOVERY,
    registered_image_path,
)

MODULE = 'wcow.buildkit.buildkitd_service'
HOST = 'ws2022'
CONTAINERD = 'C:\\Program Files\\containerd\\containerd.exe'
BUILDKITD = 'C:\\Program Files\\buildkit\\buildkitd.exe'
BUILDCTL = 'C:\\Program Files\\buildkit\\buildctl.exe'
CNI_BIN = 'C:\\Program Files\\containerd\\cni\\bin'
CNI_CONF = 'C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf'
LOG = 'C:\\ProgramData\\buildkitd\\buildkitd.log'
TOML = 'C:\\ProgramData\\buildkitd\\buildkitd.toml'
GROUP = 'buildkit-users'
# A first run writes an empty config (buildkitd always gets --config) in a folder it creates protected.
FIRST_RUN = ['write the config', 'create C:\\ProgramData\\buildkitd, protected',
             'create the data folder C:\\ProgramData\\buildkitd\\.buildstate', 'register the service']
ARGUMENTS = ['--log-file', LOG, '--config', TOML, '--containerd-worker-addr', '\\\\.\\pipe\\containerd-containerd',
             '--containerd-cni-config-path', CNI_CONF, '--containerd-cni-binary-dir', CNI_BIN, '--group', GROUP]


def prepared_host(start_fleet):
    """Server 2022 with containerd registered and running, buildkit's binaries, nat.exe and a CNI config,
    the group buildkit-users holding alice, and bob outside it."""
    fleet = start_fleet(HostSpec(HOST, 'ws2022', containers=True))
    with fleet.store(HOST).transaction() as state:
        for folder in ('C:\\Program Files\\containerd', 'C:\\Program Files\\buildkit', CNI_BIN,
                       'C:\\Program Files\\containerd\\cni\\conf'):
            files.ensure_dir(state, folder)
        files.write_bytes(state, CONTAINERD, fake_binary('containerd', 'v2.1.4'))
        files.write_bytes(state, BUILDKITD, fake_binary('buildkitd', 'v0.23.2'))
        files.write_bytes(state, BUILDCTL, fake_binary('buildctl', 'v0.23.2'))
        files.write_bytes(state, CNI_BIN + '\\nat.exe', fake_binary('cni-plugin', 'v0.3.1'))
        files.write_bytes(state, CNI_CONF, json.dumps({
            'cniVersion': '1.0.0', 'name': 'nat', 'type': 'nat',
            'ipam': {'subnet': '172.20.0.0/16', 'routes': [{'dst': '0.0.0.0/0', 'gw': '172.20.0.1'}]}}).encode())
        assert processes.run_program(state, CONTAINERD, ['--register-service']).exit_code == 0
        scm.start_service(state, 'containerd')
        accounts.create_group(state, GROUP)
        alice = accounts.create_user(state, 'alice')
        accounts.add_member(state, GROUP, alice.sid)
        # buildctl runs as them from a scheduled task: a batch logon (docs/windows-facts.md#scheduled-tasks).
        for user in (alice, accounts.create_user(state, 'bob')):
            scheduled_tasks.grant_right(state, 'SeBatchLogonRight', user.sid)
    return fleet


def run(ansible, fleet, tmp_path, args, check=False, diff=True):
    return ansible.module(tmp_path, fleet.inventory_path, MODULE, args, check=check, diff=diff).task(HOST, 'module')


def service(fleet, name='buildkitd'):
    return fleet.store(HOST).read().get('services', {}).get(name)


def executions(fleet):
    return fleet.counters(HOST)['powershell_executions']


class StoreConnection:
    """exec_command as the winrm connection offers it, ending in the host's state (no WinRM server)."""

    def __init__(self, store):
        self.store = store

    def exec_command(self, cmd, in_data=None, sudoable=True):
        done = cmdline.run_command_line(cmd, in_data or b'',
                                        lambda script, stdin: run_powershell(self.store, script, stdin))
        return done.rc, done.stdout, done.stderr


def buildctl_info(fleet, user):
    return run_operation(StoreConnection(fleet.store(HOST)), 'buildctl_debug_info',
                         {'buildctl_path': BUILDCTL, 'as_user': user, 'addr': None})


@pytest.mark.every_core
def test_register_check_apply_again(ansible, start_fleet, tmp_path):
    fleet = prepared_host(start_fleet)
    args = dict(groups=[GROUP])

    fleet.reset_counters()
    check = run(ansible, fleet, tmp_path, args, check=True)
    assert check['status'] == 'ok' and check['result']['changed'] is True, check
    assert check['result']['changes'] == FIRST_RUN
    assert check['result']['version'] == 'v0.23.2'
    assert check['result']['service']['state'] == 'Running'
    assert check['result']['diff'][0]['before'] == ''
    assert service(fleet) is None, 'check mode must not touch the host'
    assert files.lookup(fleet.store(HOST).read(), 'C:\\ProgramData\\buildkitd') is None
    assert executions(fleet) == 1

    fleet.reset_counters()
    applied = run(ansible, fleet, tmp_path, args)
    assert applied['status'] == 'ok' and applied['result']['changed'] is True, applied
    assert applied['result']['actions'] == ['registered', 'configured', 'started']
    assert executions(fleet) == 3, 'read, config and data folder, service'
    live = service(fleet)
    assert live['State'] == 'Running'
    assert live['ImagePath'] == registered_image_path(BUILDKITD, 'buildkitd', ARGUMENTS)
    assert applied['result']['command_line'] == live['ImagePath']
    assert live['DependOnService'] == ['containerd'] and live['Start'] == scm.START_AUTO
    assert (live['DisplayName'], live['Description']) == ('Buildkitd', 'Container image build engine')
    assert decode_failure_actions(live['FailureActions']) == REGISTER_SERVICE_RECOVERY
    assert live['Runtime']['network'] == 'cni'
    assert 'running server on //./pipe/buildkitd' in '\n'.join(daemon_log.read_lines(fleet.store(HOST).read(), LOG))
    assert applied['result']['service']['command_line'] == live['ImagePath']

    fleet.reset_counters()
    again = run(ansible, fleet, tmp_path, args)
    assert again['result']['changed'] is False and again['result']['actions'] == []
    assert executions(fleet) == 1
    assert service(fleet)['ProcessId'] == live['ProcessId']


@pytest.mark.every_core
def test_a_flag_changed_by_hand_is_found_in_check_mode_and_corrected(ansible, start_fleet, tmp_path):
    fleet = prepared_host(start_fleet)
    args = dict(groups=[GROUP])
    run(ansible, fleet, tmp_path, args)
    wanted = service(fleet)['ImagePath']
    with fleet.store(HOST).transaction() as state:
        state['services']['buildkitd']['ImagePath'] = wanted.replace('--group buildkit-users', '--debug')

    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changed'] is True
    assert check['changes'] == ['register the service again (its flags differ)']
    assert '--debug' in check['diff'][0]['before'] and '--debug' not in check['diff'][0]['after']
    assert '--group' not in service(fleet)['ImagePath'], 'check mode must not touch the host'

    fixed = run(ansible, fleet, tmp_path, args)['result']
    assert fixed['changed'] is True
    assert fixed['actions'] == ['stopped', 'deleted', 'registered', 'configured', 'started']
    live = service(fleet)
    assert live['ImagePath'] == wanted and live['State'] == 'Running' and live['DependOnService'] == ['containerd']
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False


def test_a_dependency_removed_by_hand_is_restored_in_place(ansible, start_fleet, tmp_path):
    fleet = prepared_host(start_fleet)
    run(ansible, fleet, tmp_path, {})
    registered = service(fleet)
    with fleet.store(HOST).transaction() as state:
        state['services']['buildkitd'].update(DependOnService=[], Description='', FailureActions='')

    check = run(ansible, fleet, tmp_path, {}, check=True)['result']
    assert check['changed'] is True
    assert check['changes'] == ['set the dependencies', 'set the description', 'set the recovery']
    assert service(fleet)['DependOnService'] == []

    fleet.reset_counters()
    fixed = run(ansible, fleet, tmp_path, {})['result']
    assert fixed['actions'] == ['configured', 'description set', 'recovery set']
    assert executions(fleet) == 2
    live = service(fleet)
    for key in ('DependOnService', 'Description', 'FailureActions', 'ImagePath'):
        assert live[key] == registered[key], key
    assert live['ProcessId'] == registered['ProcessId'], 'settings are changed without a restart'


def test_a_service_deleted_by_hand_is_registered_again(ansible, start_fleet, tmp_path):
    fleet = prepared_host(start_fleet)
    run(ansible, fleet, tmp_path, {})
    image_path = service(fleet)['ImagePath']
    with fleet.store(HOST).transaction() as state:
        scm.stop_service(state, 'buildkitd')
        scm.delete_service(state, 'buildkitd')

    check = run(ansible, fleet, tmp_path, {}, check=True)['result']
    assert check['changed'] is True and check['changes'] == ['register the service']
    assert service(fleet) is None

    fixed = run(ansible, fleet, tmp_path, {})['result']
    assert fixed['actions'] == ['registered', 'configured', 'started']
    live = service(fleet)
    assert live['ImagePath'] == image_path and live['State'] == 'Running'


def test_a_registration_failing_on_a_group_deleted_by_hand_puts_the_previous_one_back(ansible, start_fleet, tmp_path):
    fleet = prepared_host(start_fleet)
    with fleet.store(HOST).transaction() as state:
        accounts.create_group(state, 'team-b')
    run(ansible, fleet, tmp_path, dict(groups=[GROUP, 'team-b']))
    before = service(fleet)
    with fleet.store(HOST).transaction() as state:
        accounts.delete_group(state, 'team-b')

    failed = run(ansible, fleet, tmp_path, dict(groups=[GROUP, 'team-b'], debug=True))
    assert failed['status'] == 'failed'
    message = failed['result']['msg']
    assert "Registering service 'buildkitd'" in message
    assert 'failed to lookup sid for group team-b' in message
    assert message.endswith('create it first, for example with wcow.buildkit.win_local_group.')
    assert "The previous registration of service 'buildkitd' was restored." in message
    # The previous command line names team-b too: it cannot start any more, and the message says so.
    assert "Restoring the previous state of service 'buildkitd' failed too" in message
    after = service(fleet)
    for key in ('ImagePath', 'Start', 'DependOnService', 'ObjectName', 'DisplayName', 'Description', 'FailureActions'):
        assert after[key] == before[key], key


def test_a_start_failing_after_the_new_registration_puts_the_previous_one_back_running(ansible, start_fleet, tmp_path):
    fleet = prepared_host(start_fleet)
    run(ansible, fleet, tmp_path, {})
    before = service(fleet)

    failed = run(ansible, fleet, tmp_path, dict(cni_binary_dir='C:\\Program Files\\containerd\\cni\\missing'))
    assert failed['status'] == 'failed'
    message = failed['result']['msg']
    assert "Starting service 'buildkitd' failed" in message
    assert 'failed to read cni binary dir' in message, 'the log tail says why'
    assert "The previous registration of service 'buildkitd' was restored. Service 'buildkitd' is running again." \
        in message
    after = service(fleet)
    assert after['State'] == 'Running'
    for key in ('ImagePath', 'Start', 'DependOnService', 'DisplayName', 'Description', 'FailureActions'):
        assert after[key] == before[key], key
    assert run(ansible, fleet, tmp_path, {})['result']['changed'] is False


def test_a_group_member_can_use_buildctl_and_others_are_denied(ansible, start_fleet, tmp_path):
    fleet = prepared_host(start_fleet)
    before = buildctl_info(fleet, 'alice')
    assert before['exit_code'] == 1
    assert before['stderr'].rstrip().endswith('The system cannot find the file specified."'), 'no daemon yet'

    run(ansible, fleet, tmp_path, dict(groups=[GROUP]))
    member = buildctl_info(fleet, 'alice')
    assert member['exit_code'] == 0, member
    assert member['stdout'].startswith('BuildKit: github.com/moby/buildkit v0.23.2 ')
    outsider = buildctl_info(fleet, 'bob')
    assert outsider['exit_code'] == 1 and outsider['stderr'].rstrip().endswith('Access is denied."')
    assert buildctl_info(fleet, None)['exit_code'] == 0, 'Administrators always may'

    # Without --group only Administrators and SYSTEM may open the pipe.
    run(ansible, fleet, tmp_path, {})
    assert buildctl_info(fleet, 'alice')['stderr'].rstrip().endswith('Access is denied."')


def test_a_group_created_again_under_its_name_restarts_buildkitd(ansible, start_fleet, tmp_path):
    """buildkitd put the group's SID into its pipe's DACL when it started: a group deleted and created again (a new
    SID, the same flags) leaves its members denied until buildkitd restarts
    (docs/windows-facts.md#buildkitd-pipe-access-and-groups)."""
    fleet = prepared_host(start_fleet)
    args = dict(groups=[GROUP])
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is True
    assert buildctl_info(fleet, 'alice')['exit_code'] == 0
    with fleet.store(HOST).transaction() as state:
        old_sid = accounts.find_local(state, GROUP).sid
        accounts.delete_group(state, GROUP)
        new_sid = accounts.create_group(state, GROUP).sid
        accounts.add_member(state, GROUP, accounts.find_local(state, 'alice').sid)
    assert new_sid != old_sid
    assert buildctl_info(fleet, 'alice')['stderr'].rstrip().endswith('Access is denied."'), 'the pipe has the old SID'
    running = service(fleet)['Runtime']

    check = run(ansible, fleet, tmp_path, args, check=True)
    assert check['result']['changed'] is True, check
    assert check['result']['changes'] == [
        'restart buildkitd, whose pipe does not admit the group %s (%s): created again since buildkitd started'
        % (GROUP, new_sid), 'restart the service']
    assert service(fleet)['Runtime'] == running, 'check mode restarts nothing'

    applied = run(ansible, fleet, tmp_path, args)
    assert applied['result']['changed'] is True and applied['result']['actions'] == ['stopped', 'started'], applied
    assert buildctl_info(fleet, 'alice')['exit_code'] == 0, 'the restarted buildkitd admits the new group'
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False


@pytest.mark.parametrize('args, option', [
    (dict(extra_args=['--no-such-flag']), 'extra_args'),
    (dict(extra_args=['--group', 'x']), 'extra_args'),
    (dict(groups=['buildkit,users']), 'groups[0]'),
    (dict(groups=['ok', 'bad.']), 'groups[1]'),
    (dict(log_file='%ProgramData%\\buildkitd.log'), 'log_file'),
    (dict(cni_binary_dir='relative\\bin'), 'cni_binary_dir'),
    (dict(registry_mirrors={'docker.io': ['m.example']}), 'registry_mirrors'),
    (dict(manage_config=True, grpc_addresses=['unix:///x.sock']), 'grpc_addresses[0]'),
    (dict(gc=dict(max_used_space='10GB')), 'gc'),
    (dict(manage_config=True, gc=dict(policies=[dict(keep_duration='2 days')])), 'gc.policies[0].keep_duration'),
    (dict(manage_config=True, gc=dict(reserved_space=-1)), 'gc.reserved_space'),
    (dict(start_type='disabled'), 'start_type'),
    # No listener on the network without mutual TLS.
    (dict(manage_config=True, grpc_addresses=['npipe:////./pipe/buildkitd', 'tcp://0.0.0.0:1234']), 'tlscert'),
    (dict(extra_args=['--addr', 'tcp://0.0.0.0:1234']), 'tlscert'),
])
def test_bad_input_is_refused_before_the_host_is_touched(ansible, start_fleet, tmp_path, args, option):
    fleet = prepared_host(start_fleet)
    fleet.reset_counters()
    failed = run(ansible, fleet, tmp_path, args)
    assert failed['status'] == 'failed'
    assert failed['result']['msg'].startswith('Invalid option %s: ' % option), failed['result']['msg']
    assert executions(fleet) == 0


def test_unknown_flag_message_is_buildkitds(ansible, start_fleet, tmp_path):
    fleet = prepared_host(start_fleet)
    failed = run(ansible, fleet, tmp_path, dict(extra_args=['--containerd-worker-gc-keepstorage=1', '--nope']))
    assert 'flag provided but not defined: -nope' in failed['result']['msg']


def test_config_file_check_apply_again_and_drift(ansible, start_fleet, tmp_path):
    fleet = prepared_host(start_fleet)
    args = dict(groups=[GROUP], manage_config=True, network_mode='cni',
                registry_mirrors={'docker.io': ['mirror.example.com:5000']},
                gc=dict(reserved_space='10GB',
                        policies=[dict(filters=['type==exec.cachemount'], keep_duration='48h', max_used_space='512MB')]))

    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changed'] is True and check['changes'] == FIRST_RUN
    assert check['config_path'] == TOML and '--config' in check['arguments']
    assert any('[[worker.containerd.gcpolicy]]' in d['after'] for d in check['diff']) and 'keepDuration = "48h"' in check['config']
    assert not files.is_file(fleet.store(HOST).read(), TOML)

    fleet.reset_counters()
    applied = run(ansible, fleet, tmp_path, args)['result']
    assert applied['changed'] is True and applied['config_changed'] is True
    assert executions(fleet) == 3, 'read, config and data folder, service'
    state = fleet.store(HOST).read()
    written = tomllib.loads(files.read_bytes(state, TOML).decode())
    assert written['registry'] == {'docker.io': {'mirrors': ['mirror.example.com:5000']}}
    assert written['worker']['containerd']['networkMode'] == 'cni'
    assert written['worker']['containerd']['reservedSpace'] == '10GB'
    assert written['worker']['containerd']['gcpolicy'] == [
        {'filters': ['type==exec.cachemount'], 'keepDuration': '48h', 'maxUsedSpace': '512MB'}]
    assert service(fleet)['ImagePath'] == registered_image_path(BUILDKITD, 'buildkitd', applied['arguments'])
    assert applied['arguments'][2:4] == ['--config', TOML]
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False

    # Formatting by hand is no change; a value changed by hand is put back with a restart, not a new registration.
    with fleet.store(HOST).transaction() as state:
        text = files.read_bytes(state, TOML).decode()
        files.write_bytes(state, TOML, ('# edited\n' + text.replace('  ', '')).encode())
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False
    pid = service(fleet)['ProcessId']
    with fleet.store(HOST).transaction() as state:
        files.write_bytes(state, TOML, files.read_bytes(state, TOML).replace(b'"cni"', b'"auto"'))
    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changes'] == ['write the config', 'restart the service']
    assert b'"auto"' in files.read_bytes(fleet.store(HOST).read(), TOML)
    fixed = run(ansible, fleet, tmp_path, args)['result']
    assert fixed['actions'] == ['stopped', 'started']
    assert b'"cni"' in files.read_bytes(fleet.store(HOST).read(), TOML)
    assert service(fleet)['ProcessId'] != pid


def test_missing_containerd_fails_before_anything_changes(ansible, start_fleet, tmp_path):
    fleet = prepared_host(start_fleet)
    with fleet.store(HOST).transaction() as state:
        scm.stop_service(state, 'containerd')
        scm.delete_service(state, 'containerd')
    check = run(ansible, fleet, tmp_path, {}, check=True)
    assert check['status'] == 'ok' and check['result']['changed'] is True
    assert any("service 'containerd' does not exist" in w for w in check['result']['warnings'])

    fleet.reset_counters()
    failed = run(ansible, fleet, tmp_path, {})
    assert failed['status'] == 'failed'
    assert failed['result']['msg'].startswith("dependencies: service 'containerd' does not exist")
    assert executions(fleet) == 1 and service(fleet) is None


def test_missing_binary_is_a_warning_in_check_mode_and_a_failure_otherwise(ansible, start_fleet, tmp_path):
    fleet = prepared_host(start_fleet)
    args = dict(binary='C:\\Program Files\\buildkit\\v2\\buildkitd.exe')
    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changed'] is True and check['version'] is None
    assert any('does not exist; in check mode' in w for w in check['warnings'])
    failed = run(ansible, fleet, tmp_path, args)
    assert failed['status'] == 'failed'
    assert failed['result']['msg'] == ('binary: C:\\Program Files\\buildkit\\v2\\buildkitd.exe does not exist. '
                                       'Nothing was changed.')
    assert service(fleet) is None


def test_stopped_restarted_and_absent(ansible, start_fleet, tmp_path):
    fleet = prepared_host(start_fleet)
    run(ansible, fleet, tmp_path, {})
    stopped = run(ansible, fleet, tmp_path, dict(state='stopped'))['result']
    assert stopped['changed'] is True and stopped['actions'] == ['stopped']
    assert service(fleet)['State'] == 'Stopped'
    assert run(ansible, fleet, tmp_path, dict(state='stopped'))['result']['changed'] is False

    started = run(ansible, fleet, tmp_path, {})['result']
    assert started['actions'] == ['started'] and service(fleet)['State'] == 'Running'
    pid = service(fleet)['ProcessId']
    restarted = run(ansible, fleet, tmp_path, dict(state='restarted'))['result']
    assert restarted['changed'] is True and restarted['actions'] == ['stopped', 'started']
    assert service(fleet)['ProcessId'] != pid

    check = run(ansible, fleet, tmp_path, dict(state='absent'), check=True)['result']
    assert check['changed'] is True and service(fleet) is not None
    removed = run(ansible, fleet, tmp_path, dict(state='absent'))['result']
    assert removed['changed'] is True and service(fleet) is None
    assert files.is_file(fleet.store(HOST).read(), LOG), 'the log is kept'
    assert service(fleet, 'containerd')['State'] == 'Running'
    assert run(ansible, fleet, tmp_path, dict(state='absent'))['result']['changed'] is False


def test_a_user_cannot_plant_a_config_after_the_module_ran_and_a_loosened_dacl_is_drift(
        ansible, start_fleet, tmp_path):
    """docs/windows-facts.md#protected-dacls: Users may create folders and files under C:\\ProgramData, and
    buildkitd reads its default config at startup whatever --config says."""
    fleet = prepared_host(start_fleet)
    with fleet.store(HOST).transaction() as state:
        bob = accounts.lookup_account_name(state, 'bob')
        token = pipes.token_sids(state, bob)
        # Before: bob creates the folder and drops a config, as any signed-in user can.
        files.ensure_dir(state, 'C:\\ProgramData\\buildkitd')
        state['files']['C:\\ProgramData\\buildkitd']['sddl'] = 'O:%sD:' % bob.sid
        files.write_as(state, TOML, b'[grpc]\naddress = ["tcp://0.0.0.0:1234"]\n', bob.sid, token)

    check = run(ansible, fleet, tmp_path, {}, check=True)['result']
    assert check['changed'] is True
    assert any(change.startswith('protect C:\\ProgramData\\buildkitd (owned by %s' % bob.sid)
               for change in check['changes']), check['changes']
    assert any(change.startswith('protect %s (owned by' % TOML) for change in check['changes']), check['changes']
    permissions = next(entry for entry in check['diff'] if entry['before_header'] == 'permissions')
    assert 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)' in permissions['after']
    assert bob.sid in permissions['before']
    state = fleet.store(HOST).read()
    assert bob.sid in state['files']['C:\\ProgramData\\buildkitd']['sddl'], 'check mode changes nothing'

    applied = run(ansible, fleet, tmp_path, {})['result']
    assert applied['changed'] is True and applied['arguments'][2:4] == ['--config', TOML]
    with fleet.store(HOST).transaction() as state:
        for path in (TOML, 'C:\\ProgramData\\buildkitd\\other.toml'):
            with pytest.raises(files.WindowsIOError):
                files.write_as(state, path, b'[grpc]\n', bob.sid, token)
    assert run(ansible, fleet, tmp_path, {})['result']['changed'] is False

    # Loosened by hand: Users may modify the folder again.
    with fleet.store(HOST).transaction() as state:
        state['files']['C:\\ProgramData\\buildkitd']['sddl'] += '(A;OICI;0x1301bf;;;BU)'
        files.write_as(state, 'C:\\ProgramData\\buildkitd\\planted.toml', b'x', bob.sid, token)
    check = run(ansible, fleet, tmp_path, {}, check=True)['result']
    assert check['changes'] == ['protect C:\\ProgramData\\buildkitd (BUILTIN\\Users may write)'], check['changes']
    fixed = run(ansible, fleet, tmp_path, {})['result']
    assert fixed['changed'] is True and fixed['actions'] == [], 'no restart for a DACL'
    with fleet.store(HOST).transaction() as state:
        with pytest.raises(files.WindowsIOError):
            files.write_as(state, TOML, b'[grpc]\n', bob.sid, token)
    assert run(ansible, fleet, tmp_path, {})['result']['changed'] is False


def test_the_log_folder_and_a_data_root_outside_programdata_are_protected(ansible, start_fleet, tmp_path):
    """docs/windows-facts.md#daemon-folders: buildkitd creates its root inheriting (os.MkdirAll) and does not
    create the log's folder; a folder made in C:\\ lets Authenticated Users modify what it holds."""
    fleet = prepared_host(start_fleet)
    root, logs = 'C:\\bkroot', 'C:\\bklogs'
    args = dict(extra_args=['--root', root], log_file=logs + '\\buildkitd.log')
    with fleet.store(HOST).transaction() as state:
        bob = accounts.lookup_account_name(state, 'bob')
        token = pipes.token_sids(state, bob)
        files.ensure_dir(state, root)
        files.write_as(state, root + '\\planted', b'x', bob.sid, token)

    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert 'create %s, protected' % logs in check['changes'], check['changes']
    assert any(change.startswith('protect %s (' % root) and 'Authenticated Users may write' in change
               for change in check['changes']), check['changes']
    permissions = next(entry for entry in check['diff'] if entry['before_header'] == 'permissions')
    assert '%s: (missing)' % logs in permissions['before']
    assert '%s: O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)\n' % root in permissions['after']
    assert files.lookup(fleet.store(HOST).read(), logs) is None, 'check mode changes nothing'

    applied = run(ansible, fleet, tmp_path, args)['result']
    assert applied['changed'] is True and service(fleet)['State'] == 'Running'
    with fleet.store(HOST).transaction() as state:
        for path in (root + '\\other', logs + '\\buildkitd.log', logs + '\\other.log'):
            with pytest.raises(files.WindowsIOError):
                files.write_as(state, path, b'x', bob.sid, token)
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False


def test_a_missing_data_root_is_created_protected_before_buildkitd_first_starts(ansible, start_fleet, tmp_path):
    fleet = prepared_host(start_fleet)
    root = 'C:\\buildkit-data'
    args = dict(extra_args=['--root', root])
    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert 'create %s, protected' % root in check['changes'], check['changes']
    assert files.lookup(fleet.store(HOST).read(), root) is None

    applied = run(ansible, fleet, tmp_path, args)['result']
    assert applied['changed'] is True and service(fleet)['State'] == 'Running'
    with fleet.store(HOST).transaction() as state:
        assert ntfs.render(ntfs.descriptor(state, root)) == 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)'
        bob = accounts.lookup_account_name(state, 'bob')
        with pytest.raises(files.WindowsIOError):
            files.write_as(state, root + '\\planted', b'x', bob.sid, pipes.token_sids(state, bob))
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False
