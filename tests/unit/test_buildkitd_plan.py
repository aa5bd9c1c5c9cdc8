"""plugin_utils/_daemons/buildkitd_plan.py: the one service_apply a buildkitd_service task needs."""

import dataclasses

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons.buildkitd_plan import WantedBuildkitd, plan
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.recovery import encode_failure_actions
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.registration import (
    REGISTER_SERVICE_RECOVERY,
    registered_image_path,
)

BINARY = 'C:\\Program Files\\buildkit\\buildkitd.exe'
ARGS = ('--log-file', 'C:\\ProgramData\\buildkitd\\buildkitd.log', '--group', 'buildkit-users')


def entry(arguments=ARGS, binary=BINARY, state='Running', dependencies=('containerd',), start=2,
          display='Buildkitd', description='Container image build engine', recovery=REGISTER_SERVICE_RECOVERY,
          account='LocalSystem', delete_pending=False, image_path=None):
    """A service_read entry of a service registered as --register-service does."""
    return dict(name='buildkitd', exists=True, service_name='buildkitd',
                image_path=image_path or registered_image_path(binary, 'buildkitd', arguments), start=start,
                delayed_auto_start=False, start_mode='Auto', dependencies=list(dependencies), object_name=account,
                display_name=display, description=description,
                failure_actions=encode_failure_actions(recovery) if recovery else '', state=state,
                process_id=4242 if state == 'Running' else 0, exit_code=0, delete_pending=delete_pending,
                dependents=[])


ABSENT = dict(entry(), exists=False, service_name='', image_path='', dependencies=[], failure_actions='', state='')


def make(service, state='started', config_changed=False, **changes):
    values = dict(name='buildkitd', binary=BINARY, arguments=ARGS, start_type='auto', dependencies=('containerd',),
                  log_file='C:\\ProgramData\\buildkitd\\buildkitd.log', timeout_s=90)
    values.update(changes)
    return plan(WantedBuildkitd(**values), service, state, config_changed=config_changed)


def test_a_registered_running_service_as_wanted_needs_nothing():
    found = make(entry())
    assert found.params is None and found.changes == [] and found.after == found.before


def test_an_absent_service_is_registered_depending_on_containerd_and_started():
    found = make(ABSENT)
    assert found.changes == ['register the service']
    params = found.params
    assert params['create'] == {'binary': BINARY, 'arguments': list(ARGS), 'register_with': 'binary',
                                'display_name': None}
    assert params['dependencies'] == ['containerd']
    assert params['state'] == 'started' and params['stop_dependents'] is True and params['timeout_s'] == 90
    assert params['log_file'] == 'C:\\ProgramData\\buildkitd\\buildkitd.log'
    # --register-service sets these itself.
    assert params['start_type'] is params['recovery'] is params['display_name'] is params['description'] is None
    assert found.after['command_line'] == registered_image_path(BINARY, 'buildkitd', ARGS)
    assert found.after['state'] == 'Running'


@pytest.mark.parametrize('service, reason', [
    (entry(arguments=ARGS + ('--debug',)), 'flags'),
    (entry(arguments=('--log-file', 'C:\\ProgramData\\buildkitd\\buildkitd.log')), 'flags'),
    (entry(binary='D:\\buildkit\\buildkitd.exe'), 'program'),
    (entry(account='NT AUTHORITY\\LocalService'), 'account'),
    (entry(image_path='"%s" --service-name buildkitd %s' % (BINARY, ' '.join(ARGS))), 'flags'),
])
def test_a_different_program_flag_or_account_registers_again_with_every_setting(service, reason):
    found = make(service)
    assert found.changes == ['register the service again (its %s differ)' % reason]
    assert found.params['create']['arguments'] == list(ARGS)
    assert found.params['dependencies'] == ['containerd'], '--register-service sets no dependency'
    assert found.params['image_path'] is None
    assert found.params['state'] == 'started' and found.params['stop_dependents'] is True


def test_path_case_and_flag_spelling_are_no_difference():
    service = entry(binary=BINARY.upper(), arguments=('--group=buildkit-users', '-log-file',
                                                      'C:\\ProgramData\\buildkitd\\buildkitd.log'))
    assert make(service).params is None


@pytest.mark.parametrize('service, field, value', [
    (entry(dependencies=()), 'dependencies', ['containerd']),
    (entry(dependencies=('containerd', 'other')), 'dependencies', ['containerd']),
    (entry(start=3), 'start_type', 'auto'),
    (entry(display='BuildKit daemon'), 'display_name', 'Buildkitd'),
    (entry(description=''), 'description', 'Container image build engine'),
    (entry(recovery=None), 'recovery', REGISTER_SERVICE_RECOVERY.to_params()),
])
def test_other_settings_are_changed_in_place(service, field, value):
    found = make(service)
    assert found.changes == ['set the %s' % field.replace('_', ' ')]
    assert found.params[field] == value and found.params['create'] is None
    assert found.params['state'] is None, 'a running service keeps running'


def test_dependency_names_compare_without_case():
    assert make(entry(dependencies=('ContainerD',))).params is None


def test_a_changed_config_restarts_a_running_service_and_starts_a_stopped_one():
    running = make(entry(), config_changed=True)
    assert running.changes == ['restart the service'] and running.params['state'] == 'restarted'
    stopped = make(entry(state='Stopped'), config_changed=True)
    assert stopped.changes == ['start the service'] and stopped.params['state'] == 'started'
    assert make(entry(state='Stopped'), state='stopped', config_changed=True).params is None


def test_states():
    assert make(entry(state='Stopped')).params['state'] == 'started'
    assert make(entry(), state='restarted').params['state'] == 'restarted'
    assert make(entry(state='Stopped'), state='stopped').params is None
    stop = make(entry(), state='stopped')
    assert stop.changes == ['stop the service']
    assert stop.params['state'] == 'stopped' and stop.params['stop_dependents'] is False
    assert stop.after['state'] == 'Stopped'


def test_a_new_registration_of_a_service_to_keep_stopped_is_not_started():
    found = make(entry(arguments=()), state='stopped')
    assert found.params['create'] is not None and found.params['state'] == 'stopped'


def test_a_service_marked_for_deletion_is_registered_again():
    found = make(entry(delete_pending=True))
    assert found.changes == ['register the service again (it is marked for deletion)']
    assert found.params['create'] is not None


def test_absent():
    assert make(ABSENT, state='absent').params is None
    found = make(entry(), state='absent')
    assert found.params['delete'] is True and found.params['create'] is None
    assert found.changes == ['delete the service'] and found.after == {'exists': False}


def test_another_start_type_and_no_dependencies():
    found = make(ABSENT, start_type='delayed', dependencies=())
    assert found.params['start_type'] == 'delayed' and found.params['dependencies'] is None
    assert make(entry(dependencies=()), dependencies=()).params is None


# --- cases found by mutation testing (make mutation) ----------------------------------------------------------

@pytest.mark.parametrize('current', ['Start Pending', 'Running', 'Paused', 'Continue Pending'])
def test_a_service_that_is_not_stopped_is_stopped_when_state_is_stopped(current):
    found = make(entry(state=current), state='stopped')
    assert found.params['state'] == 'stopped' and found.changes == ['stop the service']
    assert found.params['stop_dependents'] is False


def test_a_starting_service_is_not_started_again():
    assert make(entry(state='Start Pending')).params is None


def test_the_view_after_a_first_registration():
    after = make(ABSENT).after
    assert after['exists'] is True and after['name'] == 'buildkitd' and after['account'] == 'LocalSystem'
    assert 'process_id' not in after and 'delete_pending' not in after


def test_a_settings_change_keeps_the_account_as_it_is_written():
    found = make(entry(account='localsystem'), start_type='demand')
    assert found.changes == ['set the start type']
    assert found.after['account'] == found.before['account'] == 'localsystem'


def test_defaults_no_config_change_and_a_two_minute_timeout():
    wanted = WantedBuildkitd(name='buildkitd', binary=BINARY, arguments=ARGS, start_type='auto',
                             dependencies=('containerd',))
    assert plan(wanted, entry(), 'started').params is None
    assert plan(wanted, ABSENT, 'started').params['timeout_s'] == 120
    with pytest.raises(dataclasses.FrozenInstanceError):
        wanted.timeout_s = 1
