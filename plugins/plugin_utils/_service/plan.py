# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one service_apply that brings a daemon's service to what a task wants.

containerd_service and buildkitd_service work the same way: one service_read
(the service and the `--version` of the daemon's binary in one round trip),
a plan comparing the wanted registration with the host's, and at most one
service_apply carrying the whole change.

- `SERVICE_STATES`: the `state` choices, started / stopped / restarted / absent.
- `apply_params(name, **values)`: a complete service_apply parameter object
  (service_apply wants every key, every time).
- `ApplyOptions`: how service_apply goes about a change (stop_dependents,
  log_file, timeout_s).
- `WantedService`: what a task wants of a service: its `model.ServiceConfig`,
  whose `arguments` are the daemon's flags only (no --run-service /
  --service-name: the plan adds them as --register-service writes them), the
  `FlagSpec` the arguments compare with, how a missing service is registered
  ('binary': `<binary> --register-service`; 'sc': sc.exe create, for a
  second instance) and the `ApplyOptions`.
- `plan_service(wanted, entry, state, restart)` -> `ServicePlan`: `entry` is
  the service_read entry; restart says that a file the daemon reads changed.
  `plan.params` is None when nothing is to be done, else the service_apply
  parameters; `plan.changes` says what would change, in words;
  `plan.before` / `plan.after` are `views.service_view()`s for the diff.
- `deletion_plan(name, entry, options)`: the ServicePlan of state=absent.
- `check_start_type(state, start_type)`: refuses start_type disabled with a
  state that starts the service, before the host.
"""

from __future__ import annotations

import dataclasses
import typing as t

from .._core.errors import InvalidArgument
from .command_line import join_command_line, parse_image_path
from .environment import shown_environment
from .flags import FlagSpec
from .model import ServiceConfig, differences, service_from_read
from .recovery import Recovery
from .registration import REGISTER_SERVICE_RECOVERY, REGISTERED_DISPLAY, registered_arguments
from .views import service_view

SERVICE_STATES = ('started', 'stopped', 'restarted', 'absent')
REGISTER_WITH = ('binary', 'sc')
_APPLY_DEFAULTS: dict[str, t.Any] = dict(delete=False, create=None, image_path=None, start_type=None,
                                         dependencies=None, display_name=None, description=None, recovery=None,
                                         state=None, stop_dependents=False, timeout_s=60, log_file=None,
                                         environment=None, firewall_rule=None)


def apply_params(name: str, **values: t.Any) -> dict[str, t.Any]:
    unknown = set(values) - set(_APPLY_DEFAULTS)
    if unknown:
        raise TypeError('service_apply has no parameter %s' % ', '.join(sorted(unknown)))
    params = dict(_APPLY_DEFAULTS, name=name)
    params.update(values)
    return params


def check_start_type(state: str, start_type: str, option: str = 'start_type') -> None:
    """A disabled service cannot start (Win32 error 1058): refuse the pair before the host."""
    if start_type == 'disabled' and state in ('started', 'restarted'):
        raise InvalidArgument(option, 'disabled cannot be combined with state=%s: a disabled service does not start'
                              % state)


@dataclasses.dataclass(frozen=True)
class ApplyOptions:
    """How service_apply goes about a change: whether it stops (and starts again) the services that depend on
    this one, the daemon's log file (read when a start fails), and how long it waits for a state."""
    stop_dependents: bool = False
    log_file: str | None = None
    timeout_s: int = 60

    def values(self) -> dict[str, t.Any]:
        return dict(stop_dependents=self.stop_dependents, log_file=self.log_file, timeout_s=self.timeout_s)


@dataclasses.dataclass(frozen=True)
class WantedService:
    """What a task wants of a daemon's service (see the module's docstring)."""
    config: ServiceConfig
    flag_spec: FlagSpec | None = None
    register_with: str = 'binary'
    options: ApplyOptions = ApplyOptions()


@dataclasses.dataclass
class ServicePlan:
    params: dict[str, t.Any] | None = None
    changes: list[str] = dataclasses.field(default_factory=list)
    before: dict[str, t.Any] | None = None
    after: dict[str, t.Any] | None = None

    @property
    def changed(self) -> bool:
        return self.params is not None


def deletion_plan(name: str, entry: dict[str, t.Any], options: ApplyOptions) -> ServicePlan:
    """state=absent: delete the service when it exists."""
    before = service_view(entry)
    if not entry['exists']:
        return ServicePlan(None, [], before, before)
    return ServicePlan(apply_params(name, delete=True, **options.values()), ['delete the service'], before,
                       {'exists': False})


def plan_service(wanted: WantedService, entry: dict[str, t.Any], state: str, restart: bool = False) -> ServicePlan:
    """The one service_apply that brings the service to `wanted` and `state`.

    restart: a file the daemon reads (its config) changed; a running service
    (or one that is to run) is restarted. A changed command line restarts a
    running service too: the SCM reads the ImagePath only when it starts one.
    """
    service = wanted.config
    name = service.name
    if state == 'absent':
        return deletion_plan(name, entry, wanted.options)
    config, current = service_from_read(entry)
    before = service_view(entry)
    command_line = join_command_line([service.binary] + registered_arguments(name, service.arguments))
    values: dict[str, t.Any] = {}
    changes: list[str] = []
    if config is None or current.delete_pending:
        values['create'] = _create(service, wanted.register_with)
        changes.append('register the service' if config is None else 'register the service again (it was '
                       'marked for deletion)')
        config = _as_registered(service, command_line, wanted.register_with)
        running = False
    else:
        running = current.state != 'Stopped'
    names = differences(service, config, wanted.flag_spec).names()
    if 'binary' in names or 'arguments' in names:
        values['image_path'] = command_line
        changes.append('set the command line')
    for field in ('start_type', 'dependencies', 'display_name', 'description', 'recovery', 'environment'):
        if field in names:
            wanted_value = getattr(service, field)
            values[field] = wanted_value.to_params() if field == 'recovery' else (
                list(wanted_value) if field in ('dependencies', 'environment') else wanted_value)
            changes.append('set the %s' % field.replace('_', ' '))
    # The SCM reads the command line and the Environment value only when it starts the process.
    wanted_state = apply_state(state, running, restart or 'image_path' in values or 'environment' in values)
    if wanted_state:
        changes.append({'started': 'start the service', 'stopped': 'stop the service',
                        'restarted': 'restart the service'}[wanted_state])
        values['state'] = wanted_state
    after = _after_view(before, service, command_line, values, state)
    if not values:
        return ServicePlan(None, [], before, after)
    return ServicePlan(apply_params(name, **dict(wanted.options.values(), **values)), changes, before, after)


def _create(wanted: ServiceConfig, register_with: str) -> dict[str, t.Any]:
    if register_with not in REGISTER_WITH:
        raise ValueError('register_with must be one of %s' % ', '.join(REGISTER_WITH))
    if register_with == 'binary':
        # <binary> --register-service --service-name <name> <daemon flags>
        arguments = list(wanted.arguments)
    else:
        arguments = registered_arguments(wanted.name, wanted.arguments)
    return {'binary': wanted.binary, 'arguments': arguments, 'register_with': register_with,
            'display_name': wanted.display_name}


def _as_registered(wanted: ServiceConfig, command_line: str, register_with: str) -> ServiceConfig:
    """The service as the registration leaves it, before the rest of service_apply."""
    binary, arguments = parse_image_path(command_line)
    if register_with == 'binary':
        display, description = REGISTERED_DISPLAY.get(wanted.name.casefold(), (None, None))
        recovery = REGISTER_SERVICE_RECOVERY
    else:
        display, description, recovery = wanted.display_name or wanted.name, '', Recovery(0, ())
    return ServiceConfig(name=wanted.name, binary=binary, arguments=tuple(arguments), start_type='auto',
                         dependencies=(), display_name=display, description=description,
                         account='LocalSystem', recovery=recovery, environment=())


def apply_state(state: str, running: bool, restart: bool) -> str | None:
    """The service_apply state for a task's state, given whether the service runs and must restart."""
    if state == 'restarted':
        return 'restarted'
    if state == 'stopped':
        return 'stopped' if running else None
    if not running:
        return 'started'
    return 'restarted' if restart else None


def _after_view(before: dict[str, t.Any], wanted: ServiceConfig, command_line: str, values: dict[str, t.Any],
                state: str) -> dict[str, t.Any]:
    if not values:
        return before
    after = dict(before) if before.get('exists') else {'exists': True, 'name': wanted.name}
    if 'create' in values or 'image_path' in values:
        after['command_line'] = command_line
    for field in ('start_type', 'dependencies', 'display_name', 'description', 'recovery'):
        if field in values:
            after[field] = values[field]
    if 'environment' in values:
        after['environment'] = shown_environment(values['environment'])
    if 'create' in values and 'start_type' not in values:
        after['start_type'] = 'auto'
    after['state'] = 'Stopped' if state == 'stopped' else 'Running'
    after.pop('process_id', None)
    return after
