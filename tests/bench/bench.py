"""`make bench`: converge a simulated fleet with the site playbook, twice, sweep it for drift, and measure it.

    python tests/bench/bench.py --out DIR [--hosts 50] [--latency-ms 50] [--forks 25]
        [--containers bare|enabled] [--ansible-windows COLLECTIONS_DIR] [--mode auto|full|drift]

Starts the hosts (winsim) and the release-archive server (tests/demo), runs
`wcow.buildkit.site` from bare and again with nothing to change (by the roles,
then by the whole-host path, wcow_whole_host=true), the `wcow.buildkit.drift`
sweep both ways, optionally
runs the same steps written with ansible.windows modules
(tests/bench/ansible_windows/site.yml), and writes the report (report.py) to
DIR. With more than 200 hosts (--mode drift) it runs the whole-host drift
sweep only, and reports its wall time and controller CPU. Each run: wall time, the controller's CPU time (rusage of ansible-playbook
and its workers), and per host and task the simulator's counts, attributed by
the bench_timeline callback's task end times (attribution.py). Run it with
the Python of the virtualenv holding ansible-core; plot.py draws the plot.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
sys.path[:0] = [str(HERE), str(TESTS), str(TESTS / 'winsim' / 'src')]

import attribution  # noqa: E402
import report  # noqa: E402
from winsim.fleet import Fleet, HostSpec  # noqa: E402

SITE = 'wcow.buildkit.site'
DRIFT = 'wcow.buildkit.drift'
WHOLE_HOST = ['-e', 'wcow_whole_host=true']
ANSIBLE_WINDOWS_PLAYBOOK = HERE / 'ansible_windows' / 'site.yml'
MAX_HOSTS = 200
# --mode drift: the drift sweep alone, on a fleet this large.
MAX_DRIFT_HOSTS = 1000


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--out', required=True, type=Path, help='report directory (emptied first)')
    parser.add_argument('--hosts', type=int, default=50)
    parser.add_argument('--latency-ms', type=float, default=50)
    parser.add_argument('--forks', type=int, default=25)
    parser.add_argument('--profiles', default='ws2022,ws2019', help='host profiles, given out in turn')
    parser.add_argument('--containers', choices=('bare', 'enabled'), default='bare',
                        help='bare: site enables the container features and restarts each host once')
    parser.add_argument('--ansible-windows', type=Path, metavar='COLLECTIONS_DIR',
                        help='a collections path holding ansible_collections/ansible/windows: also run the comparison')
    parser.add_argument('--ansible-bin', type=Path, default=Path(sys.executable).parent,
                        help='where ansible-playbook is (default: beside this Python)')
    parser.add_argument('--mode', choices=('auto', 'full', 'drift'), default='auto',
                        help='full: site from bare, no-change site and drift, each by the roles and by the whole-host '
                             'path; drift: only the drift sweep of the whole-host path (for a large fleet); auto: '
                             'drift above %d hosts, else full' % MAX_HOSTS)
    args = parser.parse_args(argv)
    if args.mode == 'auto':
        args.mode = 'drift' if args.hosts > MAX_HOSTS else 'full'
    largest = MAX_DRIFT_HOSTS if args.mode == 'drift' else MAX_HOSTS
    if not 1 <= args.hosts <= largest:
        parser.error('--hosts must be between 1 and %d in --mode %s' % (largest, args.mode))
    if args.latency_ms < 0 or args.forks < 1:
        parser.error('--latency-ms must not be negative and --forks must be at least 1')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    (out / 'logs').mkdir(parents=True)
    profiles = args.profiles.split(',')
    hosts = [HostSpec('w%03d' % (index + 1), profiles[index % len(profiles)],
                      containers=args.containers == 'enabled') for index in range(args.hosts)]
    config = {'hosts': args.hosts, 'latency_ms': args.latency_ms, 'forks': args.forks,
              'profiles': ', '.join(profiles), 'containers': args.containers, 'cpus': os.cpu_count(),
              'ansible_core': _ansible_core_version(args.ansible_bin), 'python': platform.python_version(),
              'load_before': round(os.getloadavg()[0], 1), 'mode': args.mode}
    notes = [
        'Container features: %s. %s' % (args.containers, {
            'bare': 'The first run enables them and restarts each host once; win_container_features then only '
                    'opens WinRM shells until the host is back, then reads once (three executions).',
            'enabled': 'The hosts start with the features enabled: the first run installs the software only.',
        }[args.containers]),
        'Requests and executions are attributed to the task whose result the controller saw next on that host '
        '(a host runs one task at a time; tests/bench/attribution.py).',
    ]
    artifacts = _start_artifacts(out / 'artifacts')
    # wcow_winsim (tests/wcow_winsim): the simulated hosts' plug-in for this collection's scripts.
    fleet = Fleet(out / 'fleet', plugins=['wcow_winsim'])
    try:
        fleet.start(hosts, latency_ms=args.latency_ms, timeout=60 + args.hosts * 0.5)
        inventory = fleet.write_inventory(out / 'inventory.yml', group='wcow_buildkit_hosts')  # the playbooks' group
        runner = _Runner(fleet, inventory, out, args)
        if args.mode == 'drift':
            runs = [runner.run('drift whole-host', 'drift', DRIFT, extra_args=WHOLE_HOST)]
        else:
            runs = [runner.run('from-bare', 'site', SITE), runner.run('no-change', 'site', SITE),
                    runner.run('no-change whole-host', 'site', SITE, extra_args=WHOLE_HOST),
                    runner.run('drift', 'drift', DRIFT),
                    runner.run('drift whole-host', 'drift', DRIFT, extra_args=WHOLE_HOST)]
        if args.ansible_windows and args.mode == 'full':
            notes += _ANSIBLE_WINDOWS_NOTES
            runs.append(runner.run('ansible.windows', 'ansible.windows', str(ANSIBLE_WINDOWS_PLAYBOOK),
                                   collections=[args.ansible_windows.resolve()]))
        else:
            notes.append('ansible.windows comparison: not run (no --ansible-windows collections path given).')
    finally:
        fleet.stop()
        artifacts.terminate()
        artifacts.wait(10)
    summary = report.write(out, config, runs, notes)
    for run in summary['runs']:
        print('bench: %-16s wall %6.1f s  controller CPU %6.1f s  rc %d' % (
            run['label'], run['wall_s'], run['controller_cpu_s'], run['rc']))
    for target in summary['targets']:
        print('bench: %-15s %s' % ({True: 'met', False: 'NOT MET', None: 'n/a'}[target['met']], target['target']))
    print('bench: report in %s' % (out / 'report.md'))
    failed = [run['label'] for run in summary['runs'] if run['kind'] in OURS and run['rc'] != 0]
    if failed:
        print('bench: site failed in run(s) %s; see %s' % (', '.join(failed), out / 'logs'), file=sys.stderr)
        return 1
    return 0


_ANSIBLE_WINDOWS_NOTES = [
    'ansible.windows comparison: the same steps written with its generic modules '
    '(tests/bench/ansible_windows/site.yml), run once against the same hosts. The simulator runs only '
    "wcow.buildkit's operations: any other script fails as an uncaught PowerShell error would (exit 1, an "
    'error record on stderr), never a made-up success, so every task fails once (ignore_errors) and nothing '
    'on the host changes.',
    'What that counts is each module sent once: its exec wrapper, module_utils and module on stdin, and the '
    'round trips to run it, which is the cost of one module execution whatever it would answer. It is a lower '
    'bound for ansible.windows: with real answers, win_copy and win_template also create and remove a remote '
    'temporary directory (two more executions each; here they stop at the first), and the follow-up steps '
    'that depend on a result (the restart after win_feature) are skipped.',
    'The ratio is taken against both wcow.buildkit runs; the no-change run is the like-for-like one '
    '(one execution per task on both sides).',
]


OURS = ('site', 'drift')


class _Runner:
    def __init__(self, fleet, inventory, out, args):
        self.fleet, self.inventory, self.out, self.args = fleet, inventory, out, args
        self.extra_vars = out / 'artifacts' / 'extra-vars.json'

    def run(self, label, kind, playbook, collections=(), extra_args=()):
        stem = label.replace(' ', '-')
        timeline = self.out / 'logs' / ('%s.timeline.json' % stem)
        env = dict(os.environ)
        env.update({
            'PATH': os.pathsep.join([str(self.args.ansible_bin), env.get('PATH', '')]),
            'ANSIBLE_CALLBACK_PLUGINS': str(HERE / 'callback_plugins'),
            'ANSIBLE_CALLBACKS_ENABLED': 'bench_timeline' + (',wcow.buildkit.drift_report' if kind == 'drift' else ''),
            'WCOW_DRIFT_REPORT_DIR': str(self.out / 'logs' / ('%s.report' % stem)),
            'BENCH_TIMELINE': str(timeline),
            'ANSIBLE_COLLECTIONS_PATH': os.pathsep.join(
                [str(path) for path in collections] + [env.get('ANSIBLE_COLLECTIONS_PATH', '')]),
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
        })
        command = [str(self.args.ansible_bin / 'ansible-playbook'), '-i', str(self.inventory),
                   '-e', '@%s' % self.extra_vars, '-f', str(self.args.forks), *extra_args, playbook]
        command += ['--check', '--diff'] if kind == 'drift' else []
        self.fleet.reset_counters()
        simulator_before = _process_cpu(self.fleet)
        log = self.out / 'logs' / ('%s.log' % stem)
        print('bench: %s: %s' % (label, ' '.join(command)), flush=True)
        with open(log, 'wb') as handle:
            started = time.monotonic()
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
                                       env=env)
            # wait4: this child's own rusage, its reaped workers included.
            _unused, status, usage = os.wait4(process.pid, 0)
            wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        simulator_cpu = _process_cpu(self.fleet) - simulator_before
        records = json.loads(timeline.read_text()) if timeline.exists() else []
        rows = attribution.attribute(records, self.fleet.request_log())
        if process.returncode != 0 and kind in OURS:
            print('bench: %s exited with %d; the tail of %s:' % (label, process.returncode, log), file=sys.stderr)
            print('\n'.join(log.read_text(errors='replace').splitlines()[-30:]), file=sys.stderr)
        return {'label': label, 'kind': kind, 'playbook': Path(playbook).name if kind not in OURS else playbook,
                'wall_s': wall, 'controller_cpu_s': usage.ru_utime + usage.ru_stime,
                'simulator_cpu_s': simulator_cpu, 'rc': process.returncode, 'rows': rows}


def _process_cpu(fleet) -> float:
    """User + system seconds of the process serving the fleet, from /proc (0 where there is none)."""
    try:
        pid = int((fleet.dir / 'serve.pid').read_text())
        fields = Path('/proc/%d/stat' % pid).read_text().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    except (OSError, ValueError, IndexError):
        return 0.0


def _start_artifacts(directory: Path) -> subprocess.Popen:
    directory.mkdir(parents=True)
    log = open(directory / 'server.log', 'wb')  # noqa: SIM115 - kept open while the server runs
    process = subprocess.Popen([sys.executable, str(TESTS / 'demo' / 'artifacts.py'), str(directory)],
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 30
    while not (directory / 'extra-vars.json').exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit('bench: the archive server did not start:\n%s' % (directory / 'server.log').read_text())
        time.sleep(0.1)
    return process


def _ansible_core_version(bindir: Path) -> str:
    try:
        first = subprocess.run([str(bindir / 'ansible-playbook'), '--version'], capture_output=True, text=True,
                               check=True).stdout.splitlines()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return 'unknown'
    return first.split('core', 1)[-1].strip(' []') if 'core' in first else first


if __name__ == '__main__':
    sys.exit(main())
