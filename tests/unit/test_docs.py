"""Plugin and role documentation, as ansible-doc shows it, on every ansible-core under test.

For each file in plugins/modules/ (the documentation stubs of the action
plugins), `ansible-doc -t module wcow.buildkit.<name>` runs with the
ansible-doc of every bin dir in WCOW_ANSIBLE_BINDIRS (newest and oldest
supported ansible-core; see tests/conftest.py) and must succeed without
warnings. The JSON form, on the newest core, must document what a user needs.
The same holds for every other documented plugin (plugins/callback/, ...) and
every role (meta/argument_specs.yml); each doc fragment must be used by a
module and render there.

Run alone: `.venv/bin/pytest tests/unit/test_docs.py`.
"""

from __future__ import annotations

import ast
import json
import os
import re
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
# plugins/<directory> -> ansible-doc -t <type>, for the plugins that carry their
# own DOCUMENTATION besides modules. plugin_utils and doc_fragments are not
# plugins; action plugins are documented by their module stub.
DOCUMENTED_PLUGIN_TYPES = {
    'become': 'become', 'cache': 'cache', 'callback': 'callback', 'cliconf': 'cliconf', 'connection': 'connection',
    'filter': 'filter', 'httpapi': 'httpapi', 'inventory': 'inventory', 'lookup': 'lookup', 'netconf': 'netconf',
    'shell': 'shell', 'strategy': 'strategy', 'test': 'test', 'vars': 'vars',
}
NOT_DOCUMENTED_BY_ANSIBLE_DOC = {'action', 'modules', 'module_utils', 'plugin_utils', 'doc_fragments'}
PLUGINS = [(DOCUMENTED_PLUGIN_TYPES[directory.name], name)
           for directory in sorted((REPO / 'plugins').iterdir()) if directory.name in DOCUMENTED_PLUGIN_TYPES
           for name in plugin_names(directory)]
ROLES = sorted(p.parent.parent.name for p in (REPO / 'roles').glob('*/meta/argument_specs.yml'))
DOC_FRAGMENTS = plugin_names(REPO / 'plugins' / 'doc_fragments')
CORE_PROTOMATTER_WARNING = (r"\[WARNING\]: Collection at '[^']*/ansible/_internal/ansible_collections/ansible/_protomatter' "
                            r'does not have a MANIFEST\.json file, nor has it galaxy\.yml: cannot detect version\.\n?')
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


def test_every_plugin_directory_is_checked():
    directories = sorted(p.name for p in (REPO / 'plugins').iterdir() if p.is_dir() and p.name != '__pycache__')
    unknown = [d for d in directories if d not in DOCUMENTED_PLUGIN_TYPES and d not in NOT_DOCUMENTED_BY_ANSIBLE_DOC]
    assert not unknown, 'plugins/%s: add the directory to DOCUMENTED_PLUGIN_TYPES' % unknown


def test_every_role_has_an_argument_spec():
    roles = sorted(p.name for p in (REPO / 'roles').iterdir() if (p / 'tasks').is_dir())
    assert [r for r in roles if r not in ROLES] == [], 'roles without meta/argument_specs.yml'


@pytest.mark.parametrize('plugin_type, name', PLUGINS, ids=['%s-%s' % plugin for plugin in PLUGINS])
@pytest.mark.parametrize('bindir', BINDIRS, ids=BINDIR_IDS)
def test_ansible_doc_shows_plugin(bindir, plugin_type, name):
    fqcn = '%s.%s' % (NAMESPACE, name)
    listed = ansible_doc(bindir, '--json', '-t', plugin_type, '-l', NAMESPACE)
    assert_clean(listed)
    assert fqcn in json.loads(listed.stdout)
    result = ansible_doc(bindir, '--json', '-t', plugin_type, fqcn)
    assert_clean(result)
    doc = json.loads(result.stdout)[fqcn]['doc']
    assert doc.get('short_description') and doc.get('description') and doc.get('author'), doc
    assert list(_undocumented(doc.get('options'), 'options')) == []
    text = ansible_doc(bindir, '-t', plugin_type, fqcn)
    assert_clean(text)
    assert fqcn in text.stdout.splitlines()[0], text.stdout[:500]


@pytest.mark.parametrize('bindir', BINDIRS, ids=BINDIR_IDS)
def test_ansible_doc_lists_every_role(bindir):
    result = ansible_doc(bindir, '--json', '-t', 'role', '-l', NAMESPACE)
    assert_clean(result)
    assert sorted(json.loads(result.stdout)) == ['%s.%s' % (NAMESPACE, role) for role in ROLES]


def role_doc(bindir, *args):
    """ansible-doc -t role, without the warning ansible-core 2.21 gives about its own internal collection."""
    result = ansible_doc(bindir, '-t', 'role', *args)
    result.stderr = re.sub(CORE_PROTOMATTER_WARNING, '', result.stderr)
    return result


@pytest.mark.parametrize('role', ROLES)
@pytest.mark.parametrize('bindir', BINDIRS, ids=BINDIR_IDS)
def test_ansible_doc_shows_role(bindir, role):
    fqcn = '%s.%s' % (NAMESPACE, role)
    result = role_doc(bindir, '--json', fqcn)
    assert_clean(result)
    entry_points = json.loads(result.stdout)[fqcn]['entry_points']
    assert 'main' in entry_points
    problems = []
    for entry, spec in entry_points.items():
        if not spec.get('short_description'):
            problems.append('%s has no short_description' % entry)
        problems.extend(_undocumented(spec.get('options'), '%s.options' % entry))
    assert not problems, '%s:\n  %s' % (fqcn, '\n  '.join(problems))
    text = role_doc(bindir, fqcn)
    assert_clean(text)
    plain = re.sub(r'\x1b\[[0-9;]*m', '', text.stdout)  # bold (2.21), even with ANSIBLE_NOCOLOR
    assert re.search(r'^ENTRY POINT: \*?main\*? - ', plain, re.M), plain[:500]


def _fragments_of(module):
    """extends_documentation_fragment of a module stub (ansible-doc merges it in and drops the list)."""
    tree = ast.parse((MODULES_DIR / ('%s.py' % module)).read_text(encoding='utf-8'))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, 'id', None) == 'DOCUMENTATION' for target in node.targets):
            return yaml.safe_load(node.value.value).get('extends_documentation_fragment') or []
    return []


def _fragment_sections(fragment):
    """{variable: its YAML} of the ModuleDocFragment class of plugins/doc_fragments/<fragment>.py."""
    tree = ast.parse((REPO / 'plugins' / 'doc_fragments' / ('%s.py' % fragment)).read_text(encoding='utf-8'))
    return {target.id: yaml.safe_load(node.value.value)
            for cls in tree.body if isinstance(cls, ast.ClassDef) and cls.name == 'ModuleDocFragment'
            for node in cls.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets}


@pytest.mark.parametrize('fragment', DOC_FRAGMENTS)
def test_every_doc_fragment_is_used_and_renders(module_docs, fragment):
    """Each section of a fragment a module extends shows in its doc: every option and attribute it declares."""
    name = '%s.%s' % (NAMESPACE, fragment)
    sections = _fragment_sections(fragment)
    users = [(module, f) for module in MODULES for f in _fragments_of(module) if f == name or f.startswith(name + '.')]
    assert users, 'no module uses the doc fragment %s' % name
    problems = []
    for module, used in users:
        doc = module_docs['%s.%s' % (NAMESPACE, module)]['doc']
        section = sections[used[len(name) + 1:].upper() or 'DOCUMENTATION']
        for key in ('options', 'attributes'):
            problems.extend('%s: %s %s of %s did not render' % (module, key[:-1], item, used)
                            for item in section.get(key) or {} if item not in (doc.get(key) or {}))
    assert not problems, '\n'.join(problems)
