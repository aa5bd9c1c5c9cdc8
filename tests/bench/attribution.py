"""Join the controller's task timeline with the simulator's per-host request log.

A host runs one task at a time, and a task's result reaches the controller
(its `end`) only after the worker closed the task's connection. So every
event a host logged after the end of its previous task and up to the end of
this one belongs to this task, whatever the delay before the controller saw
the task start. Events after a host's last task are kept as `(after the
last task)` rather than dropped.
"""

from __future__ import annotations

import bisect
from collections import defaultdict

AFTER_LAST = '(after the last task)'
METRICS = ('requests', 'bytes_received', 'bytes_sent', 'powershell')


def task_key(record: dict) -> str:
    """Tasks are grouped by what a reader recognises: name and action (uuids differ per include)."""
    prefix = 'handler: ' if record.get('handler') else ''
    return '%s%s [%s]' % (prefix, record['task'], record['action'])


def empty_metrics() -> dict:
    return {name: 0 for name in METRICS}


def attribute(timeline: list[dict], logs: dict[str, dict]) -> list[dict]:
    """One row per (host, task run): the timeline record plus its metrics.

    `logs` maps a host name to `Counters.log()` ({"events": [...], ...}).
    """
    by_host: dict[str, list[dict]] = defaultdict(list)
    for record in timeline:
        by_host[record['host']].append(record)
    rows = []
    for host in sorted(set(by_host) | set(logs)):
        records = sorted(by_host.get(host, []), key=lambda r: r['end'])
        host_rows = [dict(record, key=task_key(record), **empty_metrics()) for record in records]
        ends = [record['end'] for record in records]
        leftover = dict(host=host, task=AFTER_LAST, key=AFTER_LAST, action='', role=None, handler=False,
                        start=None, end=None, status='', changed=False, **empty_metrics())
        for event in logs.get(host, {}).get('events', []):
            index = bisect.bisect_left(ends, event['t'])
            row = host_rows[index] if index < len(host_rows) else leftover
            if event['kind'] == 'request':
                row['requests'] += 1
                row['bytes_received'] += event['received']
                row['bytes_sent'] += event['sent']
            elif event['kind'] == 'powershell':
                row['powershell'] += 1
        rows.extend(host_rows)
        if any(leftover[name] for name in METRICS):
            rows.append(leftover)
    return rows
