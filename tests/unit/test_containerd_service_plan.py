"""The service plan containerd_service builds (plugin_utils/_service/plan.py plan_service)."""

from __future__ import annotations

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.daemon_flags import CONTAINERD_FLAGS
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.model import ServiceConfig
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.plan import (
    ApplyOptions,
    WantedService,
    apply_params,
    check_start_type,
    plan_service,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.recovery import encode_failure_actions
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.registration import (
    REGISTER_SERVICE_RECOVERY,
    registered_image_path,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.versions import probed_version

BINARY = 'C:\\Program Files\\containerd\\bin\\containerd.exe'
FLAGS = ('--config', 'C:\\Program Files\\containerd\\config.toml', '--log-level', 'info')
REGISTERED = registered_image_path(BINARY, 'containerd', FLAGS)


def wanted(**changes):
    values = dict(name='containerd', binary=BINARY, arguments=FLAGS, start_type='auto', display_name='Containerd',
                  description='Container runtime', recovery=REGISTER_SERVICE_RECOVERY)
    values.update(changes)
    return ServiceConfig(**values)


def entry(image_path=REGISTERED, state='Running', start=2, delayed=False, display_name='Containerd',
          description='Container runtime', recovery=REGISTER_SERVICE_RECOVERY, exists=True, delete_pending=False):
    if not exists:
        return dict(name='containerd', exists=False, service_name='', image_path='', start=0, delayed_auto_start=False,
                    start_mode='', dependencies=[], object_name='', display_name='', description='',
                    failure_actions='', state='', process_id=0, exit_code=0, delete_pending=False, dependents=[])
    return dict(name='containerd', exists=True, service_name='containerd', image_path=image_path, start=start,
                delayed_auto_start=delayed, start_mode='Auto', dependencies=[], object_name='LocalSystem',
                display_name=display_name, description=description,
                failure_actions=encode_failure_actions(recovery) if recovery else '', state=state,
                process_id=4242 if state == 'Running' else 0, exit_code=0, delete_pending=delete_pending,
                dependents=[])


def plan(current, state='started', want=None, register_with='binary', restart=False, **options):
    """plan_service with the containerd flags; `options` are ApplyOptions fields."""
    service = WantedService(want or wanted(), CONTAINERD_FLAGS, register_with, ApplyOptions(**options))
    return plan_service(service, current, state, restart=restart)


def test_nothing_to_do_when_the_service_is_as_wanted():
    for state, running in (('started', 'Running'), ('stopped', 'Stopped')):
        result = plan(entry(state=running), state)
        assert not result.changed and result.params is None and result.changes == []


def test_flags_written_otherwise_are_the_same():
    other = ('"%s" --log-level=info -c="C:\\Program Files\\containerd\\config.toml" --service-name=containerd '
             '--run-service' % BINARY)
    assert not plan(entry(image_path=other)).changed


def test_a_missing_service_is_registered_by_containerd_itself_and_started():
    result = plan(entry(exists=False))
    assert result.changes == ['register the service', 'start the service']
    assert result.params == apply_params('containerd', create={
        'binary': BINARY, 'arguments': list(FLAGS), 'register_with': 'binary', 'display_name': 'Containerd'},
        state='started')
    assert result.after['command_line'] == REGISTERED and result.after['state'] == 'Running'


def test_a_second_instance_is_registered_with_sc_and_gets_the_recovery_actions():
    want = wanted(name='containerd-2', display_name='containerd-2')
    result = plan(entry(exists=False), want=want, register_with='sc')
    create = result.params['create']
    assert create['register_with'] == 'sc'
    assert create['arguments'] == ['--run-service', '--service-name', 'containerd-2'] + list(FLAGS)
    assert result.params['recovery'] == REGISTER_SERVICE_RECOVERY.to_params()
    assert result.params['description'] == 'Container runtime'


def test_registration_start_type_other_than_auto_is_set_after_registering():
    result = plan(entry(exists=False), want=wanted(start_type='delayed'))
    assert result.params['start_type'] == 'delayed' and 'create' in result.params


def test_a_changed_flag_rewrites_the_command_line_and_restarts_a_running_service():
    result = plan(entry(image_path=REGISTERED.replace('info', 'debug')))
    assert result.changes == ['set the command line', 'restart the service']
    assert result.params['image_path'] == REGISTERED and result.params['state'] == 'restarted'
    stopped = plan(entry(image_path=REGISTERED.replace('info', 'debug'), state='Stopped'))
    assert stopped.params['state'] == 'started'
    kept_stopped = plan(entry(image_path=REGISTERED.replace('info', 'debug'), state='Stopped'), 'stopped')
    assert kept_stopped.params['state'] is None and kept_stopped.params['image_path'] == REGISTERED


def test_a_missing_run_service_flag_is_drift():
    result = plan(entry(image_path=REGISTERED.replace('--run-service ', '')))
    assert result.params['image_path'] == REGISTERED


def test_another_binary_is_drift_but_not_its_case():
    assert not plan(entry(image_path=REGISTERED.replace('Program Files', 'PROGRAM FILES', 1))).changed
    assert plan(entry(image_path=REGISTERED.replace('containerd\\bin', 'containerd\\old'))).params['image_path']


def test_config_changed_restarts_only_a_running_service():
    assert plan(entry(), restart=True).params['state'] == 'restarted'
    assert plan(entry(state='Stopped'), restart=True).params['state'] == 'started'
    assert not plan(entry(state='Stopped'), 'stopped', restart=True).changed


def test_start_type_recovery_and_description_drift():
    result = plan(entry(start=3, recovery=None, description='by hand'))
    assert result.changes == ['set the start type', 'set the description', 'set the recovery']
    assert result.params['start_type'] == 'auto' and result.params['description'] == 'Container runtime'
    assert result.params['recovery'] == REGISTER_SERVICE_RECOVERY.to_params()
    assert result.params['state'] is None, 'configuration alone does not restart'
    assert plan(entry(delayed=True)).params['start_type'] == 'auto'


def test_restarted_always_restarts_and_stopped_stops():
    assert plan(entry(), 'restarted').params['state'] == 'restarted'
    assert plan(entry(), 'stopped').changes == ['stop the service']


def test_absent():
    result = plan(entry(), 'absent', stop_dependents=True)
    assert result.params == apply_params('containerd', delete=True, stop_dependents=True)
    assert result.after == {'exists': False}
    assert not plan(entry(exists=False), 'absent').changed


def test_a_service_marked_for_deletion_is_registered_again():
    result = plan(entry(delete_pending=True, state='Stopped'))
    assert 'create' in result.params and result.changes[0].startswith('register the service again')


def test_apply_params_are_complete_and_refuse_unknown_keys():
    params = apply_params('x', state='started')
    assert set(params) == {'name', 'delete', 'create', 'image_path', 'start_type', 'dependencies', 'display_name',
                           'description', 'recovery', 'state', 'stop_dependents', 'timeout_s', 'log_file',
                           'environment', 'firewall_rule'}
    with pytest.raises(TypeError):
        apply_params('x', colour='blue')


def test_disabled_cannot_start():
    with pytest.raises(InvalidArgument, match='^start_type: '):
        check_start_type('started', 'disabled')
    check_start_type('stopped', 'disabled')


def probe(**values):
    found = dict(path=BINARY, exists=True, exit_code=0, stdout='', stderr='', error='')
    found.update(values)
    return found


def test_probed_version():
    line = 'containerd github.com/containerd/containerd/v2 v2.1.4 75cb2b7193e4e490e9fbdc236c0e811ccaba3376\n'
    assert probed_version(probe(stdout=line)) == ('v2.1.4', None)
    assert 'does not exist' in probed_version(probe(exists=False))[1]
    assert 'Cannot run' in probed_version(probe(error='Cannot run it'))[1]
    assert "exited with 1 and printed 'Incorrect Usage'" in probed_version(probe(exit_code=1, stderr='Incorrect Usage'))[1]


# --- cases found by mutation testing (make mutation) ----------------------------------------------------------

@pytest.mark.parametrize('current', ['Start Pending', 'Paused', 'Continue Pending', 'Pause Pending'])
def test_a_service_that_is_not_stopped_is_stopped_when_state_is_stopped(current):
    result = plan(entry(state=current), 'stopped')
    assert result.params['state'] == 'stopped' and result.changes == ['stop the service']


def test_a_starting_service_is_not_started_again():
    assert plan(entry(state='Start Pending')).params is None


def test_an_sc_registration_sets_only_what_sc_create_does_not():
    from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.model import Recovery
    result = plan(entry(exists=False), register_with='sc', want=wanted(description='', recovery=Recovery(0, ())))
    assert result.changes == ['register the service', 'start the service']
    assert result.after == {'exists': True, 'name': 'containerd', 'command_line': result.after['command_line'],
                            'start_type': 'auto', 'state': 'Running'}


def test_the_view_after_a_settings_change_keeps_the_rest_as_it_is():
    manual = dict(entry(), start=3)
    result = plan(manual, want=wanted(start_type='manual', description='new'))
    assert result.changes == ['set the description']
    assert result.after['description'] == 'new' and result.after['start_type'] == result.before['start_type']
    assert result.after['exists'] is True and result.after['state'] == 'Running'


def test_defaults_no_restart_and_no_deletion():
    import dataclasses
    service = WantedService(wanted(), CONTAINERD_FLAGS)
    assert plan_service(service, entry(), 'started').params is None
    assert apply_params('containerd')['delete'] is False
    with pytest.raises(dataclasses.FrozenInstanceError):
        service.register_with = 'sc'
