"""buildctl_build and the buildkit_verify role's sample build: the nanoserver hello world on the tag that fits
the host build, check mode that builds nothing, an action that reports a change each time it builds, clear failures
(buildkitd stopped, a base image of another build, an unknown tag, a push refused), bad input refused before the host
is touched, and registry credentials kept out of the output."""

from __future__ import annotations

import pytest

from winsim.fleet import HostSpec
from winsim.programs import fake_binary
from winsim.windows import files, processes, scm

MODULE = 'wcow.buildkit.buildctl_build'
HOSTS = {'ws2019': '1809', 'ws2022': 'ltsc2022'}
CONTAINERD = 'C:\\Program Files\\containerd\\containerd.exe'
BUILDKITD = 'C:\\Program Files\\buildkit\\buildkitd.exe'
BUILDCTL = 'C:\\Program Files\\buildkit\\buildctl.exe'
TEMP = 'C:\\Users\\Administrator\\AppData\\Local\\Temp\\wcow-buildctl-'
IMAGE = 'localhost/hello-buildkit'
REGISTRY = 'registry.example:5000'
SECRET = 'Sample-Build-S3cret'
HCS_MISMATCH = 'The container operating system does not match the host operating system.'


def prepare(fleet, name):
    """containerd and buildkitd (v0.23.2) running, as the buildkit role leaves them."""
    with fleet.store(name).transaction() as state:
        for folder in ('C:\\Program Files\\containerd', 'C:\\Program Files\\buildkit'):
            files.ensure_dir(state, folder)
        files.write_bytes(state, CONTAINERD, fake_binary('containerd', 'v2.1.4'))
        files.write_bytes(state, BUILDKITD, fake_binary('buildkitd', 'v0.23.2'))
        files.write_bytes(state, BUILDCTL, fake_binary('buildctl', 'v0.23.2'))
        assert processes.run_program(state, CONTAINERD, ['--register-service']).exit_code == 0
        scm.start_service(state, 'containerd')
        assert processes.run_program(state, BUILDKITD, ['--register-service']).exit_code == 0
        scm.start_service(state, 'buildkitd')


@pytest.fixture
def fleet(start_fleet):
    """Server 2019 and 2022 hosts, ready to build."""
    fleet = start_fleet(*(HostSpec(name, name, containers=True) for name in HOSTS))
    for name in HOSTS:
        prepare(fleet, name)
    return fleet


def images(state):
    return state.get('containerd_images', {}).get('buildkit', {})


def temp_folders(state):
    return [key for key in state['files'] if key.startswith(TEMP)]


BAD_INPUT = [
    ({'image_name': 'Hello-Buildkit'}, 'image_name'),
    ({'image_name': 'localhost/hello,push=true'}, 'image_name'),
    ({'image_name': 'localhost/hello@sha256:' + '0' * 64}, 'image_name'),
    ({'push': True}, 'image_name'),
    ({'base_image': 'mcr.microsoft.com/windows/nanoserver:ltsc2022'}, 'base_image'),
    ({'base_image': 'example.com/windows/custom'}, 'base_image_tag'),
    ({'base_image_tag': '-ltsc2022'}, 'base_image_tag'),
    ({'image_name': IMAGE, 'registry_username': 'ci', 'registry_password': SECRET}, 'registry_username'),
    ({'image_name': IMAGE, 'push': True, 'registry_password': SECRET}, 'registry_username'),
    ({'addr': '//./pipe/buildkitd'}, 'addr'),
    ({'buildctl_path': 'buildctl.exe'}, 'buildctl_path'),
    ({'timeout': 0}, 'timeout'),
    ({'timeout': 2147484}, 'timeout'),
]


def play(tasks, hosts='all'):
    return [{'name': 'buildctl_build', 'hosts': hosts, 'gather_facts': False,
             'tasks': [dict(name=name, ignore_errors=True, **{MODULE: args}, **extra) for name, args, extra in tasks]}]


@pytest.mark.every_core
def test_check_mode_then_build_then_build_again_with_the_tag_of_each_host(ansible, fleet, tmp_path):
    before = {name: fleet.store(name).read() for name in HOSTS}
    run = ansible.playbook(tmp_path, fleet.inventory_path, play([
        ('check mode', {'image_name': IMAGE}, {'check_mode': True}),
        ('build', {'image_name': IMAGE}, {}),
        ('again', {'image_name': IMAGE}, {}),
    ]))
    assert run.rc == 0, run.output
    for host, tag in HOSTS.items():
        state = fleet.store(host).read()
        check = run.task(host, 'check mode')['result']
        assert check['changed'] is True, check
        assert check['base_image'] == 'mcr.microsoft.com/windows/nanoserver:%s' % tag
        assert check['host_build'] == {'ws2019': 17763, 'ws2022': 20348}[host]
        assert check['digest'] is None and check['exit_code'] is None and check['pushed'] is False
        assert check['dockerfile'].startswith('FROM mcr.microsoft.com/windows/nanoserver:%s\r\n' % tag)
        built, again = run.task(host, 'build')['result'], run.task(host, 'again')['result']
        for result in (built, again):
            assert result['changed'] is True and result['exit_code'] == 0, result
            assert result['base_image_tag'] == tag and result['digest'].startswith('sha256:')
            assert result['output'] == 'type=image,name=%s,push=false' % IMAGE and result['pushed'] is False
            assert result['log_tail'][-1] == '#8 DONE 2.7s' and result['duration'] > 0
            assert result['command'][:3] == [BUILDCTL, 'build', '--frontend=dockerfile.v0']
        assert built['digest'] != again['digest'], 'an action: every build makes a new image'
        assert images(state)['localhost/hello-buildkit:latest']['digest'] == again['digest']
        assert temp_folders(state) == [], 'the temporary build folders are removed'
        assert 'registries' not in state, 'push=false stays local'
        assert images(before[host]) == {} and temp_folders(before[host]) == []


def test_failures_are_clear_and_leave_no_temporary_folder_and_bad_input_is_refused(ansible, start_fleet, tmp_path):
    fleet = start_fleet(*(HostSpec(name, profile, containers=True) for name, profile
                          in (('ws2019', 'ws2019'), ('ws2022', 'ws2022'), ('stopped', 'ws2022'))))
    for name in ('ws2019', 'ws2022', 'stopped'):
        prepare(fleet, name)
    with fleet.store('stopped').transaction() as state:
        scm.stop_service(state, 'buildkitd')
    # A folder with credentials a dropped run left (its time is past), and one of a run still going.
    dropped, going = (TEMP + stamp + '-' + 'ab' * 16 for stamp in ('20000101000000', '29991231000000'))
    with fleet.store('ws2022').transaction() as state:
        state['registries'] = {'accounts': {REGISTRY: {'username': 'ci', 'password': SECRET}}}
        for folder in (dropped, going):
            files.ensure_dir(state, folder + '\\docker-config')
            files.write_bytes(state, folder + '\\docker-config\\config.json', b'{"auths": {}}')
    pushed_name = '%s/hello-buildkit:1' % REGISTRY
    push = {'image_name': pushed_name, 'push': True, 'registry_username': 'ci'}
    run = ansible.playbook(tmp_path, fleet.inventory_path, play([
        ('mismatched tag', {'image_name': IMAGE, 'base_image_tag': 'ltsc2022'}, {}),
    ], hosts='ws2019') + play([
        ('unknown tag', {'image_name': IMAGE, 'base_image_tag': 'ltsc2099'}, {}),
        ('push refused', dict(push, registry_password='wrong-password'), {}),
        ('push', dict(push, registry_password=SECRET), {}),
    ], hosts='ws2022') + play([
        ('buildkitd stopped', {}, {}),
    ], hosts='stopped'), extra_args=['-vvv'])

    mismatched = run.task('ws2019', 'mismatched tag')
    assert mismatched['status'] == 'failed' and mismatched['result']['changed'] is False
    assert HCS_MISMATCH in mismatched['result']['msg']
    assert mismatched['result']['msg'].startswith('buildctl build on mcr.microsoft.com/windows/nanoserver:ltsc2022 '
                                                  'failed (exit code 1): error: failed to solve: process ')
    assert any('does not fit host build 17763' in w for w in mismatched['result']['warnings'])
    assert images(fleet.store('ws2019').read()) == {}

    unknown = run.task('ws2022', 'unknown tag')['result']
    assert run.task('ws2022', 'unknown tag')['status'] == 'failed' and unknown['msg'].endswith(
        'mcr.microsoft.com/windows/nanoserver:ltsc2099: not found')
    refused = run.task('ws2022', 'push refused')['result']
    assert run.task('ws2022', 'push refused')['status'] == 'failed'
    assert '401 Unauthorized' in refused['msg'] and refused['pushed'] is False
    pushed = run.task('ws2022', 'push')
    assert pushed['status'] == 'ok' and pushed['result']['changed'] is True, pushed
    assert pushed['result']['pushed'] is True
    state = fleet.store('ws2022').read()
    assert state['registries']['images'][pushed_name]['digest'] == pushed['result']['digest']
    assert SECRET not in run.output, 'the registry password never shows, even with -vvv'
    assert temp_folders(fleet.store('ws2019').read()) == [], 'the credentials went with the temporary folder'
    assert {key[len(TEMP):].split('\\')[0] for key in temp_folders(state)} == {going[len(TEMP):]}, \
        "a dropped run's folder goes with the next build, a running one's stays"

    stopped = run.task('stopped', 'buildkitd stopped')
    assert stopped['status'] == 'failed'
    assert 'open //./pipe/buildkitd: The system cannot find the file specified.' in stopped['result']['msg']

    fleet.reset_counters()
    ansible.rejected(tmp_path, fleet.inventory_path, MODULE, BAD_INPUT, 'ws2022')
    assert fleet.counters('ws2022')['powershell_executions'] == 0


VERIFY = [{'import_playbook': 'wcow.buildkit.verify'}]
SAMPLE_TASK = 'wcow.buildkit.buildkit_verify : Build the nanoserver hello-world sample'


def test_verify_playbook_builds_the_sample_on_the_tag_of_each_host(ansible, fleet, tmp_path):
    run = ansible.playbook(tmp_path, fleet.inventory_path, VERIFY, extra_args=['-e', 'wcow_verify_sample_build=true'])
    assert run.rc == 0, run.output
    for host, tag in HOSTS.items():
        sample = run.task(host, SAMPLE_TASK)
        assert sample['status'] == 'ok' and sample['result']['changed'] is True, sample
        assert sample['result']['base_image'] == 'mcr.microsoft.com/windows/nanoserver:%s' % tag
        assert sample['result']['pushed'] is False
        stored = images(fleet.store(host).read())['localhost/hello-buildkit:latest']
        assert stored['digest'] == sample['result']['digest']
        assert 'Sample build on %s (build' % host in run.output
