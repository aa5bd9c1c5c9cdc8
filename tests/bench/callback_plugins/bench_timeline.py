"""Records when each host ran each task, for `make bench` (tests/bench/bench.py).

Enabled with ANSIBLE_CALLBACKS_ENABLED=bench_timeline and
ANSIBLE_CALLBACK_PLUGINS pointing at this directory; writes a JSON list to the
file named by BENCH_TIMELINE when the play ends:

    [{"host", "task", "uuid", "action", "role", "handler", "start", "end",
      "status", "changed"}, ...]

Times are epoch seconds taken when the controller processed the event. A
result reaches this plugin only after the worker closed its connection, so
every request a task made happened before its `end`; the bench attributes
the simulator's requests to tasks by those end times.
"""

from __future__ import annotations

import json
import os
import time

from ansible.playbook.handler import Handler
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_timeline
type: aggregate
short_description: per host, when each task started and ended
description:
  - Writes a JSON list of task runs to the file named by the BENCH_TIMELINE environment variable.
requirements:
  - enabled in the callbacks_enabled setting
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timeline'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._started = {}
        self._records = []

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.time()

    def _finished(self, result, status):
        task = result._task
        host = result._host.get_name()
        role = getattr(task, '_role', None)
        self._records.append({
            'host': host,
            'task': task.get_name(),
            'uuid': task._uuid,
            'action': task.action,
            'role': role.get_name() if role else None,
            'handler': isinstance(task, Handler),
            'start': self._started.pop((host, task._uuid), None),
            'end': time.time(),
            'status': status,
            'changed': bool(result._result.get('changed', False)),
        })

    def v2_runner_on_ok(self, result):
        self._finished(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._finished(result, 'ignored' if ignore_errors else 'failed')

    def v2_runner_on_skipped(self, result):
        self._finished(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._finished(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('BENCH_TIMELINE')
        if not path:
            self._display.warning('bench_timeline: BENCH_TIMELINE is not set; nothing written')
            return
        staged = path + '.tmp'
        with open(staged, 'w', encoding='utf-8') as handle:
            json.dump(self._records, handle, indent=1)
        os.replace(staged, path)
