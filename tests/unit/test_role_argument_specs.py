"""Role argument specs (meta/argument_specs.yml) against the defaults the roles use (defaults/main.yml).

ansible-doc -t role shows what an argument spec says, so each documented
variable's `default` must be the value defaults/main.yml gives it: the role's
own, or, for an entry point that runs other roles of the collection
(buildkit_host), theirs. A value defaults/main.yml computes from other
variables (a Jinja expression) has no `default` in the spec; the description
names the variables it is derived from instead. A variable without a value in
defaults/main.yml (required, or set with `| default(...)` where it is used)
has no `default` either. Every variable of defaults/main.yml is documented by
an entry point.

What a spec's `default` does at run time: ansible-core (2.18 to 2.21,
lib/ansible/playbook/role/__init__.py `_create_validation_task` and
lib/ansible/plugins/action/validate_argument_spec.py) prepends a
validate_argument_spec task that checks the role's variables and parameters
against the spec, applying a `default` only to its own copy of the values:
nothing is written back into the variables. test_spec_defaults_change_no_variable
runs the roles' specs with and without their defaults, with group_vars set,
on every ansible-core under test, and compares what the role sees.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import jinja2
import jinja2.meta
import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent.parent
ROLES = sorted(p.parent.parent.name for p in (REPO / 'roles').glob('*/meta/argument_specs.yml'))
NAMESPACE = 'wcow.buildkit'
BINDIRS = [Path(bindir) for bindir in os.environ.get('WCOW_ANSIBLE_BINDIRS', '').split()]
BINDIR_IDS = [bindir.parent.name for bindir in BINDIRS]
UNDEFINED = '<undefined>'


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding='utf-8')) if path.exists() else None


def argument_specs(role: str) -> dict:
    return load_yaml(REPO / 'roles' / role / 'meta' / 'argument_specs.yml')['argument_specs']


def role_defaults(role: str) -> dict:
    return load_yaml(REPO / 'roles' / role / 'defaults' / 'main.yml') or {}


def included_roles(role: str, entry: str) -> list[str]:
    """The roles of this collection that tasks/<entry>.yml runs (include_role / import_role)."""
    tasks = load_yaml(REPO / 'roles' / role / 'tasks' / ('%s.yml' % entry)) or []
    included = []
    for task in tasks:
        for action in ('ansible.builtin.include_role', 'ansible.builtin.import_role', 'include_role', 'import_role'):
            name = (task.get(action) or {}).get('name', '')
            if name.startswith(NAMESPACE + '.'):
                included.append(name[len(NAMESPACE) + 1:])
    return included


def entry_defaults(role: str, entry: str) -> dict:
    """The defaults an entry point's variables get: the role's own, else those of the roles it runs."""
    found = {}
    for other in included_roles(role, entry):
        for name, value in role_defaults(other).items():
            assert found.get(name, value) == value, '%s and another role give %s different defaults' % (other, name)
            found[name] = value
    found.update(role_defaults(role))
    return found


def is_template(value) -> bool:
    return isinstance(value, str) and ('{{' in value or '{%' in value)


def template_variables(value: str) -> list[str]:
    return sorted(jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(value)))


def _text(description) -> str:
    return ' '.join(description) if isinstance(description, list) else str(description or '')


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True)


def expected_default(defaults: dict, name: str):
    """What a spec's `default` must be: the value of defaults/main.yml, none when it is computed or absent."""
    value = defaults.get(name)
    return None if is_template(value) else value


def default_differences(where: str, options: dict, defaults: dict) -> list[str]:
    """Every documented default that is not the one defaults/main.yml gives."""
    problems = []
    for name, option in sorted(options.items()):
        value = defaults.get(name)
        documented = option.get('default')
        if is_template(value):
            if documented is not None:
                problems.append('%s: %s: the spec shows default %r, but defaults/main.yml computes it (%r): drop the '
                                'default and say in the description what it is derived from'
                                % (where, name, documented, value))
            description = _text(option.get('description'))
            unnamed = [v for v in template_variables(value) if not re.search(r'\b%s\b' % v, description)]
            if unnamed:
                problems.append('%s: %s: the description does not name %s, which its default (%r) is derived from'
                                % (where, name, ', '.join(unnamed), value))
        elif _canonical(documented) != _canonical(expected_default(defaults, name)):
            problems.append('%s: %s: default is %r in meta/argument_specs.yml, %r in defaults/main.yml'
                            % (where, name, documented, value))
    return problems


def undocumented_defaults(role: str, specs: dict, defaults: dict) -> list[str]:
    documented = {name for spec in specs.values() for name in (spec.get('options') or {})}
    return ['%s: %s has a default in defaults/main.yml but no entry point documents it' % (role, name)
            for name in sorted(set(defaults) - documented)]


def test_there_are_roles():
    assert 'buildkit_host' in ROLES and len(ROLES) >= 6, ROLES


@pytest.mark.parametrize('role', ROLES)
def test_documented_defaults_are_the_role_defaults(role):
    specs = argument_specs(role)
    problems = undocumented_defaults(role, specs, role_defaults(role))
    for entry, spec in sorted(specs.items()):
        problems.extend(default_differences('%s:%s' % (role, entry), spec.get('options') or {},
                                            entry_defaults(role, entry)))
    assert not problems, '\n'.join(problems)


def test_buildkit_host_documents_the_defaults_of_the_roles_it_runs():
    """The case the role's docs got wrong: buildkit_host has no defaults/main.yml of its own."""
    assert included_roles('buildkit_host', 'main') == ['windows_containers', 'containerd', 'cni', 'buildkit']
    options = argument_specs('buildkit_host')['main']['options']
    assert options['wcow_allow_reboot']['default'] is True
    assert options['wcow_windows_containers_reboot_timeout']['default'] == 600


def ansible_doc(bindir: Path, *args: str) -> str:
    result = subprocess.run([str(bindir / 'ansible-doc'), '-t', 'role', *args], capture_output=True, text=True,
                            env=dict(os.environ, ANSIBLE_NOCOLOR='1', PAGER='cat'), timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return re.sub(r'\x1b\[[0-9;]*m', '', result.stdout)  # bold (2.21), even with ANSIBLE_NOCOLOR


@pytest.mark.parametrize('bindir', BINDIRS, ids=BINDIR_IDS)
def test_ansible_doc_shows_the_role_defaults(bindir):
    shown = json.loads(ansible_doc(bindir, '--json', *('%s.%s' % (NAMESPACE, role) for role in ROLES)))
    problems = []
    for role in ROLES:
        for entry, spec in shown['%s.%s' % (NAMESPACE, role)]['entry_points'].items():
            defaults = entry_defaults(role, entry)
            for name, option in sorted((spec.get('options') or {}).items()):
                wanted = expected_default(defaults, name)
                if _canonical(option.get('default')) != _canonical(wanted):
                    problems.append('%s:%s: %s: ansible-doc shows default %r, defaults/main.yml gives %r'
                                    % (role, entry, name, option.get('default'), wanted))
    assert not problems, '\n'.join(problems)
    text = ansible_doc(bindir, '%s.buildkit_host' % NAMESPACE)
    # Options start with "- " (or "= " when required) without a terminal, or with spaces in bold.
    allow_reboot = re.search(r'^[-= ] *wcow_allow_reboot .*?(?=^[-= ] *wcow_)', text, re.M | re.S).group(0)
    assert re.search(r'^ +default: true$', allow_reboot, re.M), allow_reboot


PLANTED_SPEC = yaml.safe_load(r'''
wcow_same: {description: Same., type: str, default: C:\x}
wcow_other: {description: Other., type: int, default: 5}
wcow_bool: {description: A switch., type: bool, default: 1}
wcow_missing: {description: Not in the spec., type: bool}
wcow_extra: {description: Not in defaults/main.yml., type: str, default: x}
wcow_url: {description: By default from O(wcow_version)., type: str, default: https://example.invalid/v1.zip}
wcow_path: {description: By default in the install folder., type: str}
wcow_required: {description: Required., type: str, required: true}
''')
PLANTED_DEFAULTS = yaml.safe_load(r'''
wcow_same: C:\x
wcow_other: 6
wcow_bool: true
wcow_missing: false
wcow_url: https://example.invalid/v{{ wcow_version }}.zip
wcow_path: "{{ wcow_install_dir }}\\config.toml"
wcow_unused: 1
''')


def test_a_planted_mismatch_is_found():
    problems = default_differences('planted:main', PLANTED_SPEC, PLANTED_DEFAULTS)
    problems += undocumented_defaults('planted', {'main': {'options': PLANTED_SPEC}}, PLANTED_DEFAULTS)
    assert problems == [
        'planted:main: wcow_bool: default is 1 in meta/argument_specs.yml, True in defaults/main.yml',
        "planted:main: wcow_extra: default is 'x' in meta/argument_specs.yml, None in defaults/main.yml",
        'planted:main: wcow_missing: default is None in meta/argument_specs.yml, False in defaults/main.yml',
        'planted:main: wcow_other: default is 5 in meta/argument_specs.yml, 6 in defaults/main.yml',
        "planted:main: wcow_path: the description does not name wcow_install_dir, which its default "
        "('{{ wcow_install_dir }}\\\\config.toml') is derived from",
        "planted:main: wcow_url: the spec shows default 'https://example.invalid/v1.zip', but defaults/main.yml "
        "computes it ('https://example.invalid/v{{ wcow_version }}.zip'): drop the default and say in the "
        'description what it is derived from',
        'planted: wcow_unused has a default in defaults/main.yml but no entry point documents it',
    ]


# --- what a spec's default does at run time -----------------------------------------------------------------

def _other_value(option: dict, name: str):
    """A valid value for the option that is not its default, for group_vars."""
    default = option.get('default')
    if option.get('choices'):
        return next(choice for choice in option['choices'] if choice != default)
    kind = option.get('type', 'str')
    if kind == 'bool':
        return not default
    if kind == 'int':
        return (default or 0) + 7
    return {'list': ['from-group-vars'], 'dict': {'from_group_vars': name}}.get(kind, 'from-group-vars-%s' % name)


def _without_defaults(specs: dict) -> dict:
    return {entry: dict(spec, options={name: {k: v for k, v in option.items() if k != 'default'}
                                       for name, option in (spec.get('options') or {}).items()})
            for entry, spec in specs.items()}


def _write_roles(directory: Path):
    """Copies of each role (spec as committed, and without its defaults) whose tasks record what they see.

    Returns the play's tasks and the group_vars: every second variable (and every required one) is set there.
    """
    tasks, group_vars = [], {}
    for role in ROLES:
        specs = argument_specs(role)
        for variant, variant_specs in (('with', specs), ('without', _without_defaults(specs))):
            root = directory / ('%s_%s' % (variant, role))
            (root / 'meta').mkdir(parents=True)
            (root / 'meta' / 'argument_specs.yml').write_text(yaml.safe_dump({'argument_specs': variant_specs}))
            (root / 'tasks').mkdir()
            defaults = REPO / 'roles' / role / 'defaults' / 'main.yml'
            if defaults.exists():
                (root / 'defaults').mkdir()
                (root / 'defaults' / 'main.yml').write_bytes(defaults.read_bytes())
            for entry, spec in specs.items():
                names = sorted(spec.get('options') or {})
                seen = "{{ dict(names | zip(query('ansible.builtin.vars', *names, default='%s'))) }}" % UNDEFINED
                (root / 'tasks' / ('%s.yml' % entry)).write_text(yaml.safe_dump([{
                    'name': 'Record what the role sees',
                    'ansible.builtin.set_fact': {'seen_%s_%s_%s' % (variant, role, entry): seen},
                    'vars': {'names': names},
                }]))
                tasks.append({'name': '%s %s' % (root.name, entry),
                              'ansible.builtin.include_role': {'name': root.name, 'tasks_from': entry}})
                for index, name in enumerate(names):
                    if index % 2 == 0 or spec['options'][name].get('required'):
                        group_vars.setdefault(name, _other_value(spec['options'][name], name))
    return tasks, group_vars


@pytest.mark.slow
@pytest.mark.parametrize('bindir', BINDIRS, ids=BINDIR_IDS)
def test_spec_defaults_change_no_variable(bindir, tmp_path):
    tasks, group_vars = _write_roles(tmp_path / 'roles')
    seen_file = tmp_path / 'seen.json'
    tasks.append({'name': 'Write down what the roles saw', 'ansible.builtin.copy': {
        'dest': str(seen_file),
        'content': "{{ vars | dict2items | selectattr('key', 'match', '^seen_') | items2dict | to_json }}"}})
    localhost = {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}
    (tmp_path / 'inventory.yml').write_text(yaml.safe_dump({'all': {'children': {'hosts_under_test': {
        'hosts': {'localhost': localhost}, 'vars': group_vars}}}}))
    (tmp_path / 'play.yml').write_text(yaml.safe_dump([{'name': 'Roles with and without spec defaults',
                                                        'hosts': 'hosts_under_test', 'gather_facts': False,
                                                        'tasks': tasks}]))
    environment = dict(os.environ, ANSIBLE_ROLES_PATH=str(tmp_path / 'roles'), ANSIBLE_NOCOLOR='1')
    result = subprocess.run([str(bindir / 'ansible-playbook'), '-i', str(tmp_path / 'inventory.yml'),
                             str(tmp_path / 'play.yml')], capture_output=True, text=True, env=environment,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    seen = json.loads(seen_file.read_text())
    compared = 0
    for role in ROLES:
        defaults = role_defaults(role)
        for entry in argument_specs(role):
            with_defaults = seen['seen_with_%s_%s' % (role, entry)]
            assert with_defaults == seen['seen_without_%s_%s' % (role, entry)], (role, entry)
            for name, value in with_defaults.items():
                if name in group_vars:
                    assert value == group_vars[name], 'group_vars lost to something: %s %s %s' % (role, entry, name)
                elif name not in defaults:
                    assert value == UNDEFINED, 'a spec default was set as a variable: %s %s %s' % (role, entry, name)
                elif not is_template(defaults[name]):
                    assert value == defaults[name], (role, entry, name)
                compared += 1
    assert compared > 100
