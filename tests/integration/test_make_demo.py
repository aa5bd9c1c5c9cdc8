"""`make demo` as a new user sees it: progress while the playbooks run (plays, task names, the Server 2019
warning), and at the end where the logs and the drift report are, all of which exist."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def test_make_demo_streams_progress_and_says_where_the_logs_and_reports_are(tmp_path):
    demo_dir = tmp_path / 'demo'
    environment = dict(os.environ, ANSIBLE_NOCOLOR='1')
    environment.pop('MAKEFLAGS', None)
    done = subprocess.run(['make', '--no-print-directory', 'demo', 'DEMO_DIR=%s' % demo_dir], cwd=str(REPO),
                          capture_output=True, text=True, env=environment, timeout=600, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    lines = output.splitlines()
    tasks = [line for line in lines if line.startswith('  TASK [')]
    assert any('Enable the Windows container features' in line for line in tasks), 'task names as they run'
    assert len(tasks) > 30 and not any(line.endswith('*') for line in tasks)
    assert any(line.startswith('    [WARNING]: Windows Server 2019') and 'moby/buildkit#5668' in line for line in lines)
    assert any(line.startswith('PLAY [Report the drift') for line in lines)
    assert 'demo: the second run changed nothing.' in lines
    assert re.search(r'buildctl debug info on ws2019: BuildKit: github.com/moby/buildkit v', output)
    for run in ('site-first-run', 'site-second-run', 'drift', 'verify'):
        log = demo_dir / ('%s.log' % run)
        assert log.is_file() and 'PLAY RECAP' in log.read_text(), run
    assert lines[-3] == 'demo: done. Logs (each playbook\'s whole output): %s/{site-first-run,site-second-run,' \
        'drift,verify}.log' % demo_dir
    assert lines[-2].startswith('demo: drift report: %s/drift/drift-report.html' % demo_dir)
    assert (demo_dir / 'drift' / 'drift-report.xml').is_file()
