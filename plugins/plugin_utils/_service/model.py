# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Windows service as the collection models it, and what differs from the wanted one.

`ServiceConfig` / `ServiceState` and `service_from_read()`: one entry of the
service_read operation as Python values; `differences()` compares a wanted
configuration with the host's.
"""

from __future__ import annotations

import dataclasses
import typing as t

from .._core.differences import DifferenceTracker
from .command_line import parse_image_path
from .environment import same_environment, shown_environment
from .flags import FlagError, FlagSpec, flags_equal
from .recovery import Recovery, decode_failure_actions
from .registration import RUN_SERVICE, split_registered_arguments

START_TYPES = ('auto', 'delayed', 'manual', 'disabled')
STATES = ('Running', 'Stopped', 'Start Pending', 'Stop Pending', 'Continue Pending', 'Pause Pending', 'Paused')

_LOCAL_SYSTEM = frozenset(('localsystem', '.\\localsystem', 'nt authority\\system'))


@dataclasses.dataclass(frozen=True)
class ServiceConfig:
    """A service's configuration. In a wanted config, None means "do not manage"."""
    name: str
    binary: str | None = None
    arguments: tuple[str, ...] | None = None
    start_type: str | None = None
    dependencies: tuple[str, ...] | None = None
    display_name: str | None = None
    description: str | None = None
    account: str | None = None
    recovery: Recovery | None = None
    environment: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True)
class ServiceState:
    state: str
    pid: int
    exit_code: int = 0
    delete_pending: bool = False
    dependents: tuple[tuple[str, str], ...] = ()  # ((name, state), ...)


def start_type_of(start: int, delayed: bool) -> str:
    """The collection's start type from registry Start (2/3/4) and DelayedAutostart."""
    if start == 2:
        return 'delayed' if delayed else 'auto'
    return {3: 'manual', 4: 'disabled', 0: 'boot', 1: 'system'}.get(start, 'unknown(%s)' % start)


def service_from_read(entry: dict[str, t.Any]) -> tuple[ServiceConfig, ServiceState] | tuple[None, None]:
    """(ServiceConfig, ServiceState) of one service_read entry; (None, None) when absent."""
    if not entry['exists']:
        return None, None
    binary, arguments = parse_image_path(entry['image_path'])
    config = ServiceConfig(
        name=entry['service_name'],
        binary=binary,
        arguments=tuple(arguments),
        start_type=start_type_of(entry['start'], entry['delayed_auto_start']),
        dependencies=tuple(entry['dependencies']),
        display_name=entry['display_name'],
        description=entry['description'],
        account=entry['object_name'],
        recovery=decode_failure_actions(entry['failure_actions']),
        environment=tuple(entry.get('environment') or ()),
    )
    state = ServiceState(
        state=entry['state'],
        pid=entry['process_id'],
        exit_code=entry['exit_code'],
        delete_pending=entry['delete_pending'],
        dependents=tuple((d['name'], d['state']) for d in entry['dependents']),
    )
    return config, state


def same_path(left: str, right: str) -> bool:
    """Windows paths compare case-insensitively, `/` being `\\`."""
    def norm(path: str) -> str:
        return path.replace('/', '\\').rstrip('\\').casefold()
    return norm(left) == norm(right)


def same_account(left: str | None, right: str | None) -> bool:
    left, right = (left or 'LocalSystem').casefold(), (right or 'LocalSystem').casefold()
    return left == right or (left in _LOCAL_SYSTEM and right in _LOCAL_SYSTEM)


def same_dependencies(left: t.Iterable[str], right: t.Iterable[str]) -> bool:
    """Dependencies compare as sets of case-insensitive names (the SCM's names are)."""
    return sorted(set(d.casefold() for d in left)) == sorted(set(d.casefold() for d in right))


def differences(wanted: ServiceConfig, actual: ServiceConfig | None,
                flag_spec: FlagSpec | None = None) -> DifferenceTracker:
    """What differs between a wanted ServiceConfig and the host's (None when absent).

    Only the fields set in `wanted` are compared. Arguments compare exactly,
    or with `flag_spec` as flags_equal does, the service flags left out of the
    wanted side and required on the host's (`--run-service` and
    `--service-name <wanted.name>`, as --register-service writes them).
    """
    tracker = DifferenceTracker()
    if actual is None:
        tracker.add('exists', True, False)
        return tracker
    checks = (
        ('binary', same_path),
        ('arguments', lambda w, a: _same_arguments(w, a, flag_spec, wanted.name)),
        ('start_type', lambda w, a: w == a),
        ('dependencies', same_dependencies),
        ('display_name', lambda w, a: w == a),
        ('description', lambda w, a: w == a),
        ('account', same_account),
        ('recovery', lambda w, a: w == a),
        ('environment', same_environment),
    )
    for field, same in checks:
        want, have = getattr(wanted, field), getattr(actual, field)
        if want is None:
            continue
        if have is None or not same(want, have):
            if field == 'environment':
                want, have = shown_environment(want), shown_environment(have)
            tracker.add(field, _shown(want), _shown(have))
    return tracker


def _same_arguments(wanted: t.Sequence[str], actual: t.Sequence[str], flag_spec: FlagSpec | None, name: str) -> bool:
    """Exact, or with a flag spec: the same daemon flags, and the registration's
    own `--run-service --service-name <name>` present (containerd runs as a
    service only with --run-service; cmd/containerd/command/service_windows.go)."""
    if flag_spec is None:
        return list(wanted) == list(actual)
    actual_name, actual_rest = split_registered_arguments(actual)
    if RUN_SERVICE not in actual or (actual_name or '').casefold() != name.casefold():
        return False
    try:
        return flags_equal(split_registered_arguments(wanted)[1], actual_rest, flag_spec)
    except FlagError:
        return False


def _shown(value: t.Any) -> t.Any:
    if isinstance(value, Recovery):
        return value.to_params()
    if isinstance(value, tuple):
        return list(value)
    return value
