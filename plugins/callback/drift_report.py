# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
name: drift_report
type: aggregate
short_description: Write a drift report of a check-mode run, in Markdown, HTML, JSON and JUnit XML
version_added: 0.1.0
author:
  - wcow.buildkit contributors (@wcow)
description:
  - Meant for a run with C(--check --diff), such as the C(wcow.buildkit.drift) playbook. For every host and
    every task of a C(wcow.buildkit) module, it records whether the resource the task manages is in sync, drifted,
    absent, waiting on another resource, failed or unreachable, and when the run ends writes C(drift-report.md),
    C(drift-report.html), C(drift-report.json) and C(drift-report.xml) (JUnit, for CI systems) to O(report_dir).
  - The Markdown and HTML reports start with a summary (hosts by status, and each resource by status), then list only
    what is not in sync, grouped by host or by resource (O(group_by)).
  - "C(in sync): the task reported no change. C(drifted): the task reported a change; the report shows the diff in
    short, or the C(changes), C(changed_files) and C(removed_files) lists the module returned. C(absent on host)
    (C(missing) in the JSON): the task reported a change and every part of its diff has an absent C(before) and a
    present C(after), so the resource does not exist on the host. A C(before) is absent when it is
    C({state: absent}), a mapping whose C(exists) is false, an empty mapping or empty text (an empty file counts as
    absent). Without C(--diff) a change is always drifted. C(waits on another resource) (C(blocked)): the task
    reported a change without a diff and named what it depends on (C(depends_on)), such as a CNI config whose HNS
    network is absent. C(check failed) and C(host unreachable): the task failed, or the host did not answer."
  - A host is C(in sync), C(drifted) (something on it drifted, is absent or waits on another resource),
    C(check failed) or C(unreachable).
  - "For pipelines: the callback keeps each host's status in the host variable C(wcow_drift_status) as the run goes
    (C(in_sync), C(drifted), C(failed) or C(unreachable)); the C(wcow.buildkit.drift) playbook fails on the hosts
    that are not in sync when C(wcow_drift_fail=true). A task with the variable C(wcow_drift_verdict) set is not
    recorded."
  - A resource is named after its task, without the C(<role> :) prefix. A task that runs twice on a host, such as a
    role included twice, is a second column, named after the task with a 2 in parentheses.
  - Tasks of modules outside C(wcow.buildkit) (M(ansible.builtin.assert), M(ansible.builtin.set_fact), ...), skipped
    tasks, handlers, tasks with C(state=restarted), M(wcow.buildkit.wcow_facts) and M(wcow.buildkit.win_service_restart)
    are not resources. When such a task fails or a host is unreachable, the host's row says so.
  - The report describes the last run. Without check mode it still records what changed, and says at its top that
    the run was not in check mode.
  - A play cannot enable a callback. Enable this one with C(ANSIBLE_CALLBACKS_ENABLED=wcow.buildkit.drift_report), or
    C(callbacks_enabled) in the C([defaults]) section of C(ansible.cfg).
requirements:
  - Enabled in the configuration (see above).
options:
  report_dir:
    description:
      - Directory the reports are written to, created when missing (mode 0750). Files of an earlier report there are replaced.
      - Each report file is written with mode 0640, whatever the umask, since it names hosts, paths and differences.
      - The variable is read from extra vars (C(-e)) only.
    type: path
    default: .
    env:
      - name: WCOW_DRIFT_REPORT_DIR
    ini:
      - section: callback_wcow_drift_report
        key: report_dir
    vars:
      - name: wcow_drift_report_dir
  title:
    description:
      - Title of the report, its first heading.
      - The variable is read from extra vars (C(-e)) only.
    type: str
    default: WCOW BuildKit drift report
    env:
      - name: WCOW_DRIFT_REPORT_TITLE
    ini:
      - section: callback_wcow_drift_report
        key: title
    vars:
      - name: wcow_drift_report_title
  group_by:
    description:
      - How the Markdown and HTML reports list what is not in sync, after the summary. V(host) lists each host
        that is not in sync with its resources; V(resource) lists each resource with the hosts it is not in sync on.
      - The variable is read from extra vars (C(-e)) only.
    type: str
    default: host
    choices: [host, resource]
    env:
      - name: WCOW_DRIFT_REPORT_GROUP_BY
    ini:
      - section: callback_wcow_drift_report
        key: group_by
    vars:
      - name: wcow_drift_report_group_by
notes:
  - The report does not hold the full diffs, only a short summary of each (at most twelve changed lines of a text
    diff). Run with C(--diff) and a stdout callback to see them whole.
  - Values the modules hide with C(no_log) are not in the report.
seealso:
  - name: Drift report
    description: How to run the drift playbook and read its report (docs/drift.md in the collection).
    link: https://github.com/wcow/buildkit/blob/main/docs/drift.md
'''

import os
import typing as t

from ansible.playbook.handler import Handler
from ansible.plugins.callback import CallbackBase

from ansible_collections.wcow.buildkit.plugins.plugin_utils._drift.classify import classify
from ansible_collections.wcow.buildkit.plugins.plugin_utils._drift.report_files import write_reports
from ansible_collections.wcow.buildkit.plugins.plugin_utils._drift.report_model import (
    COLLECTION_PREFIX,
    DriftReport,
    is_resource,
    resource_name,
)

OPTION_VARIABLES = ('wcow_drift_report_dir', 'wcow_drift_report_title', 'wcow_drift_report_group_by')
# The host variable holding each host's status so far, for a play to act on.
STATUS_VARIABLE = 'wcow_drift_status'
# A task with this variable set is the play acting on the report: not recorded.
VERDICT_VARIABLE = 'wcow_drift_verdict'
# Its result lists the resources it planned, each recorded as the task of the role.
WHOLE_HOST = COLLECTION_PREFIX + 'buildkit_host_state'


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'wcow.buildkit.drift_report'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._report: DriftReport | None = None
        self._variables: t.Any = None

    @property
    def report(self) -> DriftReport:
        if self._report is None:
            self._report = DriftReport(self.get_option('title'), group_by=self.get_option('group_by'))
        return self._report

    def v2_playbook_on_start(self, playbook: t.Any) -> None:
        self.report.add_playbook(os.path.basename(getattr(playbook, '_file_name', '') or ''))

    def v2_playbook_on_play_start(self, play: t.Any) -> None:
        # ansible-core 2.19 and newer read documented variables from extra vars
        # before the run; 2.18 does not, so read them here, on every core.
        manager = self._variables = play.get_variable_manager()
        extra_vars = manager.extra_vars if manager is not None else {}
        found = dict((name, extra_vars[name]) for name in OPTION_VARIABLES if name in extra_vars)
        if found:
            self.set_options(var_options=found)
            if self._report is not None:
                self._report.title = self.get_option('title')
                self._report.group_by = self.get_option('group_by')

    def v2_runner_on_ok(self, result: t.Any) -> None:
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result: t.Any, ignore_errors: bool = False) -> None:
        self._record(result, 'failed')

    def v2_runner_on_unreachable(self, result: t.Any) -> None:
        self._record(result, 'unreachable')

    def v2_runner_on_skipped(self, result: t.Any) -> None:
        self.report.host((getattr(result, 'host', None) or result._host).get_name())

    def v2_playbook_on_stats(self, stats: t.Any) -> None:
        directory = self.get_option('report_dir')
        try:
            paths = write_reports(self.report.as_data(), directory)
        except OSError as error:
            self._display.warning('wcow.buildkit.drift_report: could not write the report to %s: %s'
                                  % (directory, error))
            return
        self._display.display('Drift report: %s' % ', '.join(paths))

    def _record(self, result: t.Any, outcome: str) -> None:
        task = getattr(result, 'task', None) or result._task
        host = (getattr(result, 'host', None) or result._host).get_name()
        values = getattr(result, 'result', None)
        values = values if isinstance(values, dict) else result._result
        if (task.vars or {}).get(VERDICT_VARIABLE):
            return
        module = _module(task)
        modes = dict(check_mode=_flag(task.check_mode), diff_mode=_flag(task.diff))
        if module == WHOLE_HOST and isinstance(values.get('resources'), list):
            self._record_resources(host, values['resources'], modes)
            if outcome == 'ok':
                return
        finding = classify(outcome, values)
        state = task.args.get('state') if isinstance(task.args, dict) else None
        role = task._role.get_name() if task._role else None
        roles = [task._role.get_name(), task._role.get_name(include_role_fqcn=False)] if task._role else []
        name = resource_name(task.get_name(), roles)
        if is_resource(module, is_handler=isinstance(task, Handler), state=state):
            self.report.add_resource(host, name, finding, module=module, role=role, **modes)
        elif finding.status in ('failed', 'unreachable'):
            self.report.add_problem(host, name, finding, module=module, **modes)
        else:
            self.report.host(host)
        if self._variables is not None:
            self._variables.set_nonpersistent_facts(host, {STATUS_VARIABLE: self.report.status_of(host)})

    def _record_resources(self, host: str, resources: list[dict[str, t.Any]], modes: dict[str, bool]) -> None:
        """The tasks the whole-host action planned, each recorded as its own task would be."""
        for entry in resources:
            values = entry.get('result') or {}
            if values.get('skipped'):
                self.report.host(host)
                continue
            finding = classify('failed' if values.get('failed') else 'ok', values)
            role = '%s%s' % (COLLECTION_PREFIX, entry.get('role'))
            name = resource_name(entry.get('task'))
            if is_resource(entry.get('module'), state=entry.get('state')):
                self.report.add_resource(host, name, finding, module=entry.get('module'), role=role, **modes)
            elif finding.status in ('failed', 'unreachable'):
                self.report.add_problem(host, name, finding, module=entry.get('module'), **modes)


def _module(task: t.Any) -> str:
    """The task's module as an FQCN, without resolving templated actions (ansible warns then)."""
    action = task.action or ''
    if action.startswith(COLLECTION_PREFIX) or '{' in action:
        return action
    return getattr(task, 'resolved_action', None) or action


def _flag(value: t.Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() in ('1', 'true', 'yes', 'on')
