"""containerd_service against a simulated Windows Server 2022: check, apply, again; drift; refusals."""

from __future__ import annotations

import tomllib

import pytest

from winsim.fleet import HostSpec
from winsim.programs import fake_binary
from winsim.windows import accounts, files, pipes, scm

MODULE = 'wcow.buildkit.containerd_service'
HOST = 'ws2022'
BINARY = 'C:\\Program Files\\containerd\\bin\\containerd.exe'
CONFIG = 'C:\\Program Files\\containerd\\config.toml'
LOG = 'C:\\ProgramData\\containerd\\containerd.log'
ARGS = dict(version='2.1.4', log_file=LOG, log_level='info')
REGISTERED = ('"C:\\Program Files\\containerd\\bin\\containerd.exe" --run-service --service-name containerd '
              '--config "C:\\Program Files\\containerd\\config.toml" --log-file C:\\ProgramData\\containerd\\containerd.log '
              '--log-level info')


def host_with_containerd(start_fleet, version='v2.1.4'):
    fleet = start_fleet(HostSpec(HOST, 'ws2022', containers=True))
    with fleet.store(HOST).transaction() as state:
        files.ensure_dir(state, 'C:\\Program Files\\containerd\\bin')
        files.write_bytes(state, BINARY, fake_binary('containerd', version))
    return fleet


def run(ansible, fleet, tmp_path, args, check=False, diff=True):
    return ansible.module(tmp_path, fleet.inventory_path, MODULE, args, check=check, diff=diff).task(HOST, 'module')


def service(fleet, name='containerd'):
    state = fleet.store(HOST).read()
    key = scm.find(state, name)
    return None if key is None else state['services'][key]


def config_text(fleet):
    state = fleet.store(HOST).read()
    return files.read_bytes(state, CONFIG).decode('utf-8') if files.is_file(state, CONFIG) else None


def executions(fleet):
    return fleet.counters(HOST)['powershell_executions']


@pytest.mark.every_core
def test_register_and_start_check_apply_again(ansible, start_fleet, tmp_path):
    fleet = host_with_containerd(start_fleet)

    fleet.reset_counters()
    check = run(ansible, fleet, tmp_path, ARGS, check=True)
    assert check['status'] == 'ok', check
    result = check['result']
    assert result['changed'] is True
    # The install folder inherits (the simulator's C:\\ lets Authenticated Users modify what is below it); the
    # log's folder is created protected; the root and state are created protected and recorded as the collection's.
    assert result['changes'] == ['write the config', "protect C:\\Program Files\\containerd (inherits its parent "
                                 "folder's permissions; Authenticated Users may write)",
                                 'create C:\\ProgramData\\containerd, protected',
                                 'create the data folder C:\\ProgramData\\containerd\\root',
                                 'create the data folder C:\\ProgramData\\containerd\\state', 'register the service',
                                 'start the service']
    assert result['command_line'] == REGISTERED
    assert result['version'] == 'v2.1.4'
    assert [d['before_header'] for d in result['diff']] == ['service containerd', CONFIG, 'permissions']
    assert 'command_line: ' + REGISTERED in result['diff'][0]['after']
    assert 'state: Running' in result['diff'][0]['after'] and result['diff'][0]['before'] == ''
    assert "bin_dirs = ['C:\\Program Files\\containerd\\cni\\bin']" in result['diff'][1]['after']
    assert service(fleet) is None and config_text(fleet) is None, 'check mode must not touch the host'
    assert executions(fleet) == 1, 'check mode reads once'

    fleet.reset_counters()
    applied = run(ansible, fleet, tmp_path, ARGS)
    assert applied['status'] == 'ok', applied
    assert applied['result']['changed'] is True
    assert applied['result']['actions'] == ['registered', 'started']
    assert executions(fleet) == 3, 'read, config write with the data folders, service change'
    roots = fleet.store(HOST).read()['registry_keys']['HKEY_LOCAL_MACHINE\\SOFTWARE\\wcow.buildkit\\DataRoots']
    assert sorted(roots) == ['C:\\ProgramData\\containerd\\root', 'C:\\ProgramData\\containerd\\state'], \
        'the data folders are created, and recorded, before containerd first starts'
    live = service(fleet)
    assert live['ImagePath'] == REGISTERED
    assert live['State'] == 'Running' and live['Start'] == scm.START_AUTO
    assert live['DisplayName'] == 'Containerd' and live['Description'] == 'Container runtime'
    assert live['FailureActions'] == scm.encode_failure_actions(86400, [(1, 15000), (1, 15000), (0, 0)])
    config = tomllib.loads(config_text(fleet))
    assert config['version'] == 3
    assert config['root'] == 'C:\\ProgramData\\containerd\\root'
    assert config['grpc'] == {'address': '\\\\.\\pipe\\containerd-containerd'}
    assert config['plugins']['io.containerd.cri.v1.runtime']['cni'] == {
        'bin_dirs': ['C:\\Program Files\\containerd\\cni\\bin'], 'conf_dir': 'C:\\Program Files\\containerd\\cni\\conf'}
    assert applied['result']['service']['state'] == 'Running'
    state = fleet.store(HOST).read()
    assert any('containerd successfully booted' in line for line in
               files.read_bytes(state, LOG).decode().splitlines()), 'the daemon logs to --log-file'
    assert state['files']['C:\\ProgramData\\containerd']['sddl'] == 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)'
    # Created protected by the module (data_root_apply), before containerd would create it (GA for FA).
    assert state['files']['C:\\ProgramData\\containerd\\state']['sddl'] == 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)'

    fleet.reset_counters()
    again = run(ansible, fleet, tmp_path, ARGS)
    assert again['result']['changed'] is False, again['result']
    assert again['result']['changes'] == [] and again['result']['actions'] == []
    assert executions(fleet) == 1
    assert service(fleet)['ProcessId'] == live['ProcessId'], 'an unchanged service is not restarted'


def set_image_path(fleet, image_path):
    with fleet.store(HOST).transaction() as state:
        scm.change_config(state, 'containerd', image_path=image_path)


@pytest.mark.every_core
def test_flag_changed_by_hand_is_found_in_check_mode_and_corrected(ansible, start_fleet, tmp_path):
    fleet = host_with_containerd(start_fleet)
    run(ansible, fleet, tmp_path, ARGS)
    first_pid = service(fleet)['ProcessId']
    by_hand = REGISTERED.replace('--log-level info', '--log-level=debug')
    set_image_path(fleet, by_hand)

    check = run(ansible, fleet, tmp_path, ARGS, check=True)['result']
    assert check['changed'] is True
    assert check['changes'] == ['set the command line', 'restart the service']
    assert 'command_line: ' + by_hand in check['diff'][0]['before']
    assert 'command_line: ' + REGISTERED in check['diff'][0]['after']
    assert len(check['diff']) == 1, 'the config is unchanged'
    assert service(fleet)['ImagePath'] == by_hand and service(fleet)['ProcessId'] == first_pid

    fleet.reset_counters()
    fixed = run(ansible, fleet, tmp_path, ARGS)['result']
    assert fixed['changed'] is True
    assert fixed['actions'] == ['command line set', 'stopped', 'started']
    assert executions(fleet) == 2, 'read and service change: the config is not written'
    live = service(fleet)
    assert live['ImagePath'] == REGISTERED
    assert live['State'] == 'Running' and live['ProcessId'] != first_pid, 'restarted on the corrected command line'

    assert run(ansible, fleet, tmp_path, ARGS)['result']['changed'] is False


def test_same_flags_written_otherwise_are_no_drift(ansible, start_fleet, tmp_path):
    fleet = host_with_containerd(start_fleet)
    run(ansible, fleet, tmp_path, ARGS)
    # Go's flag package reads `--flag=value` as `--flag value`, `-flag` as `--flag`, in any order.
    set_image_path(fleet, '"C:\\Program Files\\containerd\\bin\\containerd.exe" --run-service --service-name=containerd '
                          '-log-level=info --log-file=C:\\ProgramData\\containerd\\containerd.log '
                          '-c "C:\\Program Files\\containerd\\config.toml"')
    assert run(ansible, fleet, tmp_path, ARGS, check=True)['result']['changed'] is False


def test_service_deleted_by_hand_is_registered_again(ansible, start_fleet, tmp_path):
    fleet = host_with_containerd(start_fleet)
    run(ansible, fleet, tmp_path, ARGS)
    with fleet.store(HOST).transaction() as state:
        scm.stop_service(state, 'containerd')
        scm.delete_service(state, 'containerd')
    assert service(fleet) is None

    check = run(ansible, fleet, tmp_path, ARGS, check=True)['result']
    assert check['changed'] is True and check['changes'] == ['register the service', 'start the service']
    assert service(fleet) is None

    recreated = run(ansible, fleet, tmp_path, ARGS)['result']
    assert recreated['actions'] == ['registered', 'started']
    assert service(fleet)['ImagePath'] == REGISTERED and service(fleet)['State'] == 'Running'
    assert run(ansible, fleet, tmp_path, ARGS)['result']['changed'] is False


def test_config_edited_by_hand_is_restored_and_the_service_restarted(ansible, start_fleet, tmp_path):
    fleet = host_with_containerd(start_fleet)
    run(ansible, fleet, tmp_path, ARGS)
    written, pid = config_text(fleet), service(fleet)['ProcessId']

    # Formatting and comments are not drift: the file is compared as TOML.
    reformatted = '# edited by hand\n' + written.replace('version = 3', 'version=3  # layout')
    with fleet.store(HOST).transaction() as state:
        files.write_bytes(state, CONFIG, reformatted.encode())
    assert run(ansible, fleet, tmp_path, ARGS, check=True)['result']['changed'] is False

    edited = written.replace('containerd\\root', 'containerd\\elsewhere')
    with fleet.store(HOST).transaction() as state:
        files.write_bytes(state, CONFIG, edited.encode())
    check = run(ansible, fleet, tmp_path, ARGS, check=True)['result']
    assert check['changed'] is True and check['changes'] == ['write the config', 'restart the service']
    assert check['diff'][-1]['before'] == edited and check['diff'][-1]['after'] == written
    assert check['diff'][0]['after'] == check['diff'][0]['before'] + 'restart: true\n'
    assert config_text(fleet) == edited and service(fleet)['ProcessId'] == pid

    restored = run(ansible, fleet, tmp_path, ARGS)['result']
    assert restored['changed'] is True and restored['actions'] == ['stopped', 'started']
    assert config_text(fleet) == written
    assert service(fleet)['State'] == 'Running' and service(fleet)['ProcessId'] != pid
    assert service(fleet)['Runtime']['root'] == 'C:\\ProgramData\\containerd\\root', 'runs with the restored config'
    assert run(ansible, fleet, tmp_path, ARGS)['result']['changed'] is False


def test_containerd_1_6_is_refused_and_nothing_changes(ansible, start_fleet, tmp_path):
    fleet = host_with_containerd(start_fleet, version='v1.6.24')
    before = fleet.store(HOST).read()
    fleet.reset_counters()
    failed = run(ansible, fleet, tmp_path, dict(log_level='info'))
    assert failed['status'] == 'failed'
    message = failed['result']['msg']
    assert 'containerd v1.6.24 is older than 1.7.7' in message
    assert 'moby/buildkit#4826' in message and 'nothing was changed' in message
    assert executions(fleet) == 1, 'only the read ran'
    after = fleet.store(HOST).read()
    assert after['services'] == before['services'] and after['files'] == before['files']


def test_containerd_1_7_is_accepted_with_the_version_2_config(ansible, start_fleet, tmp_path):
    fleet = host_with_containerd(start_fleet, version='v1.7.28')
    result = run(ansible, fleet, tmp_path, dict(version='1.7.28'))
    assert result['status'] == 'ok', result
    config = tomllib.loads(config_text(fleet))
    assert config['version'] == 2
    assert config['plugins']['io.containerd.grpc.v1.cri']['cni']['bin_dir'] == 'C:\\Program Files\\containerd\\cni\\bin'
    assert service(fleet)['State'] == 'Running'


@pytest.mark.parametrize('args, option', [
    (dict(extra_args=['--no-such-flag']), 'extra_args'),
    (dict(extra_args=['--config=C:\\other.toml']), 'extra_args'),
    (dict(log_level='verbose'), 'log_level'),
    (dict(start_type='sometimes'), 'start_type'),
    (dict(start_type='disabled', state='started'), 'start_type'),
    (dict(version='1.6.9'), 'version'),
    (dict(min_version='1.6.0'), 'min_version'),
    (dict(config_path='%ProgramFiles%\\containerd\\config.toml'), 'config_path'),
    (dict(config=dict(grpc_address='C:\\pipe')), 'config.grpc_address'),
    # The suboptions have defaults in the argument spec: a null is refused, as for every option with a default.
    (dict(config=dict(root=None)), 'root'),
    (dict(config_extra=dict(grpc=dict(address='\\\\.\\pipe\\other'))), 'config_extra'),
])
def test_bad_input_is_refused_before_the_host(ansible, start_fleet, tmp_path, args, option):
    fleet = host_with_containerd(start_fleet)
    fleet.reset_counters()
    failed = run(ansible, fleet, tmp_path, args)
    assert failed['status'] == 'failed'
    assert option in failed['result']['msg']
    assert executions(fleet) == 0


def test_stopped_then_absent(ansible, start_fleet, tmp_path):
    fleet = host_with_containerd(start_fleet)
    run(ansible, fleet, tmp_path, ARGS)

    stopped = dict(ARGS, state='stopped')
    check = run(ansible, fleet, tmp_path, stopped, check=True)['result']
    assert check['changed'] is True and check['changes'] == ['stop the service']
    assert service(fleet)['State'] == 'Running'
    assert run(ansible, fleet, tmp_path, stopped)['result']['actions'] == ['stopped']
    assert service(fleet)['State'] == 'Stopped'
    assert run(ansible, fleet, tmp_path, stopped)['result']['changed'] is False

    absent = dict(state='absent', remove_config=False)
    check = run(ansible, fleet, tmp_path, absent, check=True)['result']
    assert check['changed'] is True and service(fleet) is not None
    assert run(ansible, fleet, tmp_path, absent)['result']['actions'] == ['deleted']
    assert service(fleet) is None
    assert config_text(fleet) is not None, 'with remove_config=false the config file is left in place'
    assert run(ansible, fleet, tmp_path, absent)['result']['changed'] is False


def test_restart_for_a_new_config_stops_and_starts_a_dependent_buildkitd(ansible, start_fleet, tmp_path):
    fleet = host_with_containerd(start_fleet)
    run(ansible, fleet, tmp_path, ARGS)
    buildkitd = 'C:\\Program Files\\buildkit\\buildkitd.exe'
    with fleet.store(HOST).transaction() as state:
        files.ensure_dir(state, 'C:\\Program Files\\buildkit')
        files.write_bytes(state, buildkitd, fake_binary('buildkitd', 'v0.23.2'))
        scm.create_service(state, 'buildkitd', '"%s" --run-service --service-name buildkitd' % buildkitd,
                           start=scm.START_AUTO, display_name='Buildkitd', dependencies=['containerd'])
        scm.start_service(state, 'buildkitd')
    buildkitd_pid = service(fleet, 'buildkitd')['ProcessId']

    changed = dict(ARGS, config_extra=dict(debug=dict(level='info')))
    result = run(ansible, fleet, tmp_path, changed)['result']
    assert result['actions'] == ['stopped', 'started', 'started dependent buildkitd']
    assert service(fleet, 'buildkitd')['State'] == 'Running'
    assert service(fleet, 'buildkitd')['ProcessId'] != buildkitd_pid

    refused = run(ansible, fleet, tmp_path, dict(changed, state='restarted', stop_dependents=False))
    assert refused['status'] == 'failed'
    assert 'because it has dependent services' in refused['result']['msg']
    assert service(fleet, 'buildkitd')['State'] == 'Running' and service(fleet)['State'] == 'Running'


def test_a_user_cannot_write_containerd_folders_after_the_module_ran_and_a_loosened_dacl_is_drift(
        ansible, start_fleet, tmp_path):
    """docs/windows-facts.md#daemon-folders: the config's folder, the log's folder, the root and the state are
    writable by SYSTEM and Administrators alone; the install folder keeps Users' read and execute."""
    fleet = host_with_containerd(start_fleet)
    install, data = 'C:\\Program Files\\containerd', 'C:\\ProgramData\\containerd'
    with fleet.store(HOST).transaction() as state:
        bob = accounts.create_user(state, 'bob')
        token = pipes.token_sids(state, bob)
        # Before: Users may modify the install folder (loosened by hand), and bob made containerd's data folder,
        # as any signed-in user may in C:\\ProgramData.
        state['files'][install]['sddl'] = 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1301bf;;;BU)'
        files.ensure_dir(state, data)
        state['files'][data]['sddl'] = 'O:%sD:' % bob.sid
        for path in (install + '\\planted.toml', data + '\\planted.txt'):
            files.write_as(state, path, b'x', bob.sid, token)

    check = run(ansible, fleet, tmp_path, ARGS, check=True)['result']
    assert check['changed'] is True
    assert 'protect %s (BUILTIN\\Users may write)' % install in check['changes'], check['changes']
    assert any(change.startswith('protect %s (owned by %s' % (data, bob.sid)) for change in check['changes'])
    permissions = next(entry for entry in check['diff'] if entry['before_header'] == 'permissions')
    assert '%s: O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)' % install in permissions['after']
    assert '%s: O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)\n' % data in permissions['after']
    assert bob.sid in permissions['before']
    assert bob.sid in fleet.store(HOST).read()['files'][data]['sddl'], 'check mode changes nothing'

    applied = run(ansible, fleet, tmp_path, ARGS)['result']
    assert applied['changed'] is True and applied['actions'] == ['registered', 'started']
    with fleet.store(HOST).transaction() as state:
        for path in (CONFIG, install + '\\other.toml', data + '\\other.txt', LOG,
                     data + '\\root\\planted', data + '\\state\\planted'):
            with pytest.raises(files.WindowsIOError):
                files.write_as(state, path, b'x', bob.sid, token)
        assert state['files'][data + '\\root']['sddl'].startswith('O:BAD:P('), 'containerd made it protected'
    assert run(ansible, fleet, tmp_path, ARGS)['result']['changed'] is False

    # Loosened by hand: Users may modify the root again. Only the root is sent (a new DACL is propagated
    # through everything below it).
    root = data + '\\root'
    with fleet.store(HOST).transaction() as state:
        state['files'][root]['sddl'] += '(A;OICI;0x1301bf;;;BU)'
        files.write_as(state, root + '\\planted', b'x', bob.sid, token)
    check = run(ansible, fleet, tmp_path, ARGS, check=True)['result']
    assert check['changes'] == ['protect %s (BUILTIN\\Users may write)' % root], check['changes']
    permissions, = check['diff']
    assert permissions['before'].startswith(root + ': ') and '0x1301bf;;;BU)' in permissions['before']
    fixed = run(ansible, fleet, tmp_path, ARGS)['result']
    assert fixed['changed'] is True and fixed['actions'] == [], 'no restart for a DACL'
    with fleet.store(HOST).transaction() as state:
        with pytest.raises(files.WindowsIOError):
            files.write_as(state, root + '\\other', b'x', bob.sid, token)
    assert run(ansible, fleet, tmp_path, ARGS)['result']['changed'] is False
