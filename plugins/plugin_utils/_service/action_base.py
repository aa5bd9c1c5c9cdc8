# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the action plugins that keep a daemon as a Windows service share.

containerd_service and buildkitd_service work the same way: one service_read
(the service and the `--version` of the daemon's binary in one round trip),
a plan comparing the wanted registration with the host's, and at most one
service_apply carrying the whole change.

The API (small on purpose; extend, do not change):

- `SERVICE_STATES`: the `state` choices, started / stopped / restarted / absent.
- `apply_params(name, **values)`: a complete service_apply parameter object
  (service_apply wants every key, every time).
- `plan_service(wanted, entry, state, flag_spec, ...)` -> `ServicePlan`:
  `wanted` is a `model.ServiceConfig` whose `arguments` are the daemon's
  flags only (no --run-service / --service-name: the plan adds them as
  --register-service writes them); `entry` is the service_read entry.
  `plan.params` is None when nothing is to be done, else the service_apply
  parameters; `plan.changes` says what would change, in words;
  `plan.before` / `plan.after` are `service_view()`s for the diff.
  Keywords: restart (a file the daemon reads changed), stop_dependents,
  log_file, timeout_s (passed to service_apply), register_with ('binary':
  `<binary> --register-service`; 'sc': sc.exe create, for a second instance).
- `check_start_type(state, start_type)`: refuses start_type disabled with a
  state that starts the service, before the host.
- `service_view(entry)`: what a task returns and diffs about a service.
- `probed_version(probe)`: (version, problem) of a service_read `binaries` entry.
- `ServiceActionBase`: `WcowActionBase` plus `read_service()` (one service_read:
  the service, `--version` probes, files such as the daemon's config and the
  paths to measure, as a `ServiceRead`), `apply_service()`, and
  `reconcile_absent()`: state=absent with what removal.py plans (the
  config, the data folders), removed after the service is gone.
"""

from __future__ import annotations

import base64
import dataclasses

from ansible.errors import AnsibleActionFail

from .._core.action_base import WcowActionBase
from .._core.errors import InvalidArgument, OperationError
from . import model as svc, removal as removal_plan

SERVICE_STATES = ('started', 'stopped', 'restarted', 'absent')
REGISTER_WITH = ('binary', 'sc')
_APPLY_DEFAULTS = dict(delete=False, create=None, image_path=None, start_type=None, dependencies=None,
                       display_name=None, description=None, recovery=None, state=None, stop_dependents=False,
                       timeout_s=60, log_file=None)


def apply_params(name, **values):
    unknown = set(values) - set(_APPLY_DEFAULTS)
    if unknown:
        raise TypeError('service_apply has no parameter %s' % ', '.join(sorted(unknown)))
    params = dict(_APPLY_DEFAULTS, name=name)
    params.update(values)
    return params


def check_start_type(state, start_type, option='start_type'):
    """A disabled service cannot start (Win32 error 1058): refuse the pair before the host."""
    if start_type == 'disabled' and state in ('started', 'restarted'):
        raise InvalidArgument(option, 'disabled cannot be combined with state=%s: a disabled service does not start'
                              % state)


@dataclasses.dataclass
class ServicePlan:
    params: dict = None
    changes: list = dataclasses.field(default_factory=list)
    before: dict = None
    after: dict = None

    @property
    def changed(self):
        return self.params is not None


def service_view(entry):
    """The service as a task reports it; {'exists': False} when absent."""
    config, state = svc.service_from_read(entry)
    if config is None:
        return {'exists': False}
    return {
        'exists': True,
        'name': config.name,
        'command_line': entry['image_path'],
        'start_type': config.start_type,
        'dependencies': list(config.dependencies),
        'display_name': config.display_name,
        'description': config.description,
        'account': config.account,
        'recovery': config.recovery.to_params() if config.recovery else None,
        'state': state.state,
        'process_id': state.pid,
        'delete_pending': state.delete_pending,
        'dependents': [{'name': name, 'state': running} for name, running in state.dependents],
    }


def plan_service(wanted, entry, state, flag_spec, restart=False, stop_dependents=False, log_file=None,
                 timeout_s=60, register_with='binary'):
    """The one service_apply that brings the service to `wanted` and `state`.

    restart: a file the daemon reads (its config) changed; a running service
    (or one that is to run) is restarted. A changed command line restarts a
    running service too: the SCM reads the ImagePath only when it starts one.
    """
    name = wanted.name
    config, current = svc.service_from_read(entry)
    before = service_view(entry)
    common = dict(stop_dependents=stop_dependents, log_file=log_file, timeout_s=timeout_s)
    if state == 'absent':
        if config is None:
            return ServicePlan(None, [], before, before)
        return ServicePlan(apply_params(name, delete=True, **common), ['delete the service'], before,
                           {'exists': False})
    command_line = svc.join_command_line([wanted.binary] + svc.registered_arguments(name, wanted.arguments))
    values, changes = {}, []
    if config is None or current.delete_pending:
        values['create'] = _create(wanted, register_with)
        changes.append('register the service' if config is None else 'register the service again (it was '
                       'marked for deletion)')
        config = _as_registered(wanted, command_line, register_with)
        running = False
    else:
        running = current.state != 'Stopped'
    differences = svc.differences(wanted, config, flag_spec)
    names = differences.names()
    if 'binary' in names or 'arguments' in names:
        values['image_path'] = command_line
        changes.append('set the command line')
    for field in ('start_type', 'dependencies', 'display_name', 'description', 'recovery'):
        if field in names:
            wanted_value = getattr(wanted, field)
            values[field] = wanted_value.to_params() if field == 'recovery' else (
                list(wanted_value) if field == 'dependencies' else wanted_value)
            changes.append('set the %s' % field.replace('_', ' '))
    wanted_state = apply_state(state, running, restart or 'image_path' in values)
    if wanted_state:
        changes.append({'started': 'start the service', 'stopped': 'stop the service',
                        'restarted': 'restart the service'}[wanted_state])
        values['state'] = wanted_state
    after = _after_view(before, wanted, command_line, values, state)
    if not values:
        return ServicePlan(None, [], before, after)
    return ServicePlan(apply_params(name, **dict(common, **values)), changes, before, after)


def _create(wanted, register_with):
    if register_with not in REGISTER_WITH:
        raise ValueError('register_with must be one of %s' % ', '.join(REGISTER_WITH))
    if register_with == 'binary':
        # <binary> --register-service --service-name <name> <daemon flags>
        arguments = list(wanted.arguments)
    else:
        arguments = svc.registered_arguments(wanted.name, wanted.arguments)
    return {'binary': wanted.binary, 'arguments': arguments, 'register_with': register_with,
            'display_name': wanted.display_name}


def _as_registered(wanted, command_line, register_with):
    """The service as the registration leaves it, before the rest of service_apply."""
    binary, arguments = svc.parse_image_path(command_line)
    if register_with == 'binary':
        display, description = svc.REGISTERED_DISPLAY.get(wanted.name.casefold(), (None, None))
        recovery = svc.REGISTER_SERVICE_RECOVERY
    else:
        display, description, recovery = wanted.display_name or wanted.name, '', svc.Recovery(0, ())
    return svc.ServiceConfig(name=wanted.name, binary=binary, arguments=tuple(arguments), start_type='auto',
                             dependencies=(), display_name=display, description=description,
                             account='LocalSystem', recovery=recovery)


def apply_state(state, running, restart):
    """The service_apply state for a task's state, given whether the service runs and must restart."""
    if state == 'restarted':
        return 'restarted'
    if state == 'stopped':
        return 'stopped' if running else None
    if not running:
        return 'started'
    return 'restarted' if restart else None


def _after_view(before, wanted, command_line, values, state):
    if not values:
        return before
    after = dict(before) if before.get('exists') else {'exists': True, 'name': wanted.name}
    if 'create' in values or 'image_path' in values:
        after['command_line'] = command_line
    for field in ('start_type', 'dependencies', 'display_name', 'description', 'recovery'):
        if field in values:
            after[field] = values[field]
    if 'create' in values and 'start_type' not in values:
        after['start_type'] = 'auto'
    after['state'] = 'Stopped' if state == 'stopped' else 'Running'
    after.pop('process_id', None)
    return after


def probed_version(probe):
    """(version, None) from a service_read `binaries` entry, or (None, problem in words)."""
    if probe is None:
        return None, 'the binary was not probed'
    if not probe['exists']:
        return None, '%s does not exist' % probe['path']
    if probe['error']:
        return None, 'running %s --version failed: %s' % (probe['path'], probe['error'])
    parsed = svc.parse_version_output(probe['stdout'])
    if probe['exit_code'] != 0 or parsed is None:
        output = ' '.join((probe['stdout'] + ' ' + probe['stderr']).split())
        return None, '%s --version exited with %s and printed %r' % (probe['path'], probe['exit_code'], output)
    return parsed[2], None


@dataclasses.dataclass(frozen=True)
class ServiceRead:
    """One service_read: the service's entry, the probes (`binaries`) and the files read, in the order asked."""
    entry: dict
    binaries: list
    files: list
    measured: list = ()

    def file_bytes(self, index=0):
        """The bytes of the index-th file read; None when it does not exist."""
        found = self.files[index]
        return base64.b64decode(found['content_b64']) if found['exists'] else None


class ServiceActionBase(WcowActionBase):
    """WcowActionBase with the service operations."""

    def read_service(self, name, probe_versions=(), read_files=(), measure_paths=()):
        """ServiceRead of one service, the programs to probe (`<path> --version`), the files to read and the
        paths to measure (what they are and hold)."""
        params = {'names': [name], 'probe_versions': list(probe_versions), 'read_files': list(read_files)}
        if measure_paths:
            params['measure_paths'] = list(measure_paths)
        read = self.operation('service_read', params)
        return ServiceRead(read['services'][0], read['binaries'], read['files'], read.get('measured') or [])

    def reconcile_absent(self, name, found, is_ours, make_plan, service_diff, result):
        """state=absent: the service deleted, then what `found` (a removal.Targets) names removed.

        make_plan(entry) -> ServicePlan deleting the service; service_diff(plan) -> its diff entry;
        is_ours(bytes) -> whether the config file holds what the module writes. Updates and returns result.
        """
        read = self.read_service(name, read_files=[found.config_path] if found.config_path else [],
                                 measure_paths=found.measure_paths())
        plan = make_plan(read.entry)
        try:
            removal = removal_plan.plan(found, read.file_bytes(0) if found.config_path else None, is_ours,
                                        read.measured)
        except removal_plan.LinkFound as error:
            raise AnsibleActionFail(str(error))
        result.update(changed=plan.changed or removal.pending, changes=plan.changes + removal.changes(),
                      actions=[], service=plan.after, removed=removal.removed(), config_removed=bool(removal.config))
        if not self.check_mode:
            self._remove_service_and_data(name, plan, removal, result)
        if removal.warnings:
            result.setdefault('warnings', []).extend(removal.warnings)
        if result['changed'] and self.diff_mode:
            result['diff'] = ([service_diff(plan)] if plan.changed else []) + removal_plan.diffs(name, removal)
        return result

    def _remove_service_and_data(self, name, plan, removal, result):
        if plan.changed:
            applied = self.apply_service(plan.params)
            result['actions'] = applied['actions']
            result['service'] = service_view(applied['service'])
            still = applied['service']
            if removal.pending and still['exists'] and still['state'] != 'Stopped':
                raise AnsibleActionFail('Service %s was marked for deletion but its process still runs (state %s); '
                                        'its data was not removed. Run the task again once it has stopped.'
                                        % (name, still['state']))
        if not removal.pending:
            return
        try:
            done = self.operation('service_data_remove', removal.params())
        except OperationError as error:
            raise AnsibleActionFail('%s Service %s is unregistered; what went before this failure stays removed. '
                                    'Stop what still holds the file (a container or build still running, a shell '
                                    'open in the folder, a scanner) and run the task again to remove the rest.'
                                    % (error, name))
        result['config_removed'] = done['config_removed']
        result['removed'] = (([removal.config['path']] if done['config_removed'] else []) + done['removed']
                             + done['folders_removed'])

    def apply_service(self, params):
        """service_apply with complete parameters (see apply_params); returns its result."""
        return self.operation('service_apply', params)


# Fields of a service shown in a diff, one a line.
SERVICE_DIFF_FIELDS = ('command_line', 'start_type', 'dependencies', 'display_name', 'description', 'account',
                       'recovery', 'state')


def service_text(view):
    """A service view as diff text; empty when the service does not exist."""
    if not view.get('exists'):
        return ''
    return ''.join('%s: %s\n' % (field, view[field]) for field in SERVICE_DIFF_FIELDS if field in view)


def config_diff(config):
    """The diff entry of a config file the task writes (before/after text under its path)."""
    before = config['before'].decode('utf-8', errors='replace') if config['before'] is not None else ''
    return dict(before=before, after=config['content'], before_header=config['path'], after_header=config['path'])
