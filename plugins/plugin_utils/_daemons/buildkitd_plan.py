# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one buildkitd_service task must change: the service_apply parameters.

`plan()` compares the wanted service with one service_read entry and returns
a `_service.plan.ServicePlan`: the service_apply parameters (None when
nothing is to do), the changes in words, and before/after views.

Unlike `_service.plan.plan_service()`, which rewrites the command line in
place, a buildkitd whose program, flags or account differ is registered
again with `buildkitd --register-service`. buildkitd then checks the new
flags while the old registration can still be put back, and says what is
wrong: it resolves each --group name before it opens its log, so a start
that fails on an unknown group leaves only "did not respond" (Win32 error
1053), while the registration fails with "failed to lookup sid for group
<name>" (wcow-facts.md "Tool output"; tests/winsim/windows/buildkitd.py).
service_apply restores the previous registration when any step fails.
"""

from __future__ import annotations

from .._service.model import same_account, same_dependencies, same_path, service_from_read
from .._service.plan import ServicePlan, apply_params, apply_state
from .._service.registration import REGISTER_SERVICE_RECOVERY, REGISTERED_DISPLAY, registered_image_path
from .._service.views import service_view
from .buildkitd import same_daemon_arguments

DISPLAY_NAME, DESCRIPTION = REGISTERED_DISPLAY['buildkitd']
ACCOUNT = 'LocalSystem'
# The settings --register-service leaves (cmd/buildkitd/service_windows.go).
REGISTERED = dict(start_type='auto', dependencies=(), display_name=DISPLAY_NAME, description=DESCRIPTION,
                  recovery=REGISTER_SERVICE_RECOVERY)


def plan(name, binary, arguments, start_type, dependencies, state, entry, config_changed=False, log_file=None,
         timeout_s=120):
    """The one service_apply bringing service `name` to the wanted registration and `state`.

    `arguments` are buildkitd's flags without the service's own;
    `config_changed`: the config file buildkitd reads was (or is to be) written.
    """
    config, current = service_from_read(entry)
    before = service_view(entry)
    if state == 'absent':
        if config is None:
            return ServicePlan(None, [], before, before)
        return ServicePlan(apply_params(name, delete=True, timeout_s=timeout_s), ['delete the service'], before,
                           {'exists': False})

    changes = _registration_changes(name, binary, arguments, config, current)
    register = bool(changes)
    base = REGISTERED if register else dict(
        start_type=config.start_type, dependencies=config.dependencies, display_name=config.display_name,
        description=config.description, recovery=config.recovery)
    values = _setting_values(start_type, dependencies, base)
    if register:
        # service_apply stops the old service; without a state it would start the new one.
        wanted_state = 'stopped' if state == 'stopped' else 'started'
    else:
        changes.extend('set the %s' % field.replace('_', ' ') for field in values)
        running = current.state != 'Stopped'
        wanted_state = apply_state(state, running, config_changed)
        if wanted_state:
            changes.append({'started': 'start the service', 'stopped': 'stop the service',
                            'restarted': 'restart the service'}[wanted_state])
    if not changes:
        return ServicePlan(None, [], before, before)
    command_line = registered_image_path(binary, name, arguments) if register else entry['image_path']
    after = _after(before, name, command_line, start_type, dependencies, state, register)
    if register:
        values['create'] = dict(binary=binary, arguments=list(arguments), register_with='binary', display_name=None)
    # A new registration or a restart stops running dependents too, and
    # service_apply starts them again; a wanted stop does not take them down.
    params = apply_params(name, state=wanted_state, stop_dependents=state != 'stopped', log_file=log_file or None,
                          timeout_s=timeout_s, **values)
    return ServicePlan(params, changes, before, after)


def _registration_changes(name, binary, arguments, config, current):
    if config is None:
        return ['register the service']
    if current.delete_pending:
        return ['register the service again (it is marked for deletion)']
    differs = []
    if not same_path(binary, config.binary):
        differs.append('program')
    if not same_daemon_arguments(list(arguments), list(config.arguments), name):
        differs.append('flags')
    if not same_account(ACCOUNT, config.account):
        differs.append('account')
    return ['register the service again (its %s differ)' % ' and '.join(differs)] if differs else []


def _setting_values(start_type, dependencies, base):
    """service_apply values for the settings that differ from `base`."""
    values = {}
    if start_type != base['start_type']:
        values['start_type'] = start_type
    if not same_dependencies(dependencies, base['dependencies']):
        values['dependencies'] = list(dependencies)
    if base['display_name'] != DISPLAY_NAME:
        values['display_name'] = DISPLAY_NAME
    if base['description'] != DESCRIPTION:
        values['description'] = DESCRIPTION
    if base['recovery'] != REGISTER_SERVICE_RECOVERY:
        values['recovery'] = REGISTER_SERVICE_RECOVERY.to_params()
    return values


def _after(before, name, command_line, start_type, dependencies, state, register):
    after = dict(before) if before.get('exists') else {'exists': True, 'name': name}
    after.update(command_line=command_line, start_type=start_type, dependencies=list(dependencies),
                 display_name=DISPLAY_NAME, description=DESCRIPTION, recovery=REGISTER_SERVICE_RECOVERY.to_params(),
                 state='Stopped' if state == 'stopped' else 'Running')
    if register:
        after['account'] = ACCOUNT
    after.pop('process_id', None)
    after.pop('delete_pending', None)
    return after
