# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' variables as their argument specs (meta/argument_specs.yml) declare them.

An entry point's variables are its own options and those of the entry points
of this collection's roles its tasks file includes (buildkit_host's main runs
windows_containers, containerd, cni and buildkit): the same rule
tests/unit/test_role_argument_specs.py checks the documented defaults with.
The names every role knows, plus what the roles register or set themselves
and the playbooks' own variables, are the collection's known `wcow_*` names.
"""

from __future__ import annotations

import functools
import os
import typing as t

import yaml

NAMESPACE = 'wcow.buildkit'
ROLES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'roles')
PREFIX = 'wcow_'
_INCLUDE_ACTIONS = ('ansible.builtin.include_role', 'ansible.builtin.import_role', 'include_role', 'import_role')

# Variables the playbooks read themselves (playbooks/*.yml headers), the drift_report callback's options, and the
# host variables that callback and the drift playbook set as they run.
PLAYBOOK_VARIABLES = frozenset((
    'wcow_hosts', 'wcow_upgrade_serial', 'wcow_upgrade_max_fail_percentage', 'wcow_drift_fail',
    'wcow_drift_report_dir', 'wcow_drift_report_title', 'wcow_drift_report_group_by',
    'wcow_drift_status', 'wcow_drift_verdict',
))
# Read by every module's action plugin, for the host it runs on (_core/host_lock.py).
HOST_VARIABLES = frozenset(('wcow_host_lock_timeout',))


class UnknownEntryPoint(ValueError):
    pass


# libyaml's parser when PyYAML has it: the pure Python one took most of the preflight task's time.
_SAFE_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


@functools.lru_cache(maxsize=None)
def _load(*parts: str) -> t.Any:
    """A YAML file of the roles, parsed once per process (callers only read it)."""
    path = os.path.join(ROLES_DIR, *parts)
    if not os.path.exists(path):
        return None
    with open(path, encoding='utf-8') as handle:
        return yaml.load(handle, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader


def role_names() -> list[str]:
    return sorted(name for name in os.listdir(ROLES_DIR) if os.path.isdir(os.path.join(ROLES_DIR, name)))


def short_role_name(name: str) -> str:
    return name[len(NAMESPACE) + 1:] if name.startswith(NAMESPACE + '.') else name


@functools.lru_cache(maxsize=None)
def entry_points(role: str) -> dict[str, t.Any]:
    return (_load(role, 'meta', 'argument_specs.yml') or {}).get('argument_specs') or {}


def _tasks(role: str, entry_point: str) -> list[dict[str, t.Any]]:
    return _load(role, 'tasks', '%s.yml' % entry_point) or []


def _walk(tasks: t.Iterable[t.Any]) -> t.Iterator[dict[str, t.Any]]:
    """Every task, blocks (block, rescue, always) opened."""
    for task in tasks:
        if not isinstance(task, dict):
            continue
        yield task
        for part in ('block', 'rescue', 'always'):
            yield from _walk(task.get(part) or [])


def included_entry_points(role: str, entry_point: str) -> list[tuple[str, str]]:
    """(role, entry point) of the collection's roles the tasks file includes."""
    found = []
    for task in _walk(_tasks(role, entry_point)):
        for action in _INCLUDE_ACTIONS:
            include = task.get(action)
            if isinstance(include, dict) and str(include.get('name', '')).startswith(NAMESPACE + '.'):
                found.append((short_role_name(include['name']), include.get('tasks_from', 'main')))
    return found


def entry_point_options(role: str, entry_point: str) -> dict[str, dict[str, t.Any]]:
    """The argument spec options of an entry point and of the entry points it includes; its own win."""
    specs = entry_points(role)
    if entry_point not in specs:
        raise UnknownEntryPoint('%s has no entry point %r (it has: %s)'
                                % (role, entry_point, ', '.join(sorted(specs)) or 'none'))
    options: dict[str, dict[str, t.Any]] = {}
    for included_role, included_entry in included_entry_points(role, entry_point):
        options.update(entry_point_options(included_role, included_entry))
    options.update(specs[entry_point].get('options') or {})
    return options


def _set_by_roles(role: str) -> set[str]:
    """Names a role's tasks register, set_fact or set as task vars: they show up as variables later."""
    names: set[str] = set()
    tasks_dir = os.path.join(ROLES_DIR, role, 'tasks')
    for file_name in sorted(os.listdir(tasks_dir)) if os.path.isdir(tasks_dir) else []:
        for task in _walk(_load(role, 'tasks', file_name) or []):
            if isinstance(task.get('register'), str):
                names.add(task['register'])
            for key in ('ansible.builtin.set_fact', 'set_fact', 'vars'):
                if isinstance(task.get(key), dict):
                    names.update(task[key])
    return names


@functools.lru_cache(maxsize=None)
def known_names() -> frozenset[str]:
    names = set(PLAYBOOK_VARIABLES | HOST_VARIABLES)
    for role in role_names():
        for spec in entry_points(role).values():
            names.update((spec or {}).get('options') or {})
        names.update(_load(role, 'defaults', 'main.yml') or {})
        names.update(_set_by_roles(role))
    return frozenset(name for name in names if name.startswith(PREFIX))
