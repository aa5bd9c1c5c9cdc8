# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The data of a drift report: hosts by resources, each with a status.

`DriftReport` collects what the drift_report callback sees and turns it into
a plain dict (`as_data()`), the content of drift-report.json. The Markdown and
HTML renderers (report_markdown.py, report_html.py) only read that dict, so a
report can be rendered again from its JSON.
"""

from __future__ import annotations

import datetime
import typing as t

if t.TYPE_CHECKING:
    from .classify import Finding

FORMAT = 2

# A resource's status on a host, from the best to the worst. The labels are
# what a reader sees: each names the resource's state, never the host's (a
# group deleted on a host is "absent on host", not a "missing" host).
STATUSES = ('in_sync', 'drifted', 'missing', 'blocked', 'failed', 'unreachable')
LABELS = {
    'in_sync': 'in sync',
    'drifted': 'drifted',
    'missing': 'absent on host',
    'blocked': 'waits on another resource',
    'failed': 'check failed',
    'unreachable': 'host unreachable',
}
NOT_CHECKED = 'not checked'
# A host's status: in sync, drifted (something drifted, is absent or waits on
# what is absent), or the worst reason some of it could not be checked.
HOST_STATUSES = ('in_sync', 'drifted', 'failed', 'unreachable')
HOST_LABELS = {
    'in_sync': 'in sync',
    'drifted': 'drifted',
    'failed': 'check failed',
    'unreachable': 'unreachable',
}

COLLECTION_PREFIX = 'wcow.buildkit.'
# wcow.buildkit modules that describe no state of the host: one only reads it,
# one restarts a service and always reports a change, one checks variables on the controller,
# and the whole-host one reports the resources of other modules (the callback records each).
NOT_RESOURCES = frozenset(('wcow.buildkit.wcow_facts', 'wcow.buildkit.win_service_restart', 'wcow.buildkit.preflight',
                           'wcow.buildkit.buildkit_host_state'))


def worst(statuses: t.Iterable[str], default: str = 'in_sync') -> str:
    ranked = [STATUSES.index(status) for status in statuses]
    return STATUSES[max(ranked)] if ranked else default


def host_status(statuses: t.Iterable[str]) -> str:
    """The status of a host whose resources and problems have these statuses."""
    status = worst(statuses)
    return 'drifted' if status in ('missing', 'blocked') else status


def is_resource(module: str | None, is_handler: bool = False, state: str | None = None) -> bool:
    """Whether a task's result describes a resource of the host.

    Only wcow.buildkit modules manage resources. Handlers and tasks with
    state=restarted act on a change instead of describing a state, and would
    report a change on every run.
    """
    if not module or not module.startswith(COLLECTION_PREFIX) or module in NOT_RESOURCES:
        return False
    return not is_handler and state != 'restarted'


def resource_name(task_name: str | None, role_names: t.Iterable[str] = ()) -> str:
    """The task name without the `<role> : ` prefix ansible puts before the tasks of a role."""
    name = ' '.join((task_name or '').split())
    for role in role_names:
        prefix = '%s : ' % role
        if role and name.startswith(prefix):
            return name[len(prefix):]
    return name


class DriftReport:
    def __init__(self, title: str, generated_at: datetime.datetime | None = None, group_by: str = 'host') -> None:
        self.title = title
        self.group_by = group_by
        self.generated_at = generated_at or datetime.datetime.now(datetime.timezone.utc)
        self.playbooks: list[str] = []
        self._resources: list[str] = []
        self._hosts: dict[str, dict[str, t.Any]] = {}
        self._seen: dict[tuple[str, str], int] = {}
        self._modes: set[tuple[bool, bool]] = set()

    def add_playbook(self, name: str) -> None:
        if name and name not in self.playbooks:
            self.playbooks.append(name)

    def host(self, name: str) -> dict[str, t.Any]:
        """The record of host `name`, created empty (no resources checked yet)."""
        return self._hosts.setdefault(name, {'resources': {}, 'problems': []})

    def status_of(self, host: str) -> str:
        """The host's status from what was recorded so far."""
        record = self.host(host)
        return host_status([entry['status'] for entry in record['resources'].values()]
                           + [problem['status'] for problem in record['problems']])

    def add_resource(self, host: str, name: str, finding: Finding, module: str | None = None, role: str | None = None,
                     check_mode: bool = True, diff_mode: bool = True) -> None:
        """Record a resource's finding (a classify.Finding) on host.

        A name seen again on the same host (a role included twice) becomes
        `name (2)`, `name (3)`: the nth occurrence is the same column on every
        host, as every host runs the tasks in the same order.
        """
        count = self._seen[host, name] = self._seen.get((host, name), 0) + 1
        key = name if count == 1 else '%s (%d)' % (name, count)
        if key not in self._resources:
            self._resources.append(key)
        self._modes.add((bool(check_mode), bool(diff_mode)))
        self.host(host)['resources'][key] = {
            'status': finding.status,
            'module': module,
            'role': role,
            'summary': list(finding.summary),
            'message': finding.message,
        }

    def add_problem(self, host: str, task: str, finding: Finding, module: str | None = None, check_mode: bool = True,
                    diff_mode: bool = True) -> None:
        """A failed or unreachable task that is not a resource: the host's row shows it."""
        self._modes.add((bool(check_mode), bool(diff_mode)))
        self.host(host)['problems'].append({
            'task': task,
            'module': module,
            'status': finding.status,
            'message': finding.message,
        })

    def as_data(self) -> dict[str, t.Any]:
        hosts = {}
        totals = dict((status, 0) for status in STATUSES)
        for name in sorted(self._hosts, key=str.lower):
            record = self._hosts[name]
            counts = dict((status, 0) for status in STATUSES)
            for entry in record['resources'].values():
                counts[entry['status']] += 1
                totals[entry['status']] += 1
            statuses = [entry['status'] for entry in record['resources'].values()]
            statuses += [problem['status'] for problem in record['problems']]
            hosts[name] = {
                'status': host_status(statuses),
                'counts': counts,
                'resources': dict((key, record['resources'][key]) for key in self._resources
                                  if key in record['resources']),
                'problems': list(record['problems']),
            }
        return {
            'format': FORMAT,
            'title': self.title,
            'generated_at': self.generated_at.strftime('%Y-%m-%dT%H:%M:%SZ'),
            'playbooks': list(self.playbooks),
            # How the renderers list what is not in sync: 'host' or 'resource'.
            'group_by': self.group_by,
            # False when any task ran outside check mode (or without --diff):
            # then "drifted" means "was changed by this run".
            'check_mode': all(check for check, _diff in self._modes),
            'diff_mode': all(diff for _check, diff in self._modes),
            'resources': list(self._resources),
            'hosts': hosts,
            'totals': totals,
        }


# --- views of the data, shared by the renderers ------------------------------------------------


def host_counts(data: dict[str, t.Any]) -> dict[str, int]:
    """How many hosts have each host status."""
    counts = dict((status, 0) for status in HOST_STATUSES)
    for host in data['hosts'].values():
        counts[host['status']] += 1
    return counts


def resource_counts(data: dict[str, t.Any]) -> dict[str, dict[str, int]]:
    """For each resource, how many hosts have each status, and on how many it was not checked."""
    counts = {}
    for resource in data['resources']:
        row = dict((status, 0) for status in STATUSES + ('not_checked',))
        for host in data['hosts'].values():
            entry = host['resources'].get(resource)
            row[entry['status'] if entry else 'not_checked'] += 1
        counts[resource] = row
    return counts


def problem_cells(data: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    """What is not in sync, host by host: each resource that is not, then each failed task that is no resource."""
    cells = []
    for host_name, host in data['hosts'].items():
        for resource, entry in host['resources'].items():
            if entry['status'] != 'in_sync':
                cells.append(dict(entry, host=host_name, name=resource, task=False))
        for problem in host['problems']:
            cells.append(dict(status=problem['status'], module=problem['module'], summary=[],
                              message=problem['message'], host=host_name, name=problem['task'], task=True))
    return cells


def group_cells(cells: list[dict[str, t.Any]], group_by: str, order: t.Sequence[str]) -> dict[str, list[dict]]:
    """The cells grouped by 'host' or by 'resource' (its name), groups in the given order, then the others."""
    key = 'host' if group_by == 'host' else 'name'
    groups: dict[str, list[dict[str, t.Any]]] = dict((name, []) for name in order)
    for cell in cells:
        groups.setdefault(cell[key], []).append(cell)
    return dict((name, members) for name, members in groups.items() if members)
