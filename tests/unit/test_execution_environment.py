"""The execution environment definitions for ansible-builder.

- `meta/execution-environment.yml`: what ansible-builder adds to any image
  that installs this collection (pywinrm).
- `execution-environment/`: a complete execution environment with this
  collection, for AWX / Automation Controller (docs/awx.md).

`ansible-builder create` writes the build context (the Containerfile and
`_build/`) without network. The test then runs, on this machine, the two steps
of a container build that need no package registry: the galaxy stage
(`ansible-galaxy collection install -r requirements.yml` in the build
directory) and the builder stage's introspection (the context's own
`scripts/introspect.py` over the installed collection), and checks which
system packages bindep selects on CentOS Stream.

ansible-builder is found as `$WCOW_ANSIBLE_BUILDER`, else on PATH (make puts
.venv/bin first).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
EE_DIR = REPO / 'execution-environment'
META_EE = REPO / 'meta' / 'execution-environment.yml'
REQUIREMENTS = REPO / 'requirements'
ANSIBLE_BUILDER_PIN = '3.2.0'
CENTOS = ['platform:rpm', 'platform:centos', 'platform:redhat']

# Evaluated with ansible-builder's interpreter, where bindep is installed (an
# ansible-builder dependency): the packages bindep.txt selects per profile.
BINDEP_PROFILES = '''
import json, sys
from bindep.depends import Depends
depends = Depends(open(sys.argv[1]).read())
platform = json.loads(sys.argv[2])
print(json.dumps({
    profile: sorted(rule[0] for rule in depends.active_rules([profile] + platform))
    for profile in ('default', 'compile')
}))
'''


def _pins(path):
    """{lowercase name: version} of the `name==version` lines of a pip requirements file."""
    pins = {}
    for line in path.read_text(encoding='utf-8').splitlines():
        line = line.split('#', 1)[0].strip()
        if not line or line.startswith('-'):
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        if len(specifiers) == 1 and specifiers[0].operator == '==':
            pins[requirement.name.lower().replace('_', '-')] = specifiers[0].version
    return pins


def _requirements(path):
    return [Requirement(line.split('#', 1)[0].strip())
            for line in path.read_text(encoding='utf-8').splitlines()
            if line.split('#', 1)[0].strip()]


def _definition():
    return yaml.safe_load((EE_DIR / 'execution-environment.yml').read_text(encoding='utf-8'))


def _galaxy():
    return yaml.safe_load((REPO / 'galaxy.yml').read_text(encoding='utf-8'))


def _tarball_name():
    galaxy = _galaxy()
    return '%s-%s-%s.tar.gz' % (galaxy['namespace'], galaxy['name'], galaxy['version'])


@pytest.fixture
def ansible_builder():
    """The ansible-builder executable; checked before the slower fixtures run."""
    # Beside this Python first: the pinned one in .venv, also when .venv/bin is not on PATH.
    found = (os.environ.get('WCOW_ANSIBLE_BUILDER') or shutil.which('ansible-builder', path=os.path.dirname(sys.executable))
             or shutil.which('ansible-builder'))
    if not found:
        pytest.fail('ansible-builder is not installed: it is pinned (ansible-builder==%s) in the '
                    'requirements of .venv; set WCOW_ANSIBLE_BUILDER to use another one' % ANSIBLE_BUILDER_PIN)
    return Path(found)


def _interpreter_of(executable):
    """The Python of the virtualenv an installed console script belongs to."""
    sibling = executable.parent / 'python'
    return str(sibling) if sibling.exists() else sys.executable


def _ansible_galaxy():
    bindirs = os.environ.get('WCOW_ANSIBLE_BINDIRS', '').split()
    found = [Path(d) / 'ansible-galaxy' for d in bindirs if (Path(d) / 'ansible-galaxy').exists()]
    found = found or [Path(p) for p in [shutil.which('ansible-galaxy')] if p]
    assert found, 'no ansible-galaxy found (WCOW_ANSIBLE_BINDIRS or PATH)'
    return str(found[0])


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, **kwargs)
    assert result.returncode == 0, '%s failed (%d):\n%s\n%s' % (
        ' '.join(map(str, command)), result.returncode, result.stdout, result.stderr)
    return result


def test_ansible_core_pin_is_the_one_the_tests_use():
    package = _definition()['dependencies']['ansible_core']['package_pip']
    assert package == 'ansible-core==%s' % _pins(REQUIREMENTS / 'dev.txt')['ansible-core']


def test_ansible_runner_is_pinned():
    package = Requirement(_definition()['dependencies']['ansible_runner']['package_pip'])
    assert package.name == 'ansible-runner'
    assert [s.operator for s in package.specifier] == ['==']


def test_pywinrm_pin_is_the_one_the_tests_use():
    tested = _pins(REQUIREMENTS / 'tools.txt')['pywinrm']
    ee = {r.name.lower(): r for r in _requirements(EE_DIR / 'requirements.txt')}
    assert str(ee['pywinrm'].specifier) == '==%s' % tested
    assert ee['pywinrm'].extras == {'credssp', 'kerberos'}
    # The collection's own requirement: at least the tested version.
    meta = {r.name.lower(): r for r in _requirements(REPO / 'meta' / 'ee-requirements.txt')}
    assert [(s.operator, s.version) for s in meta['pywinrm'].specifier] == [('>=', tested)]


def test_every_python_requirement_of_the_image_is_pinned():
    for requirement in _requirements(EE_DIR / 'requirements.txt'):
        assert [s.operator for s in requirement.specifier] == ['=='], requirement


def test_constraints_agree_with_the_image_pins():
    constraints = _pins(REQUIREMENTS / 'constraints.txt')
    image = _pins(EE_DIR / 'requirements.txt')
    image.update(_pins(REQUIREMENTS / 'dev.txt'))
    clashes = {name: (version, constraints[name]) for name, version in image.items()
               if name in constraints and constraints[name] != version}
    assert not clashes


def test_the_collection_declares_its_python_requirements():
    meta = yaml.safe_load(META_EE.read_text(encoding='utf-8'))
    path = meta['dependencies']['python']
    assert not os.path.isabs(path), 'ansible-builder accepts only paths relative to the collection root'
    assert (REPO / path).is_file()


def test_galaxy_requirements_name_the_tarball_of_this_version():
    requirements = yaml.safe_load((EE_DIR / 'requirements.yml').read_text(encoding='utf-8'))
    assert requirements['collections'] == [{'name': 'collections/%s' % _tarball_name(), 'type': 'file'}]
    sources = [entry['src'] for entry in _definition()['additional_build_files']]
    assert _tarball_name() in sources


@pytest.fixture
def ee_copy(tmp_path):
    """The definition beside a freshly built collection tarball, laid out as in the checkout."""
    ee = tmp_path / 'checkout' / 'execution-environment'
    shutil.copytree(EE_DIR, ee, ignore=shutil.ignore_patterns('*.tar.gz', 'context'))
    (tmp_path / 'checkout' / 'requirements').mkdir()
    shutil.copy(REQUIREMENTS / 'constraints.txt', tmp_path / 'checkout' / 'requirements')
    _run([_ansible_galaxy(), 'collection', 'build', str(REPO), '--output-path', str(ee)])
    assert (ee / _tarball_name()).is_file()
    return ee


def test_create_writes_a_context_that_installs_the_collection_and_the_pins(ansible_builder, ee_copy, tmp_path):
    builder = ansible_builder
    version = _run([str(builder), '--version']).stdout.strip()
    assert version == ANSIBLE_BUILDER_PIN
    context = tmp_path / 'context'
    _run([str(builder), 'create', '-f', str(ee_copy / 'execution-environment.yml'), '-c', str(context),
          '--output-filename', 'Containerfile'])
    build = context / '_build'
    containerfile = (context / 'Containerfile').read_text(encoding='utf-8')

    # ansible-core and ansible-runner, pinned, installed in the base stage.
    definition = _definition()['dependencies']
    refs = '%s %s' % (definition['ansible_core']['package_pip'], definition['ansible_runner']['package_pip'])
    assert 'ARG ANSIBLE_INSTALL_REFS="%s"' % refs in containerfile
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream10"' in containerfile
    # The constraints apply before the first pip install.
    lines = containerfile.splitlines()
    constraint = lines.index('ENV PIP_CONSTRAINT=/usr/share/wcow-buildkit-ee/constraints.txt')
    first_pip = next(i for i, line in enumerate(lines) if 'pip install' in line or 'pip_install' in line)
    assert constraint < first_pip
    assert ('COPY _build/constraints/constraints.txt /usr/share/wcow-buildkit-ee/constraints.txt'
            in lines[:constraint])
    assert (build / 'constraints' / 'constraints.txt').read_bytes() == (REQUIREMENTS / 'constraints.txt').read_bytes()
    # The collection, from the tarball in the build context.
    assert re.search(r'^RUN .*ansible-galaxy collection install .*-r requirements\.yml '
                     r'--collections-path "/usr/share/ansible/collections"$', containerfile, re.M)
    assert (build / 'collections' / _tarball_name()).is_file()
    assert (build / 'requirements.txt').read_text() == (EE_DIR / 'requirements.txt').read_text()

    # Galaxy stage: the same install, from the build directory, into the
    # image's (empty) collections path, not the checkout's.
    collections = tmp_path / 'collections'
    galaxy_env = dict(os.environ, ANSIBLE_GALAXY_DISABLE_GPG_VERIFY='1', ANSIBLE_COLLECTIONS_PATH=str(collections))
    _run([_ansible_galaxy(), 'collection', 'install', '-r', 'requirements.yml', '--collections-path',
          str(collections)], cwd=build, env=galaxy_env)
    installed = collections / 'ansible_collections' / 'wcow' / 'buildkit'
    manifest = json.loads((installed / 'MANIFEST.json').read_text(encoding='utf-8'))
    assert manifest['collection_info']['version'] == _galaxy()['version']
    assert (installed / 'meta' / 'execution-environment.yml').is_file(), 'build_ignore must keep it'

    # Builder stage: the requirements ansible-builder gathers from the
    # installed collections and the definition.
    python = _interpreter_of(builder)
    source = tmp_path / 'src'
    _run([python, 'scripts/introspect.py', 'introspect', str(collections), '--user-pip=requirements.txt',
          '--user-bindep=bindep.txt', '--write-pip=%s' % (source / 'requirements.txt'),
          '--write-bindep=%s' % (source / 'bindep.txt')], cwd=build)
    gathered = (source / 'requirements.txt').read_text(encoding='utf-8').splitlines()
    assert any(line.startswith('pywinrm') and line.endswith('# from collection wcow.buildkit') for line in gathered)
    tested = Version(_pins(REQUIREMENTS / 'tools.txt')['pywinrm'])
    pywinrm = [r for r in _requirements(source / 'requirements.txt') if r.name == 'pywinrm']
    assert len(pywinrm) == 2
    assert all(r.specifier.contains(tested) for r in pywinrm)

    selected = json.loads(_run([python, '-c', BINDEP_PROFILES, str(source / 'bindep.txt'),
                                json.dumps(CENTOS)]).stdout)
    assert {'krb5-workstation', 'krb5-libs'} <= set(selected['default'])
    assert 'gcc' not in selected['default'], 'compilers stay out of the final image'
    assert {'gcc', 'krb5-devel', 'python3-devel'} <= set(selected['compile'])
