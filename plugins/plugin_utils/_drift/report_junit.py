# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""drift-report.xml: the report as JUnit XML, which CI systems show as test results.

One test suite per host, one test case per resource checked on it (classname:
the host, name: the resource). A resource that drifted, is absent or waits on
another one is a failure whose text is the difference; a check that failed or
a host that did not answer is an error; a resource not checked on the host is
skipped. A failed task that is no resource is an error case of its own.

Written with the JUnit XML classes ansible-core ships (ansible.utils._junit_xml,
which ansible-test and community.general's junit callback use), so the
collection needs nothing more on the controller.
"""

from __future__ import annotations

import typing as t

from ansible.utils._junit_xml import TestCase, TestError, TestFailure, TestSuite, TestSuites

from .report_model import LABELS, NOT_CHECKED

FAILURES = ('drifted', 'missing', 'blocked')
ERRORS = ('failed', 'unreachable')


def render_junit(data: dict[str, t.Any]) -> str:
    suites = []
    for host_name, host in data['hosts'].items():
        cases = []
        for resource in data['resources']:
            entry = host['resources'].get(resource)
            case = TestCase(name=resource, classname=host_name)
            if entry is None:
                case.skipped = NOT_CHECKED
            else:
                _add_finding(case, entry['status'], entry['message'], entry['summary'])
            cases.append(case)
        for problem in host['problems']:
            case = TestCase(name='task %s' % problem['task'], classname=host_name)
            _add_finding(case, problem['status'], problem['message'], [])
            cases.append(case)
        suites.append(TestSuite(name=host_name, hostname=host_name, cases=cases))
    return TestSuites(name=data['title'], suites=suites).to_pretty_xml()


def _add_finding(case: TestCase, status: str, message: str | None, summary: list[str]) -> None:
    label = LABELS[status]
    text = '\n'.join(([message] if message else []) + list(summary)) or label
    first = message or (summary[0] if summary else '')
    headline = '%s: %s' % (label, first) if first else label
    if status in FAILURES:
        case.failures.append(TestFailure(message=headline, output=text, type=status))
    elif status in ERRORS:
        case.errors.append(TestError(message=headline, output=text, type=status))
