"""A drift sweep sliced as AWX slices a job, run by ansible-runner (the executor AWX uses).

Four simulated hosts, two slices of two hosts each (AWX gives out the
inventory's hosts in turn: docs/awx.md), each slice one ansible-runner job of
wcow.buildkit.drift with the whole-host path. The job events must show, per
slice, one runner_on_ok of the whole-host task for each host of the slice and
none of the other slice, no runner_on_failed or unreachable host, and the
drift found on the bare hosts; each slice's drift report holds its own hosts.

The tests' own helper module is also named ansible_runner
(tests/integration/ansible_runner.py), so the real package runs in a child
process: `python -m ansible_runner run`, as its command line documents.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_runner import collections_path
from test_site import extra_vars  # noqa: F401  # pylint: disable=unused-import
from winsim.fleet import HostSpec

HOSTS = ('s1', 's2', 's3', 's4')
STATE_TASK = 'Read and plan the whole host at once'


def _runner_env(ansible) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != 'PYTHONSAFEPATH'}
    env['PATH'] = os.pathsep.join([str(ansible.bindir), env.get('PATH', '')])
    return env


def _has_runner(env: dict[str, str], cwd: Path) -> bool:
    found = subprocess.run([sys.executable, '-c', 'import ansible_runner.interface'], env=env, cwd=str(cwd),
                           capture_output=True, check=False)
    return found.returncode == 0


def _events(private: Path, ident: str) -> list[dict]:
    return [json.loads(path.read_text())
            for path in sorted((private / 'artifacts' / ident / 'job_events').glob('*.json'))]


def test_sliced_drift_sweep_job_events(ansible, start_fleet, tmp_path, extra_vars):  # noqa: F811
    env = _runner_env(ansible)
    if not _has_runner(env, tmp_path):
        pytest.skip('ansible-runner is not installed (requirements/tools.txt pins it)')
    fleet = start_fleet(*(HostSpec(name, 'ws2022' if index % 2 else 'ws2019') for index, name in enumerate(HOSTS)))
    private = tmp_path / 'runner'
    (private / 'inventory').mkdir(parents=True)
    (private / 'project').mkdir()
    (private / 'env').mkdir()
    shutil.copy(fleet.inventory_path, private / 'inventory' / 'hosts.yml')
    (private / 'project' / 'drift.yml').write_text(yaml.safe_dump([{'import_playbook': 'wcow.buildkit.drift'}]))
    variables_file = Path(extra_vars[1].lstrip('@'))
    variables = json.loads(variables_file.read_text())
    variables['wcow_whole_host'] = True
    (private / 'env' / 'extravars').write_text(json.dumps(variables))

    slices = {'slice1': HOSTS[0::2], 'slice2': HOSTS[1::2]}
    for ident, hosts in slices.items():
        report_dir = tmp_path / ('report-%s' % ident)
        # Each slice writes the drift report of its own hosts.
        (private / 'env' / 'envvars').write_text(json.dumps({
            'ANSIBLE_COLLECTIONS_PATH': collections_path(),
            'ANSIBLE_CALLBACKS_ENABLED': 'wcow.buildkit.drift_report',
            'WCOW_DRIFT_REPORT_DIR': str(report_dir),
            'ANSIBLE_HOME': str(tmp_path / 'ansible-home'),
            'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
        }))
        command = [sys.executable, '-m', 'ansible_runner', 'run', str(private), '--ident', ident,
                   '-p', 'drift.yml', '--limit', ','.join(hosts), '--cmdline', '--check --diff']
        done = subprocess.run(command, env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300,
                              check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert (private / 'artifacts' / ident / 'rc').read_text().strip() == '0'
        assert (private / 'artifacts' / ident / 'status').read_text().strip() == 'successful'

        events = _events(private, ident)
        assert not [event for event in events if event['event'] in ('runner_on_failed', 'runner_on_unreachable')]
        state_ok = {event['event_data']['host']: event['event_data']['res'] for event in events
                    if event['event'] == 'runner_on_ok' and event['event_data'].get('task') == STATE_TASK}
        assert sorted(state_ok) == sorted(hosts), (ident, sorted(state_ok))
        for host, result in state_ok.items():
            # Bare hosts: the whole-host path finds them out of sync and, in check mode, says what would change.
            assert result['in_sync'] is False and result['changed'] is True, (host, result.get('msg'))
            assert any(entry['result'].get('changed') for entry in result['resources']), host
        stats = next(event for event in events if event['event'] == 'playbook_on_stats')['event_data']
        assert sorted(stats['ok']) == sorted(hosts) and not stats['failures'] and not stats['dark'], stats

        report = json.loads((report_dir / 'drift-report.json').read_text())
        assert sorted(report['hosts']) == sorted(hosts), ident
        for host in hosts:
            statuses = {entry['status'] for entry in report['hosts'][host]['resources'].values()}
            assert 'missing' in statuses and 'failed' not in statuses, (host, statuses)
