"""Run ansible-playbook against simulated hosts and collect task results."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def ansible_bindirs():
    """bin dirs holding ansible-playbook, newest ansible-core first."""
    configured = os.environ.get('WCOW_ANSIBLE_BINDIRS', '').split()
    return configured or [str(Path(sys.executable).parent)]


def collections_path():
    configured = os.environ.get('ANSIBLE_COLLECTIONS_PATH')
    if configured:
        return configured
    root = tempfile.mkdtemp(prefix='wcow-collections-')
    os.makedirs(os.path.join(root, 'ansible_collections', 'wcow'))
    os.symlink(REPO, os.path.join(root, 'ansible_collections', 'wcow', 'buildkit'))
    os.environ['ANSIBLE_COLLECTIONS_PATH'] = root
    return root


@dataclasses.dataclass
class PlaybookRun:
    rc: int
    output: str
    results: list

    def for_host(self, host, task=None):
        return [r for r in self.results if r['host'] == host and (task is None or r['task'] == task)]

    def task(self, host, task):
        found = self.for_host(host, task)
        assert len(found) == 1, 'expected one result of %r on %s, got %d:\n%s' % (task, host, len(found), self.output)
        return found[0]

    @property
    def changed_hosts(self):
        return sorted({r['host'] for r in self.results if r['result'].get('changed')})


class Ansible:
    """One ansible-core installation (its bin dir)."""

    def __init__(self, bindir):
        self.bindir = Path(bindir)
        self.version = subprocess.run([str(self.bindir / 'ansible'), '--version'], capture_output=True,
                                      text=True, check=True).stdout.split('\n')[0]

    def playbook(self, workdir, inventory, plays, check=False, diff=False, extra_args=(), env=None):
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix='play-', suffix='.yml', dir=workdir)
        os.close(fd)
        playbook = Path(name)
        playbook.write_text(yaml.safe_dump(plays, sort_keys=False))
        results_file = playbook.with_suffix('.results.json')
        command = [str(self.bindir / 'ansible-playbook'), '-i', str(inventory), str(playbook)]
        command += ['--check'] if check else []
        command += ['--diff'] if diff else []
        command += list(extra_args)
        environment = dict(os.environ)
        environment.update({
            'ANSIBLE_COLLECTIONS_PATH': collections_path(),
            'ANSIBLE_CALLBACK_PLUGINS': str(HERE / 'callback_plugins'),
            'ANSIBLE_CALLBACKS_ENABLED': 'wcow_results',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
            'ANSIBLE_LOCAL_TEMP': str(workdir / 'ansible-tmp'),
            'ANSIBLE_HOME': str(workdir / 'ansible-home'),
            'ANSIBLE_DEPRECATION_WARNINGS': '0',
            'WCOW_RESULTS_FILE': str(results_file),
        })
        environment.update(env or {})
        # A hung run (a host that never comes back) fails the test instead of CI.
        done = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=str(workdir), timeout=300,
                              check=False)
        results = json.loads(results_file.read_text()) if results_file.exists() else []
        return PlaybookRun(done.returncode, done.stdout + done.stderr, results)

    def rejected(self, workdir, inventory, module, cases, host):
        """Run each (args, option) case as one task of a single playbook and
        assert it failed naming option; returns the run."""
        tasks = [{'name': 'case %d' % index, module: args, 'ignore_errors': True}
                 for index, (args, _option) in enumerate(cases)]
        run = self.playbook(workdir, inventory, [{'name': 'bad input', 'hosts': host, 'gather_facts': False,
                                                  'tasks': tasks}])
        for index, (args, option) in enumerate(cases):
            failed = run.task(host, 'case %d' % index)
            assert failed['status'] == 'failed', (args, failed)
            assert option in failed['result']['msg'], (args, option, failed['result']['msg'])
        return run

    def module(self, workdir, inventory, module, args, hosts='all', check=False, diff=False, **kwargs):
        """Run one module task on hosts; the task is named 'module'."""
        plays = [{'name': 'wcow.buildkit test', 'hosts': hosts, 'gather_facts': False,
                  'tasks': [{'name': 'module', module: args, 'ignore_errors': True}]}]
        return self.playbook(workdir, inventory, plays, check=check, diff=diff, **kwargs)
