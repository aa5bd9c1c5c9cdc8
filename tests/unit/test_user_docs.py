"""What a new user reads agrees with what the Makefile does: `make help` lists only the targets for users, the
documented PYTEST_WORKERS default is the Makefile's, and molecule.md's commands set what they use."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
USER_TARGETS = {'demo', 'test', 'bench', 'clean'}


def make(*args):
    environment = dict(os.environ)
    environment.pop('MAKEFLAGS', None)
    return subprocess.run(['make', '--no-print-directory', '-s', *args], cwd=str(REPO), capture_output=True,
                          text=True, env=environment, timeout=60, check=True).stdout


def test_make_help_lists_only_the_targets_for_users():
    listed = re.findall(r'^make (\S+)', make('help'), re.M)
    assert set(listed) == USER_TARGETS, listed
    for target in listed:
        assert make('-n', target) is not None
    assert 'sanity ' not in make('help') and 'pslint' not in make('help')


def test_the_documented_pytest_workers_default_is_the_makefiles():
    workers = make('--eval', 'wcow-print-%: ; @echo $($*)', 'wcow-print-PYTEST_WORKERS').strip()
    assert workers == str(2 * len(os.sched_getaffinity(0))) or workers == str(2 * (os.cpu_count() or 1))
    development = (REPO / 'docs' / 'development.md').read_text(encoding='utf-8')
    documented = development[development.index('`PYTEST_WORKERS` ('):][:200]
    assert 'default twice the cores' in documented, documented
    assert '-n auto' not in development


def shell_blocks(text):
    return re.findall(r'```(?:sh|bash|console)\n(.*?)```', text, re.S)


def test_molecule_doc_commands_set_the_variables_they_use():
    for block in shell_blocks((REPO / 'docs' / 'molecule.md').read_text(encoding='utf-8')):
        lines = block.splitlines()
        for index, line in enumerate(lines):
            if '$MOLECULE_EPHEMERAL_DIRECTORY' in line:
                before = '\n'.join(lines[:index])
                assert 'export MOLECULE_EPHEMERAL_DIRECTORY=' in before, 'used before it is set: %r' % line
