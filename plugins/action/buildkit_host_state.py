# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read and plan every resource of a host in one PowerShell execution
(see plugins/modules/buildkit_host_state.py).

Each resource is a task of the collection's roles, read from their task
files, and is planned by its own module's action plugin: the plugin runs
first with a recorder that keeps the read it asks for, then, after one
batch_read of every recorded read, in check mode with those answers. Nothing
here plans a resource itself.
"""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import OperationError
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.runner import run_batch
from ansible_collections.wcow.buildkit.plugins.plugin_utils._host_state.reads import (
    Prefetched,
    ReadRecorder,
    ReadWanted,
    read_key,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._host_state.role_tasks import (
    RoleTask,
    role_defaults,
    role_tasks,
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = True
    ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = dict(
        role=dict(type='str', default='buildkit_host'),
    )
    MUTUALLY_EXCLUSIVE: tuple[tuple[str, ...], ...] = ()
    REQUIRED_TOGETHER: tuple[tuple[str, ...], ...] = ()
    REQUIRED_IF: tuple[tuple[t.Any, ...], ...] = ()
    REQUIRED_BY: dict[str, tuple[str, ...]] = {}

    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        self._supports_check_mode = True
        self._supports_async = False
        result = super().run(tmp, task_vars)
        _validated, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        try:
            tasks = role_tasks(self._loader, args['role'])
        except (OSError, ValueError, AnsibleError) as error:
            raise AnsibleActionFail('Invalid option role: %s' % error)
        variables = dict(role_defaults(self._loader, sorted({task.role for task in tasks})))
        variables.update(task_vars or {})
        recorded = self._record_reads(tasks, variables)
        try:
            answers = run_batch(self._connection, [('r%d' % index, name, params)
                                                   for index, (name, params) in enumerate(recorded)]) if recorded else {}
        except OperationError as error:
            result.update(failed=True, msg=str(error))
            return result
        found = {read_key(name, params): answers['r%d' % index] for index, (name, params) in enumerate(recorded)}
        result.update(self._plan(tasks, variables, Prefetched(found)))
        return result

    def _record_reads(self, tasks: list[RoleTask], variables: dict[str, t.Any]) -> list[tuple[str, dict[str, t.Any]]]:
        """The first operation of each resource whose condition can be decided before any result."""
        recorded: list[tuple[str, dict[str, t.Any]]] = []
        for task in tasks:
            if not task.ours:
                continue
            try:
                if not self._holds(task, variables):
                    continue
                self._run_module(task, variables, ReadRecorder())
            except ReadWanted as wanted:
                if (wanted.name, wanted.params) not in recorded:
                    recorded.append((wanted.name, wanted.params))
            except (AnsibleError, OperationError):
                # Decided again, with the results of the tasks before it, when planned.
                continue
        return recorded

    def _plan(self, tasks: list[RoleTask], variables: dict[str, t.Any], reads: Prefetched) -> dict[str, t.Any]:
        resources: list[dict[str, t.Any]] = []
        facts: dict[str, t.Any] = {}
        warnings: list[str] = []
        variables = dict(variables)
        outcome: dict[str, t.Any] = {}
        for task in tasks:
            entry: dict[str, t.Any] = {'role': task.role, 'task': task.name, 'module': task.module}
            if not task.ours:
                continue
            try:
                holds = self._holds(task, variables)
            except AnsibleError as error:
                entry['result'] = {'failed': True, 'msg': str(error)}
                resources.append(entry)
                outcome = {'failed': True, 'msg': '%s: %s' % (task.name, error)}
                break
            if not holds:
                entry['result'] = {'skipped': True, 'changed': False}
                resources.append(entry)
                if task.register:
                    variables[task.register] = entry['result']
                continue
            try:
                args, answer = self._run_module(task, variables, reads)
                if 'state' in args:
                    entry['state'] = args['state']
            except AnsibleError as error:
                answer = {'failed': True, 'msg': str(error)}
            entry['result'] = answer
            resources.append(entry)
            facts.update(answer.get('ansible_facts') or {})
            warnings.extend(answer.get('warnings') or ())
            if task.register:
                variables[task.register] = answer
            variables.update(answer.get('ansible_facts') or {})
            if answer.get('failed'):
                outcome = {'failed': True, 'msg': '%s: %s' % (task.name, answer.get('msg', 'failed'))}
                break
        changed = any(entry['result'].get('changed') for entry in resources)
        outcome.update(resources=resources, in_sync=not changed and not outcome.get('failed'),
                       # Nothing changed here: outside check mode the roles apply the changes.
                       changed=changed and self._task.check_mode)
        if facts:
            outcome['ansible_facts'] = facts
        if warnings:
            outcome['warnings'] = warnings
        return outcome

    def _templar_for(self, variables: dict[str, t.Any]) -> t.Any:
        return self._templar.copy_with_new_env(available_variables=variables)

    def _holds(self, task: RoleTask, variables: dict[str, t.Any]) -> bool:
        templar = self._templar_for(variables)
        for condition in task.when:
            if isinstance(condition, bool):
                holds = condition
            elif hasattr(templar, 'evaluate_conditional'):
                holds = templar.evaluate_conditional(condition)
            else:  # ansible-core 2.18
                # its templar may turn the text 'True' into the bool
                holds = templar.template('{%% if %s %%}True{%% else %%}False{%% endif %%}' % condition) in (True, 'True')
            if not holds:
                return False
        return True

    def _run_module(self, task: RoleTask, variables: dict[str, t.Any], reads: t.Any
                    ) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
        """The module's own action plugin, run in check mode on `task`'s arguments with `reads` answering."""
        args = self._templar_for(variables).template(task.args)
        omit = variables.get('omit')
        args = {key: value for key, value in args.items() if not (isinstance(value, str) and value == omit)}
        # Without its parent blocks and role (copying them took a tenth of this action's time): the
        # task's own attributes, check and diff mode included, were resolved when it was validated.
        sub_task = self._task.copy(exclude_parent=True)
        sub_task.diff = self._task.diff
        sub_task.args = args
        sub_task.action = task.module
        sub_task.check_mode = True
        plugin = self._shared_loader_obj.action_loader.get(
            task.module, task=sub_task, connection=self._connection, play_context=self._play_context,
            loader=self._loader, templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        if plugin is None:
            raise AnsibleActionFail('%s: no action plugin %s' % (task.name, task.module))
        plugin.reads = reads
        return args, plugin.run(task_vars=variables)
