"""The sample build's pure parts: image references as BuildKit reads them, the base image tag per host build,
buildctl's output value, and what the action reads back from buildctl."""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._buildctl import image_ref

from ansible_collections.wcow.buildkit.plugins.plugin_utils._buildctl import sample_build


@pytest.mark.parametrize('name', ['hello', 'localhost/hello-buildkit', 'docker.io/user/hello-buildkit:1.0',
                                  'registry.example:5000/team/hello__x:v1', 'mcr.microsoft.com/windows/nanoserver'])
def test_good_image_names(name):
    assert image_ref.problem(name) is None


@pytest.mark.parametrize('name, words', [
    ('Hello', 'lower-case'), ('localhost/hello,push=true', 'commas'), ('hello world', 'white space'),
    ('hello:', 'tag'), ('hello:-x', 'tag'), ('hello@sha256:' + 'a' * 64, 'digest'), ('a/' * 130 + 'b', '255'),
    ('-bad.example/x', 'registry'), ('', 'non-empty'),
])
def test_bad_image_names(name, words):
    assert words in (image_ref.problem(name) or ''), name


def test_a_base_repository_may_not_carry_a_tag():
    assert 'tag' in image_ref.problem('mcr.microsoft.com/windows/nanoserver:ltsc2022', tag=False)


@pytest.mark.parametrize('name, host', [('hello', 'docker.io'), ('user/hello', 'docker.io'),
                                        ('index.docker.io/user/hello', 'docker.io'),
                                        ('localhost/hello', 'localhost'), ('reg.example:5000/a/b:1', 'reg.example:5000')])
def test_registry_of(name, host):
    assert image_ref.registry_of(name) == host


def test_docker_config_keys_docker_hub_as_buildkit_looks_it_up():
    hub = json.loads(image_ref.docker_config('docker.io', 'me', 'p:w'))
    assert base64.b64decode(hub['auths']['https://index.docker.io/v1/']['auth']) == b'me:p:w'
    other = json.loads(image_ref.docker_config('reg.example:5000', 'me', 'pw'))
    assert list(other['auths']) == ['reg.example:5000']


@pytest.mark.parametrize('build, nano, core', [(17763, '1809', 'ltsc2019'), (20348, 'ltsc2022', 'ltsc2022'),
                                               (22631, 'ltsc2022', 'ltsc2022'), (26100, 'ltsc2025', 'ltsc2025'),
                                               (26200, 'ltsc2025', 'ltsc2025'), (14393, None, None)])
def test_the_tag_fits_the_host_build(build, nano, core):
    assert sample_build.chosen_tag(sample_build.NANOSERVER, build) == nano
    assert sample_build.chosen_tag(sample_build.SERVERCORE, build) == core
    assert sample_build.chosen_tag('example.com/other', build) is None
    assert sample_build.fitting_tags('example.com/other', build) is None


def test_fitting_tags_of_server_2025_include_ltsc2022():
    assert sample_build.fitting_tags(sample_build.NANOSERVER, 26100) == ['ltsc2022', 'ltsc2025']


def test_the_dockerfile_is_the_guides_on_the_chosen_base():
    text = sample_build.dockerfile('mcr.microsoft.com/windows/nanoserver:1809')
    assert text.splitlines() == ['FROM mcr.microsoft.com/windows/nanoserver:1809', 'USER ContainerAdministrator',
                                 'COPY hello.txt C:/', 'RUN echo "Goodbye!" >> hello.txt',
                                 'CMD ["cmd", "/C", "type C:\\\\hello.txt"]']
    assert [f['name'] for f in sample_build.context_files('x:1')] == ['Dockerfile', 'hello.txt']


def test_output_spec():
    assert sample_build.output_spec(None, False) == 'type=image,push=false'
    assert sample_build.output_spec('localhost/h', True) == 'type=image,name=localhost/h,push=true'


def test_what_is_read_back_from_buildctl():
    assert sample_build.digest_of('{"containerimage.digest": "sha256:ab"}') == 'sha256:ab'
    assert sample_build.digest_of('') is None and sample_build.digest_of('not json') is None
    assert sample_build.digest_of('{"containerimage.digest": ""}') is None
    stderr = '#1 a\n\n#7 ERROR: boom\n\nerror: failed to solve: boom\n'
    assert sample_build.error_line(stderr) == 'error: failed to solve: boom'
    assert sample_build.error_line('only line\n') == 'only line'
    assert sample_build.tail(stderr, 2) == ['#7 ERROR: boom', 'error: failed to solve: boom']
