# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resources of a host as the collection's roles declare them.

The whole-host action plans the same tasks the roles run, read from the
roles' own task files: `role_tasks(loader, 'buildkit_host')` follows the
role's `include_role` of this collection's roles and lists their tasks in
order, untemplated; `role_defaults` merges those roles' defaults. Nothing
here repeats what a role passes to a module.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import typing as t

COLLECTION = 'wcow.buildkit.'
# The whole-host module, which runs the other tasks of its role.
WHOLE_HOST = COLLECTION + 'buildkit_host_state'
ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))), 'roles')
INCLUDE_ROLE = frozenset(('include_role', 'ansible.builtin.include_role', 'import_role', 'ansible.builtin.import_role'))
# Task keywords that are not the module.
KEYWORDS = frozenset(('name', 'when', 'register', 'notify', 'tags', 'no_log', 'vars', 'listen', 'changed_when',
                      'failed_when', 'ignore_errors', 'run_once', 'become', 'delegate_to', 'check_mode', 'diff'))


@dataclasses.dataclass(frozen=True)
class RoleTask:
    role: str
    name: str
    module: str
    args: dict[str, t.Any]
    when: tuple[t.Any, ...]
    register: str | None

    @property
    def ours(self) -> bool:
        return self.module.startswith(COLLECTION)


class Loader(t.Protocol):
    def load_from_file(self, file_name: str, *args: t.Any, **kwargs: t.Any) -> t.Any: ...


def load_trusted(loader: Loader, path: str) -> t.Any:
    """A YAML file of the collection, its strings templates (ansible-core 2.19 trusts none by default)."""
    if 'trusted_as_template' in inspect.signature(loader.load_from_file).parameters:
        return loader.load_from_file(path, trusted_as_template=True)
    return loader.load_from_file(path)


def role_tasks(loader: Loader, role: str) -> list[RoleTask]:
    found: list[RoleTask] = []
    for entry in load_trusted(loader, os.path.join(ROLES_DIR, role, 'tasks', 'main.yml')) or []:
        module = next((key for key in entry if key not in KEYWORDS), '')
        if module in INCLUDE_ROLE:
            included = (entry[module] or {}).get('name', '')
            if not included.startswith(COLLECTION):
                raise ValueError('role %s includes %s, which is not a role of the collection' % (role, included))
            found.extend(role_tasks(loader, included[len(COLLECTION):]))
            continue
        if module == WHOLE_HOST:
            continue
        when = entry.get('when', ())
        found.append(RoleTask(role=role, name=entry.get('name', module), module=module,
                              args=dict(entry[module] or {}) if isinstance(entry[module], dict) else {},
                              when=tuple(when) if isinstance(when, list) else (when,) if when != () else (),
                              register=entry.get('register')))
    return found


def role_defaults(loader: Loader, roles: t.Iterable[str]) -> dict[str, t.Any]:
    merged: dict[str, t.Any] = {}
    for role in roles:
        path = os.path.join(ROLES_DIR, role, 'defaults', 'main.yml')
        if os.path.exists(path):
            merged.update(load_trusted(loader, path) or {})
    return merged
