"""`make bench`'s machinery on two hosts without latency: the report has its sections and counts.

No figure of time is asserted: this checks that tests/bench/bench.py starts the
fleet and the archive server, runs site twice, attributes the simulator's
traffic to tasks and writes the report; `make bench` is the benchmark.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / 'bench' / 'bench.py'
METRICS = ('requests', 'bytes_received', 'bytes_sent', 'powershell')


@pytest.mark.slow
def bench(out, *args):
    bindir = Path(os.environ['WCOW_ANSIBLE_BINDIRS'].split()[0])
    done = subprocess.run(
        [sys.executable, str(BENCH), '--out', str(out), '--hosts', '2', '--latency-ms', '0', '--forks', '2',
         '--containers', 'enabled', '--ansible-bin', str(bindir), *args],
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_bench_writes_its_report_with_counts_per_task(tmp_path):
    out = tmp_path / 'bench'
    bench(out)

    report = (out / 'report.md').read_text()
    for section in ('## Runs', '## Targets', '## Per task: from-bare', '## Per task: no-change', '## Notes'):
        assert section in report
    summary = json.loads((out / 'summary.json').read_text())
    runs = {run['label']: run for run in summary['runs']}
    assert set(runs) == {'from-bare', 'no-change', 'no-change whole-host', 'drift', 'drift whole-host'}
    for run in runs.values():
        assert run['rc'] == 0 and run['wall_s'] > 0 and run['controller_cpu_s'] > 0
        assert all(run['totals'][name] > 0 for name in METRICS)
        # Every event went to a task: nothing was logged after a host's last task.
        assert '(after the last task)' not in [task['key'] for task in run['tasks']]
    # One PowerShell execution per task with nothing to change; at most three for a change.
    assert [target['met'] for target in summary['targets'][:2]] == [True, True]
    # The whole-host path: a host with nothing to change, at most two executions and 50 KB sent.
    quiet = next(target for target in summary['targets'] if target['target'].startswith('a host with nothing'))
    assert quiet['met'] is True, quiet

    with open(out / 'per-host-task.csv', encoding='utf-8') as handle:
        rows = list(csv.DictReader(handle))
    assert {row['host'] for row in rows} == {'w001', 'w002'}
    unchanged = [row for row in rows if row['run'] == 'no-change' and int(row['requests'])]
    assert unchanged and all(row['changed'] == 'False' and row['powershell'] == '1' for row in unchanged)
    assert json.loads((out / 'per-host-task.json').read_text())


@pytest.mark.slow
def test_bench_drift_mode_runs_the_whole_host_sweep_alone(tmp_path):
    bench(tmp_path / 'drift', '--mode', 'drift')
    summary = json.loads((tmp_path / 'drift' / 'summary.json').read_text())
    (run,) = summary['runs']
    assert run['label'] == 'drift whole-host' and run['rc'] == 0 and run['controller_cpu_s'] > 0
    # One execution per host: the batch read.
    assert run['totals']['powershell'] == 2
    # No site run in this mode: its per-task and no-change targets are not applicable, not failed.
    site_targets = [target for target in summary['targets'] if 'site' in target['target'] or 'task' in target['target']]
    assert site_targets and all(target['met'] is None for target in site_targets), site_targets
