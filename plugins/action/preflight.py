# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the roles' variables on the controller before anything reaches a host
(see plugins/modules/preflight.py)."""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.wcow.buildkit.plugins.plugin_utils._preflight.role_specs import (
    PREFIX,
    UnknownEntryPoint,
    entry_point_options,
    short_role_name,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._preflight.variables import variable_problems


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    ARGUMENT_SPEC = dict(roles=dict(type='list', elements='str'))
    # The argument-spec constraints every action plugin of the collection declares: none here.
    MUTUALLY_EXCLUSIVE: tuple[tuple[str, ...], ...] = ()
    REQUIRED_TOGETHER: tuple[tuple[str, ...], ...] = ()
    REQUIRED_IF: tuple[tuple[t.Any, ...], ...] = ()
    REQUIRED_BY: dict[str, tuple[str, ...]] = {}

    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        self._supports_check_mode = True
        self._supports_async = False
        result = super().run(tmp, task_vars)
        _validated, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        entry_points = self._entry_points(args['roles'])
        variables = task_vars or {}
        options: set[str] = set()
        for role, entry_point in entry_points:
            options.update(entry_point_options(role, entry_point))
        values, problems = {}, []
        for name in sorted(n for n in variables if n in options or n.startswith(PREFIX)):
            try:
                values[name] = self._templar.template(variables[name])
            except AnsibleError as error:
                problems.append('%s: cannot be templated: %s' % (name, str(error).split('\n', maxsplit=1)[0]))
        problems += variable_problems(entry_points, values)
        names = ', '.join('%s (%s)' % pair for pair in entry_points)
        result.update(changed=False, entry_points=names)
        if problems:
            result.update(failed=True,
                          msg='The variables of %s have %d problem%s; nothing was done on the host:\n- %s'
                          % (names, len(problems), '' if len(problems) == 1 else 's', '\n- '.join(problems)))
        else:
            result['msg'] = 'The variables of %s are valid' % names
        return result

    def _entry_points(self, roles: list[str] | None) -> list[tuple[str, str]]:
        """(role, entry point) from `roles`, else the role that depends on the role running this task."""
        if roles:
            wanted = [(short_role_name(role), entry or 'main')
                      for role, _sep, entry in (item.partition(':') for item in roles)]
        else:
            # The chain ends with the role of this task; the one before it depends on it.
            chain = [role for role in self._task.get_dep_chain() or [] if role is not self._task._role]
            if not chain:
                raise AnsibleActionFail('roles: give the roles to check (role or role:entry_point); this task does not '
                                        'run in a role another role depends on')
            parent = chain[-1]
            entry = str(getattr(parent, '_from_files', {}).get('tasks') or 'main')
            wanted = [(short_role_name(parent.get_name()), entry.rsplit('.', 1)[0] if entry.endswith(
                ('.yml', '.yaml')) else entry)]
        for role, entry in wanted:
            try:
                entry_point_options(role, entry)
            except UnknownEntryPoint as error:
                raise AnsibleActionFail('roles: %s' % error)
        return wanted
