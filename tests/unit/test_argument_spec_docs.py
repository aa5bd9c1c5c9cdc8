"""Each module's documented options against the argument spec its action plugin validates.

A module of this collection is an action plugin (plugins/action/<name>.py:
ARGUMENT_SPEC and the MUTUALLY_EXCLUSIVE / REQUIRED_* attributes, which
ansible-core's validate_argument_spec applies) and a documentation stub
(plugins/modules/<name>.py). ansible-test's validate-modules compares a spec
with the docs only when the module file holds the spec, so it cannot compare
these; this test does, for every module.

The documentation is loaded as ansible-doc loads it, doc fragments merged,
by ansible-core itself (tests/unit/module_docs.py, in a process of its own).
Compared, option by option and through suboptions (the `options` of a dict
or list-of-dict option): whether the option exists on each side, type,
elements, default, choices, required and aliases, with ansible-core's
meanings of a missing key (no type is `str`, no `required` is false). Module
docs cannot carry `no_log` (validate-modules refuses the key), so a secret
says so in its description, with NO_LOG_NOTE, and that is compared. Of the
constraints, what a description states in one of the sentences of
CONSTRAINT_SENTENCES is compared with the class attributes, both ways.

test_a_planted_mismatch_is_found_in_each_attribute shows that each
difference is caught.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent.parent
MODULES_DIR = REPO / 'plugins' / 'modules'
MODULES = sorted(p.stem for p in MODULES_DIR.glob('*.py') if not p.name.startswith('_'))
LOADER = Path(__file__).resolve().parent / 'module_docs.py'

COMPARED = ('type', 'elements', 'default', 'choices', 'required', 'aliases')
UNORDERED = ('choices', 'aliases')
SPEC_KEYS = set(COMPARED) | {'options', 'no_log'}
DOC_KEYS = set(COMPARED) | {'description', 'suboptions', 'version_added', 'version_added_collection'}
NO_LOG_NOTE = 'The value is hidden in task output and logs (C(no_log)).'
# How a description states a rule of the action plugin's MUTUALLY_EXCLUSIVE / REQUIRED_* attributes.
CONSTRAINT_SENTENCES = {
    'mutually_exclusive': 'Mutually exclusive with O({other}).',  # MUTUALLY_EXCLUSIVE
    'requires': 'Requires O({other}).',                           # REQUIRED_TOGETHER, REQUIRED_BY
    'required_if': 'Required with O({other}).',                   # REQUIRED_IF: O(push=true)
}
_STATED = re.compile(r'\b(Mutually exclusive with|Requires|Required with) ((?:O\([^)]*\)(?:,? and |, | or )?)+)')
_KIND = {'Mutually exclusive with': 'mutually_exclusive', 'Requires': 'requires', 'Required with': 'required_if'}


def load_docs(*paths: Path) -> dict:
    """{path: DOCUMENTATION} as ansible-core's get_docstring returns it, doc fragments merged."""
    collections = os.environ['ANSIBLE_COLLECTIONS_PATH'].split(os.pathsep)[0]
    result = subprocess.run([sys.executable, str(LOADER), collections, *map(str, paths)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, 'loading the module docs failed:\n%s' % result.stderr
    return json.loads(result.stdout)


def _canonical(value, unordered=False):
    """JSON text: True is not 1, a tuple is a list; order ignored when asked."""
    if unordered and isinstance(value, (list, tuple)):
        value = sorted(value, key=lambda item: json.dumps(item, sort_keys=True))
    return json.dumps(value, sort_keys=True)


def _documented(option, attribute):
    value = option.get(attribute)
    return bool(value) if attribute == 'required' else value


def _declared(option, attribute):
    value = option.get(attribute)
    if attribute == 'type' and value is None:
        return 'str'
    return bool(value) if attribute == 'required' else value


def _text(description) -> str:
    return ' '.join(description) if isinstance(description, list) else str(description or '')


def option_differences(module: str, documented: dict, declared: dict, prefix: str = '') -> list[str]:
    """Every difference between documented options and an argument spec, recursively."""
    problems = []
    for name in sorted(set(documented) | set(declared)):
        where = '%s: option %s%s' % (module, prefix, name)
        if name not in declared:
            problems.append('%s is documented but not in ARGUMENT_SPEC' % where)
            continue
        if name not in documented:
            problems.append('%s is in ARGUMENT_SPEC but not documented' % where)
            continue
        doc, spec = documented[name], declared[name]
        problems.extend('%s: ARGUMENT_SPEC has %r, which this test does not compare' % (where, key)
                        for key in sorted(set(spec) - SPEC_KEYS))
        problems.extend('%s: the docs have %r, which this test does not compare' % (where, key)
                        for key in sorted(set(doc) - DOC_KEYS))
        for attribute in COMPARED:
            in_docs, in_spec = _documented(doc, attribute), _declared(spec, attribute)
            unordered = attribute in UNORDERED
            if _canonical(in_docs, unordered) != _canonical(in_spec, unordered):
                problems.append('%s: %s is %r in the docs, %r in ARGUMENT_SPEC' % (where, attribute, in_docs, in_spec))
        secret = NO_LOG_NOTE in _text(doc.get('description'))
        if secret != bool(spec.get('no_log')):
            problems.append('%s: no_log is %r in the docs (%s), %r in ARGUMENT_SPEC'
                            % (where, secret, 'says %r' % NO_LOG_NOTE if secret else 'no %r' % NO_LOG_NOTE,
                               bool(spec.get('no_log'))))
        problems.extend(option_differences(module, doc.get('suboptions') or {}, spec.get('options') or {},
                                           '%s%s.' % (prefix, name)))
    return problems


def _value_in_docs(value) -> str:
    """How O(option=value) writes a value: true, not True."""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def declared_constraints(action) -> set[tuple[str, str, str]]:
    """(option, kind, other) for each rule of the action plugin's MUTUALLY_EXCLUSIVE and REQUIRED_* attributes."""
    rules = set()
    for kind, groups in (('mutually_exclusive', action.MUTUALLY_EXCLUSIVE), ('requires', action.REQUIRED_TOGETHER)):
        for group in groups:
            rules.update((name, kind, other) for name in group for other in group if other != name)
    for name, needed in dict(action.REQUIRED_BY).items():
        rules.update((name, 'requires', other) for other in ([needed] if isinstance(needed, str) else needed))
    for rule in action.REQUIRED_IF:
        key, value, needed = rule[:3]
        if len(rule) > 3 and rule[3]:
            raise AssertionError('REQUIRED_IF %r: "one of" rules have no sentence in CONSTRAINT_SENTENCES yet'
                                 % (rule,))
        rules.update((name, 'required_if', '%s=%s' % (key, _value_in_docs(value))) for name in needed)
    return rules


def documented_constraints(options: dict) -> set[tuple[str, str, str]]:
    """(option, kind, other) for each sentence of CONSTRAINT_SENTENCES in a top-level description."""
    rules = set()
    for name, option in options.items():
        for phrase, names in _STATED.findall(_text(option.get('description'))):
            kind = _KIND[phrase]
            for other in re.findall(r'O\(([^)]*)\)', names):
                # "Requires O(manage_config=true) to take effect": a condition, not an argument-spec rule.
                if ('=' in other) == (kind == 'required_if'):
                    rules.add((name, kind, other))
    return rules


def constraint_differences(module: str, documented: dict, action) -> list[str]:
    declared, stated = declared_constraints(action), documented_constraints(documented)
    problems = ['%s: option %s: the action plugin declares %s %s, but its description does not say %r'
                % (module, name, kind, other, CONSTRAINT_SENTENCES[kind].format(other=other))
                for name, kind, other in sorted(declared - stated)]
    problems.extend('%s: option %s: its description states %s %s, which the action plugin does not declare'
                    % (module, name, kind, other) for name, kind, other in sorted(stated - declared))
    return problems


def action_class(module: str):
    return importlib.import_module('ansible_collections.wcow.buildkit.plugins.action.%s' % module).ActionModule


@pytest.fixture(scope='module')
def module_docs():
    loaded = load_docs(*(MODULES_DIR / ('%s.py' % module) for module in MODULES))
    return {Path(path).stem: doc for path, doc in loaded.items()}


def test_there_are_modules_to_compare():
    assert len(MODULES) >= 12, MODULES


@pytest.mark.parametrize('module', MODULES)
def test_documented_options_are_the_argument_spec(module_docs, module):
    problems = option_differences(module, module_docs[module].get('options') or {}, action_class(module).ARGUMENT_SPEC)
    assert not problems, '\n'.join(problems)


@pytest.mark.parametrize('module', MODULES)
def test_documented_constraints_are_the_declared_ones(module_docs, module):
    problems = constraint_differences(module, module_docs[module].get('options') or {}, action_class(module))
    assert not problems, '\n'.join(problems)


# --- the comparison itself, on a deliberately mismatched pair ----------------------------------------------

PLANTED_DOC = yaml.safe_load(r'''
options:
  name: {description: Its name., type: str, required: true}
  kind: {description: Its kind., type: str, choices: [a, b], default: a}
  count: {description: How many., type: int, default: 1}
  tags: {description: Tags., type: list, elements: str}
  path: {description: Where., type: path, aliases: [dest]}
  enabled: {description: On., type: bool, default: true}
  password: {description: A secret., type: str}
  token: {description: [A token., The value is hidden in task output and logs (C(no_log)).], type: str}
  settings:
    description: Settings.
    type: dict
    suboptions:
      root: {description: Data folder., type: str, default: C:\data}
      level: {description: Level., type: int}
  untyped: {description: No type documented.}
  only_documented: {description: Not in the spec., type: str}
''')
PLANTED_SPEC = dict(
    name=dict(type='str'),                                  # required
    kind=dict(type='str', choices=['a', 'c'], default='a'),  # choices
    count=dict(type='str', default='1'),                    # type, default
    tags=dict(type='list', elements='int'),                 # elements
    path=dict(type='path', aliases=['destination']),        # aliases
    enabled=dict(type='bool', default=1),                   # default: 1 is not true
    password=dict(type='str', no_log=True),                 # no_log
    token=dict(type='str'),                                 # no_log
    settings=dict(type='dict', options=dict(
        root=dict(type='str'),                               # default of a suboption
        level=dict(type='int'),
        extra=dict(type='str'),                              # a suboption not documented
    )),
    untyped=dict(fallback=(None, [])),                      # type str (not given), not in the docs; fallback
    only_in_spec=dict(type='str'),                          # not documented
)
PLANTED_DIFFERENCES = [
    "planted: option count: default is 1 in the docs, '1' in ARGUMENT_SPEC",
    "planted: option count: type is 'int' in the docs, 'str' in ARGUMENT_SPEC",
    'planted: option enabled: default is True in the docs, 1 in ARGUMENT_SPEC',
    "planted: option kind: choices is ['a', 'b'] in the docs, ['a', 'c'] in ARGUMENT_SPEC",
    'planted: option name: required is True in the docs, False in ARGUMENT_SPEC',
    'planted: option only_documented is documented but not in ARGUMENT_SPEC',
    'planted: option only_in_spec is in ARGUMENT_SPEC but not documented',
    "planted: option password: no_log is False in the docs (no %r), True in ARGUMENT_SPEC" % NO_LOG_NOTE,
    "planted: option path: aliases is ['dest'] in the docs, ['destination'] in ARGUMENT_SPEC",
    "planted: option settings.extra is in ARGUMENT_SPEC but not documented",
    "planted: option settings.root: default is 'C:\\\\data' in the docs, None in ARGUMENT_SPEC",
    "planted: option tags: elements is 'str' in the docs, 'int' in ARGUMENT_SPEC",
    "planted: option token: no_log is True in the docs (says %r), False in ARGUMENT_SPEC" % NO_LOG_NOTE,
    "planted: option untyped: ARGUMENT_SPEC has 'fallback', which this test does not compare",
    "planted: option untyped: type is None in the docs, 'str' in ARGUMENT_SPEC",
]


def test_a_planted_mismatch_is_found_in_each_attribute():
    problems = option_differences('planted', PLANTED_DOC['options'], PLANTED_SPEC)
    assert sorted(problems) == sorted(PLANTED_DIFFERENCES)


def test_choices_and_aliases_in_another_order_are_the_same():
    documented = {'mode': {'description': 'd', 'type': 'str', 'choices': ['b', 'a'], 'aliases': ['y', 'x']}}
    assert option_differences('planted', documented, {'mode': dict(choices=('a', 'b'), aliases=['x', 'y'])}) == []


class PlantedAction:
    MUTUALLY_EXCLUSIVE = (('url', 'src'),)
    REQUIRED_TOGETHER = (('user', 'password'),)
    REQUIRED_IF = (('push', True, ('image',)),)
    REQUIRED_BY = dict(gateway=('subnet',))


PLANTED_CONSTRAINT_DOC = yaml.safe_load('''
url: {description: [Where from., Mutually exclusive with O(src).]}
src: {description: From the controller.}
user: {description: User. Requires O(password).}
password: {description: Password. Requires O(user) and O(url).}
image: {description: Required with O(push=false).}
gateway: {description: Gateway.}
config: {description: Written there. Requires O(manage=true) to take effect.}
''')


def test_a_planted_constraint_mismatch_is_found_both_ways():
    problems = constraint_differences('planted', PLANTED_CONSTRAINT_DOC, PlantedAction)
    assert sorted(problems) == sorted([
        "planted: option gateway: the action plugin declares requires subnet, but its description does not say "
        "'Requires O(subnet).'",
        "planted: option image: the action plugin declares required_if push=true, but its description does not say "
        "'Required with O(push=true).'",
        "planted: option src: the action plugin declares mutually_exclusive url, but its description does not say "
        "'Mutually exclusive with O(url).'",
        'planted: option image: its description states required_if push=false, which the action plugin does not '
        'declare',
        'planted: option password: its description states requires url, which the action plugin does not declare',
    ])


def test_a_planted_stub_is_compared_with_its_doc_fragment_merged(tmp_path):
    """Through ansible-core's loader: the options of wcow.buildkit.service count as documented."""
    stub = tmp_path / 'planted.py'
    stub.write_text("DOCUMENTATION = r'''\n" + yaml.safe_dump({
        'module': 'planted', 'short_description': 'A planted stub', 'description': ['Planted.'],
        'author': ['nobody'], 'options': {'name': {'description': 'Its name.', 'type': 'str'}},
        'extends_documentation_fragment': ['wcow.buildkit.service'],
    }) + "'''\n", encoding='utf-8')
    doc = load_docs(stub)[str(stub)]
    spec = dict(name=dict(type='str'), state=dict(type='str', default='stopped',
                                                  choices=['started', 'stopped', 'restarted', 'absent']))
    assert sorted(option_differences('planted', doc['options'], spec)) == [
        'planted: option backup is documented but not in ARGUMENT_SPEC',
        'planted: option remove_config is documented but not in ARGUMENT_SPEC',
        'planted: option remove_data is documented but not in ARGUMENT_SPEC',
        'planted: option service_environment is documented but not in ARGUMENT_SPEC',
        'planted: option start_type is documented but not in ARGUMENT_SPEC',
        "planted: option state: default is 'started' in the docs, 'stopped' in ARGUMENT_SPEC",
        'planted: option timeout is documented but not in ARGUMENT_SPEC',
    ]
