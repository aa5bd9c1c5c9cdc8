# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action base of the plugins that keep a daemon as a Windows service.

`ServiceActionBase`: `WcowActionBase` plus `read_service()` (one service_read:
the service, `--version` probes, files such as the daemon's config and the
paths to measure, as a `ServiceRead`), `apply_service()`, and
`reconcile_absent()`: state=absent with what removal.py plans (the config,
the data folders), removed after the service is gone.

A subclass implements two hooks for state=absent:

- `deletion_options(args, checked)`: the `ApplyOptions` of the service_apply
  that deletes the service;
- `config_is_ours(args, checked, data)`: whether the config file's bytes are
  what the module writes with these options (only then is it removed).

`create_data_roots(roots, read)`: before a daemon first starts, the data
folders it would create are created by data_root_apply, which records them
as the collection's own; only those are removed later by remove_data.
It may also name the Windows Firewall rules that go with the service
(`firewall_rule_names(args, checked)`, none by default).
"""

from __future__ import annotations

import base64
import dataclasses
import typing as t

from ansible.errors import AnsibleActionFail

from .._core.action_base import Checked, WcowActionBase
from .._core.errors import OperationError
from . import data_paths, removal as removal_plan
from .plan import ApplyOptions, ServicePlan, apply_params, deletion_plan
from .views import service_diff, service_view


@dataclasses.dataclass(frozen=True)
class ServiceRead:
    """One service_read: the service's entry, the probes (`binaries`) and the files read, in the order asked."""
    entry: dict[str, t.Any]
    binaries: list[dict[str, t.Any]]
    files: list[dict[str, t.Any]]
    measured: list[dict[str, t.Any]] = dataclasses.field(default_factory=list)
    security: list[dict[str, t.Any]] = dataclasses.field(default_factory=list)
    data_roots: list[dict[str, t.Any]] = dataclasses.field(default_factory=list)
    firewall_rules: list[dict[str, t.Any]] = dataclasses.field(default_factory=list)

    def file_bytes(self, index: int = 0) -> bytes | None:
        """The bytes of the index-th file read; None when it does not exist."""
        found = self.files[index]
        return base64.b64decode(found['content_b64']) if found['exists'] else None


class ServiceActionBase(WcowActionBase[Checked]):
    """WcowActionBase with the service operations."""

    def read_service(self, name: str, probe_versions: t.Iterable[str] = (), read_files: t.Iterable[str] = (),
                     measure_paths: t.Iterable[str] = (), acl_paths: t.Iterable[str] = (),
                     data_roots: t.Iterable[str] = (), firewall_rules: t.Iterable[str] = ()) -> ServiceRead:
        """ServiceRead of one service, the programs to probe (`<path> --version`), the files to read, the
        paths to measure (what they are and hold), the paths whose owner and DACL to read, the folders to
        read as data roots (links along them, the collection's record of them) and the firewall rules to read
        by Name."""
        params: dict[str, t.Any] = {'names': [name], 'probe_versions': list(probe_versions),
                                    'read_files': list(read_files)}
        measure_paths = list(measure_paths)
        if measure_paths:
            params['measure_paths'] = measure_paths
        acl_paths = list(acl_paths)
        if acl_paths:
            params['acl_paths'] = acl_paths
        data_roots = list(data_roots)
        if data_roots:
            params['data_roots'] = data_roots
        firewall_rules = list(firewall_rules)
        if firewall_rules:
            params['firewall_rules'] = firewall_rules
        read = self.operation('service_read', params)
        return ServiceRead(read['services'][0], read['binaries'], read['files'], read.get('measured') or [],
                           read.get('security') or [], read.get('data_roots') or [], read.get('firewall_rules') or [])

    def deletion_options(self, args: dict[str, t.Any], checked: Checked) -> ApplyOptions:
        """How service_apply deletes the service at state=absent."""
        raise NotImplementedError

    def config_is_ours(self, args: dict[str, t.Any], checked: Checked, data: bytes) -> bool:
        """Whether the config file holds what the module writes with these options."""
        raise NotImplementedError

    def firewall_rule_names(self, args: dict[str, t.Any], checked: Checked) -> list[str]:
        """The Names of the Windows Firewall rules that go with the service at state=absent."""
        return []

    def reconcile_absent(self, args: dict[str, t.Any], checked: Checked, found: removal_plan.Targets,
                         result: dict[str, t.Any]) -> dict[str, t.Any]:
        """state=absent: the service deleted, then what `found` names removed. Updates and returns result."""
        name = args['name']
        read = self.read_service(name, read_files=[found.config_path] if found.config_path else [],
                                 measure_paths=found.measure_paths(), data_roots=found.checked_paths(),
                                 firewall_rules=self.firewall_rule_names(args, checked))
        options = self.deletion_options(args, checked)
        plan = deletion_plan(name, read.entry, options)
        rules = [rule['name'] for rule in read.firewall_rules if rule['exists']]
        if rules:
            # service_apply removes the rule once the service is gone; with no service left, a deletion of
            # nothing carries it.
            removal_rule = dict(name=rules[0], present=False)
            if plan.params is not None:
                params = dict(plan.params, firewall_rule=removal_rule)
            else:
                params = apply_params(name, delete=True, firewall_rule=removal_rule, **options.values())
            plan = ServicePlan(params, plan.changes + ['remove the firewall rule %s' % rules[0]], plan.before,
                               plan.after)
        try:
            removal = removal_plan.plan(found, read.file_bytes(0) if found.config_path else None,
                                        lambda data: self.config_is_ours(args, checked, data), read.measured,
                                        read.data_roots)
        except removal_plan.LinkFound as error:
            raise AnsibleActionFail(str(error))
        result.update(changed=plan.changed or removal.pending, changes=plan.changes + removal.changes(),
                      actions=[], service=plan.after, removed=removal.removed(), config_removed=bool(removal.config))
        if read.firewall_rules:
            result['firewall_rule'] = {'exists': False}
        if not self.check_mode:
            self._remove_service_and_data(name, plan, removal, result)
        if removal.warnings:
            result.setdefault('warnings', []).extend(removal.warnings)
        if result['changed'] and self.diff_mode:
            service_changed = plan.changed and plan.before != plan.after
            result['diff'] = ([service_diff(name, plan)] if service_changed else []) + removal_plan.diffs(name, removal)
            result['diff'] += [dict(before='exists: True\n', after='', before_header='firewall rule %s' % rule,
                                    after_header='firewall rule %s' % rule) for rule in rules]
        return result

    def _remove_service_and_data(self, name: str, plan: ServicePlan, removal: removal_plan.Removal,
                                 result: dict[str, t.Any]) -> None:
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
                                    'Run the task again once it is fixed to remove the rest.' % (error, name))
        result['config_removed'] = done['config_removed']
        result['removed'] = (([removal.config['path']] if done['config_removed'] else []) + done['removed']
                             + done['folders_removed'])
        for path in done['kept']:
            if not any(path.casefold() in warning.casefold() for warning in removal.warnings):
                removal.warnings.append('remove_data: %s is kept: this collection did not create it' % path)
        if done['not_removed_count']:
            message = removal_plan.not_removed_message(name, done['not_removed'], done['not_removed_count'])
            raise AnsibleActionFail(message, result=result)

    @staticmethod
    def markable(roots: t.Iterable[str | None]) -> list[str]:
        """The data folders remove_data could ever remove (data_paths' allow rule): the only ones worth reading
        and recording."""
        return [root for root in roots if root and data_paths.removal_problem(root) is None]

    def missing_data_roots(self, read: ServiceRead) -> list[str]:
        """The data folders of a read's data_roots that do not exist and have no link along them: created (and
        recorded) by create_data_roots before the daemon starts."""
        return [root['path'] for root in read.data_roots if not root['exists'] and not root['link']]

    def create_data_roots(self, roots: list[str]) -> None:
        if roots:
            self.operation('data_root_apply', {'paths': roots})

    def write_config_and_data_roots(self, args: dict[str, t.Any], config: dict[str, t.Any], roots: list[str],
                                    result: dict[str, t.Any]) -> None:
        """The config file written (or its DACL fixed) and the missing data folders created, before the service
        changes. The data folders go first: one that exists when they are created is never recorded as the
        collection's. With a file to write, file_write creates them in the same call."""
        if config['changed'] or config['protection'].unprotected:
            text = config['content'] is not None
            written = self.operation('file_write', {
                'path': config['path'], 'content': config['content'] if text else config['kept'],
                'content_encoding': 'text' if text else 'base64', 'backup': args['backup'] and config['changed'],
                'protect': config['protection'].protect_param(), 'data_roots': roots})
            result['backup_file'] = written['backup_file']
        else:
            self.create_data_roots(roots)

    def apply_service(self, params: dict[str, t.Any]) -> dict[str, t.Any]:
        """service_apply with complete parameters (see plan.apply_params); returns its result."""
        return self.operation('service_apply', params)
