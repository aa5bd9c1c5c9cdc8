"""Module documentation, as ansible-doc shows it, on every ansible-core under test.

For each file in plugins/modules/ (the documentation stubs of the action
plugins), `ansible-doc -t module wcow.buildkit.<name>` runs with the
ansible-doc of every bin dir in WCOW_ANSIBLE_BINDIRS (newest and oldest
supported ansible-core; see tests/conftest.py) and must succeed without
warnings. The JSON form, on the newest core, must document what a user needs.

Run alone: `.venv/bin/pytest tests/unit/test_docs.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent.parent
MODULES_DIR = REPO / 'plugins' / 'modules'
ACTION_DIR = REPO / 'plugins' / 'action'
NAMESPACE = 'wcow.buildkit'


def plugin_names(directory: Path) -> list[str]:
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.glob('*.py') if not p.name.startswith('_'))


MODULES = plugin_names(MODULES_DIR)
BINDIRS = [Path(bindir) for bindir in os.environ.get('WCOW_ANSIBLE_BINDIRS', '').split()]
BINDIR_IDS = [bindir.parent.name for bindir in BINDIRS]


def ansible_doc(bindir: Path, *args: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', PAGER='cat')
    return subprocess.run([str(bindir / 'ansible-doc'), *args], capture_output=True, text=True,
                          env=environment, timeout=120, check=False)


def assert_clean(result: subprocess.CompletedProcess):
    assert result.returncode == 0, 'ansible-doc failed (%d):\n%s\n%s' % (result.returncode, result.stdout, result.stderr)
    noise = [line for line in result.stderr.splitlines() if line.strip()]
    assert not noise, 'ansible-doc warned:\n%s' % result.stderr


def test_ansible_installations_are_configured():
    assert BINDIRS, 'WCOW_ANSIBLE_BINDIRS is empty: run `make venv`, or set it to the bin dirs holding ansible-doc'
    for bindir in BINDIRS:
        assert (bindir / 'ansible-doc').exists(), 'no ansible-doc in %s (WCOW_ANSIBLE_BINDIRS)' % bindir


def test_there_are_modules():
    if not MODULES:
        pytest.skip('plugins/modules/ has no modules yet')


def test_every_module_stub_has_an_action_plugin_and_back():
    actions = plugin_names(ACTION_DIR)
    assert [m for m in MODULES if m not in actions] == [], 'module stubs without plugins/action/<name>.py'
    assert [a for a in actions if a not in MODULES] == [], 'action plugins without a plugins/modules/<name>.py stub'


@pytest.mark.parametrize('bindir', BINDIRS, ids=BINDIR_IDS)
def test_ansible_doc_lists_every_module(bindir):
    result = ansible_doc(bindir, '--json', '-t', 'module', '-l', NAMESPACE)
    assert_clean(result)
    listed = sorted(json.loads(result.stdout))
    assert listed == ['%s.%s' % (NAMESPACE, name) for name in MODULES]


@pytest.mark.parametrize('module', MODULES)
@pytest.mark.parametrize('bindir', BINDIRS, ids=BINDIR_IDS)
def test_ansible_doc_shows_module(bindir, module):
    fqcn = '%s.%s' % (NAMESPACE, module)
    result = ansible_doc(bindir, '-t', 'module', fqcn)
    assert_clean(result)
    text = result.stdout
    assert fqcn in text.splitlines()[0], text[:500]
    for heading in ('OPTIONS', 'EXAMPLES', 'RETURN VALUES'):
        assert heading in text, '%s is missing from ansible-doc %s:\n%s' % (heading, fqcn, text)
    assert 'has a corresponding action plugin' in text


@pytest.fixture(scope='module')
def module_docs():
    """ansible-doc --json of every module, with the newest ansible-core."""
    assert BINDIRS, 'WCOW_ANSIBLE_BINDIRS is empty'
    result = ansible_doc(BINDIRS[0], '--json', '-t', 'module', *['%s.%s' % (NAMESPACE, m) for m in MODULES])
    assert_clean(result)
    return json.loads(result.stdout)


def _undocumented(options, where):
    for name, spec in (options or {}).items():
        if not spec.get('description'):
            yield '%s.%s has no description' % (where, name)
        if not spec.get('type'):
            yield '%s.%s has no type' % (where, name)
        yield from _undocumented(spec.get('suboptions'), '%s.%s' % (where, name))


def _undocumented_returns(returns, where, fields=('description', 'returned', 'type')):
    """As ansible-test's validate-modules: `returned` is needed at the top level only."""
    for name, spec in (returns or {}).items():
        for field in fields:
            if not spec.get(field):
                yield '%s.%s has no %s' % (where, name, field)
        yield from _undocumented_returns(spec.get('contains'), '%s.%s' % (where, name), ('description', 'type'))


@pytest.mark.parametrize('module', MODULES)
def test_module_documentation_is_complete(module_docs, module):
    fqcn = '%s.%s' % (NAMESPACE, module)
    entry = module_docs[fqcn]
    doc = entry['doc']
    problems = []
    for field in ('short_description', 'description', 'author'):
        if not doc.get(field):
            problems.append('doc has no %s' % field)
    if not doc.get('has_action'):
        problems.append('ansible-doc does not see the action plugin')
    problems.extend(_undocumented(doc.get('options'), 'options'))
    if not isinstance(entry.get('return'), dict):
        problems.append('no RETURN documentation')
    else:
        problems.extend(_undocumented_returns(entry['return'], 'return'))
    try:
        examples = yaml.safe_load(entry.get('examples') or '')
    except yaml.YAMLError as error:
        examples = None
        problems.append('EXAMPLES is not YAML: %s' % error)
    if not isinstance(examples, list) or not examples:
        problems.append('EXAMPLES is not a non-empty list of tasks')
    else:
        tasks = [task for task in examples if isinstance(task, dict)]
        if not any(fqcn in task for task in tasks):
            problems.append('no example uses %s' % fqcn)
        problems.extend('an example calls %r by its short name: use %s' % (module, fqcn)
                        for task in tasks if module in task)
        problems.extend('an example task has no name: %r' % sorted(task) for task in tasks if not task.get('name'))
    assert not problems, '%s:\n  %s' % (fqcn, '\n  '.join(problems))
