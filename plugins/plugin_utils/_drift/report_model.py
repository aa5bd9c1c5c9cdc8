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

FORMAT = 1

# From the best to the worst: a host's status is the worst of its resources'.
STATUSES = ('in_sync', 'drifted', 'missing', 'failed', 'unreachable')
LABELS = {
    'in_sync': 'in sync',
    'drifted': 'drifted',
    'missing': 'missing',
    'failed': 'failed',
    'unreachable': 'unreachable',
}
NOT_CHECKED = 'not checked'

COLLECTION_PREFIX = 'wcow.buildkit.'
# wcow.buildkit modules that describe no state of the host: one only reads it,
# one restarts a service and always reports a change, and the whole-host one
# reports the resources of other modules (the callback records each).
NOT_RESOURCES = frozenset(('wcow.buildkit.wcow_facts', 'wcow.buildkit.win_service_restart',
                           'wcow.buildkit.buildkit_host_state'))


def worst(statuses: t.Iterable[str], default: str = 'in_sync') -> str:
    ranked = [STATUSES.index(status) for status in statuses]
    return STATUSES[max(ranked)] if ranked else default


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
    def __init__(self, title: str, generated_at: datetime.datetime | None = None) -> None:
        self.title = title
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
                'status': worst(statuses),
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
            # False when any task ran outside check mode (or without --diff):
            # then "drifted" means "was changed by this run".
            'check_mode': all(check for check, _diff in self._modes),
            'diff_mode': all(diff for _check, diff in self._modes),
            'resources': list(self._resources),
            'hosts': hosts,
            'totals': totals,
        }
