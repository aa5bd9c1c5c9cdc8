# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: write every task result to $WCOW_RESULTS_FILE as JSON."""

from __future__ import annotations

DOCUMENTATION = r'''
name: wcow_results
type: aggregate
short_description: Write task results to a JSON file for the integration tests
description:
  - Collects each task result per host and writes them to the file named by E(WCOW_RESULTS_FILE) when the play ends.
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'wcow_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.results = []

    def _record(self, result, status):
        self.results.append({
            'host': result._host.get_name(),
            'task': result._task.get_name(),
            'status': status,
            'result': json.loads(json.dumps(result._result, default=str)),
        })

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_playbook_on_stats(self, stats):
        with open(os.environ['WCOW_RESULTS_FILE'], 'w', encoding='utf-8') as handle:
            json.dump(self.results, handle, indent=1)
