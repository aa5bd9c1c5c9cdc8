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
<name>" (docs/windows-facts.md#tool-output; tests/winsim/windows/buildkitd.py).
service_apply restores the previous registration when any step fails.
"""

from __future__ import annotations

import dataclasses
import typing as t

from .._service.environment import same_environment, shown_environment
from .._service.model import ServiceConfig, ServiceState, same_account, same_dependencies, same_path, service_from_read
from .._service.plan import ApplyOptions, ServicePlan, apply_params, apply_state, deletion_plan
from .._service.registration import REGISTER_SERVICE_RECOVERY, REGISTERED_DISPLAY, registered_image_path
from .._service.views import service_view
from .buildkitd import same_daemon_arguments

DISPLAY_NAME, DESCRIPTION = REGISTERED_DISPLAY['buildkitd']
ACCOUNT = 'LocalSystem'
# The settings --register-service leaves (cmd/buildkitd/service_windows.go).
REGISTERED: dict[str, t.Any] = dict(start_type='auto', dependencies=(), display_name=DISPLAY_NAME,
                                    description=DESCRIPTION, recovery=REGISTER_SERVICE_RECOVERY)


@dataclasses.dataclass(frozen=True)
class WantedBuildkitd:
    """The buildkitd service a task wants: `arguments` are buildkitd's flags without the service's own;
    `log_file` and `timeout_s` go to service_apply (the log it reads when a start fails, how long it waits)."""
    name: str
    binary: str
    arguments: tuple[str, ...]
    start_type: str
    dependencies: tuple[str, ...]
    log_file: str | None = None
    timeout_s: int = 120
    environment: tuple[str, ...] | None = None  # NAME=value entries; None: leave the Environment value alone


def plan(wanted: WantedBuildkitd, entry: dict[str, t.Any], state: str, config_changed: bool = False) -> ServicePlan:
    """The one service_apply bringing the service to the wanted registration and `state`.

    `config_changed`: the config file buildkitd reads was (or is to be) written.
    """
    name = wanted.name
    if state == 'absent':
        return deletion_plan(name, entry, ApplyOptions(timeout_s=wanted.timeout_s))
    config, current = service_from_read(entry)
    before = service_view(entry)
    changes = _registration_changes(name, wanted.binary, wanted.arguments, config, current)
    register = bool(changes)
    base = REGISTERED if register else dict(
        start_type=config.start_type, dependencies=config.dependencies, display_name=config.display_name,
        description=config.description, recovery=config.recovery)
    values = _setting_values(wanted.start_type, wanted.dependencies, base)
    # A new registration starts from a new key: no Environment value.
    host_environment = () if register else config.environment or ()
    if wanted.environment is not None and not same_environment(wanted.environment, host_environment):
        values['environment'] = list(wanted.environment)
    if register:
        # service_apply stops the old service; without a state it would start the new one.
        wanted_state = 'stopped' if state == 'stopped' else 'started'
        if 'environment' in values:
            changes.append('set the environment')
    else:
        changes.extend('set the %s' % field.replace('_', ' ') for field in values)
        running = current.state != 'Stopped'
        # The SCM hands the Environment value to the process it starts: a change needs a restart.
        wanted_state = apply_state(state, running, config_changed or 'environment' in values)
        if wanted_state:
            changes.append({'started': 'start the service', 'stopped': 'stop the service',
                            'restarted': 'restart the service'}[wanted_state])
    if not changes:
        return ServicePlan(None, [], before, before)
    command_line = registered_image_path(wanted.binary, name, wanted.arguments) if register else entry['image_path']
    after = _after(before, name, command_line, wanted.start_type, wanted.dependencies, state, register)
    if wanted.environment is not None:
        after['environment'] = shown_environment(wanted.environment)
    if register:
        values['create'] = dict(binary=wanted.binary, arguments=list(wanted.arguments), register_with='binary',
                                display_name=None)
    # A new registration or a restart stops running dependents too, and
    # service_apply starts them again; a wanted stop does not take them down.
    params = apply_params(name, state=wanted_state, stop_dependents=state != 'stopped',
                          log_file=wanted.log_file or None, timeout_s=wanted.timeout_s, **values)
    return ServicePlan(params, changes, before, after)


def _registration_changes(name: str, binary: str, arguments: tuple[str, ...], config: ServiceConfig | None,
                          current: ServiceState | None) -> list[str]:
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


def _setting_values(start_type: str, dependencies: tuple[str, ...], base: dict[str, t.Any]) -> dict[str, t.Any]:
    """service_apply values for the settings that differ from `base`."""
    values: dict[str, t.Any] = {}
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


def _after(before: dict[str, t.Any], name: str, command_line: str, start_type: str, dependencies: tuple[str, ...],
           state: str, register: bool) -> dict[str, t.Any]:
    after = dict(before) if before.get('exists') else {'exists': True, 'name': name}
    after.update(command_line=command_line, start_type=start_type, dependencies=list(dependencies),
                 display_name=DISPLAY_NAME, description=DESCRIPTION, recovery=REGISTER_SERVICE_RECOVERY.to_params(),
                 state='Stopped' if state == 'stopped' else 'Running')
    if register:
        after['account'] = ACCOUNT
    after.pop('process_id', None)
    after.pop('delete_pending', None)
    return after
