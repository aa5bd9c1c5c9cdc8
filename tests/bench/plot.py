"""Draw `make bench`'s plots from summary.json (report.py) with pygal.

    python tests/bench/plot.py DIR

writes DIR/bench.svg (median WinRM requests and PowerShell executions per
task and run) and DIR/bench-runs.svg (wall and controller CPU time per run).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pygal


def short(key: str) -> str:
    """'wcow.buildkit.cni : Ensure the HNS network exists [action]' -> 'cni: Ensure the HNS network exists'."""
    name = key.rsplit(' [', 1)[0]
    role, sep, task = name.partition(' : ')
    return '%s: %s' % (role.rsplit('.', 1)[-1], task) if sep else name


def task_chart(summary: dict) -> pygal.HorizontalBar:
    runs = [run for run in summary['runs'] if run['kind'] == 'site']
    order = []
    for run in runs:
        order += [task['key'] for task in run['tasks'] if task['hosts'] and task['key'] not in order]
    chart = pygal.HorizontalBar(title='Per task, median over hosts', height=120 + 28 * len(order) * 2,
                                legend_at_bottom=True, truncate_label=-1, print_values=False)
    chart.x_labels = [short(key) for key in order]
    for run in runs:
        tasks = {task['key']: task for task in run['tasks']}
        for metric, label in (('requests', 'WinRM requests'), ('powershell', 'PowerShell executions')):
            chart.add('%s: %s' % (run['label'], label),
                      [tasks[key][metric]['median'] if key in tasks and tasks[key]['hosts'] else None for key in order])
    return chart


def run_chart(summary: dict) -> pygal.Bar:
    chart = pygal.Bar(title='Per run (%(hosts)d hosts, %(latency_ms)g ms, forks %(forks)d)' % summary['config'],
                      y_title='seconds', legend_at_bottom=True, print_values=True)
    chart.x_labels = [run['label'] for run in summary['runs']]
    chart.add('wall', [round(run['wall_s'], 1) for run in summary['runs']])
    chart.add('controller CPU', [round(run['controller_cpu_s'], 1) for run in summary['runs']])
    chart.add('simulator CPU', [round(run['simulator_cpu_s'], 1) for run in summary['runs']])
    return chart


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print('usage: plot.py DIR', file=sys.stderr)
        return 2
    out = Path(argv[0])
    summary = json.loads((out / 'summary.json').read_text())
    task_chart(summary).render_to_file(str(out / 'bench.svg'))
    run_chart(summary).render_to_file(str(out / 'bench-runs.svg'))
    print('bench: plots in %s' % out)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
