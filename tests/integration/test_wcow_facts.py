"""wcow_facts against simulated hosts: facts that match the host, in one PowerShell run, never a change;
the compatibility gate (fail_unsupported) refusing Server 2016 and arm64 before anything changes; bad input."""

from __future__ import annotations

import pytest

from winsim.fleet import HostSpec
from winsim.programs import fake_binary
from winsim.windows import environment, files, scm

MODULE = 'wcow.buildkit.wcow_facts'
CONTAINERD = 'C:\\Program Files\\containerd\\containerd.exe'
BUILDKITD = 'C:\\Program Files\\buildkit\\buildkitd.exe'
# docs/windows-facts.md#hosts-and-base-images.
RECOMMENDED = {'ws2019': ('ltsc2019', '1809'), 'ws2022': ('ltsc2022', 'ltsc2022'), 'win11': ('ltsc2022', 'ltsc2022'),
               'ws2025': ('ltsc2025', 'ltsc2025')}


def run(ansible, fleet, tmp_path, args=None, check=False, hosts='all'):
    return ansible.module(tmp_path, fleet.inventory_path, MODULE, args or {}, check=check, hosts=hosts)


def facts_of(task):
    return task['result']['ansible_facts']['wcow']


def assert_matches_the_store(wcow, state):
    os_state = state['os']
    assert wcow['os']['caption'] == os_state['caption']
    assert wcow['os']['build'] == os_state['build'] and wcow['os']['ubr'] == os_state['ubr']
    assert wcow['os']['version'] == '%s.%d' % (os_state['version'], os_state['ubr'])
    assert wcow['os']['edition_id'] == os_state['edition_id']
    assert wcow['os']['product_type'] == ('server' if os_state['product_type'] == 3 else 'workstation')
    assert wcow['os']['architecture'] == os_state['architecture']
    assert wcow['features'] == state['features']
    assert sorted((n['id'], n['name'], n['type']) for n in wcow['hns']['networks']) == sorted(
        (n['ID'], n['Name'], n['Type']) for n in state['hns']['networks'])
    assert wcow['hns']['available'] is (state['features']['Containers'] == 'Enabled')


@pytest.mark.every_core
def test_facts_on_every_supported_profile_match_the_hosts_in_one_run(ansible, start_fleet, tmp_path):
    fleet = start_fleet(*(HostSpec(name, name, containers=True) for name in RECOMMENDED))
    before = dict((name, fleet.store(name).read()) for name in RECOMMENDED)
    fleet.reset_counters()
    outcome = run(ansible, fleet, tmp_path)
    for name, (servercore, nanoserver) in RECOMMENDED.items():
        task = outcome.task(name, 'module')
        assert task['status'] == 'ok', task
        assert task['result']['changed'] is False
        wcow = facts_of(task)
        assert_matches_the_store(wcow, before[name])
        assert wcow['supported'] is True and wcow['unsupported_reasons'] == []
        assert wcow['base_images']['recommended_tags'] == {'servercore': servercore, 'nanoserver': nanoserver}
        assert wcow['services']['containerd']['exists'] is False and wcow['binaries']['buildctl']['exists'] is False
        assert wcow['path']['containerd']['present'] is False
        assert wcow['reboot']['pending'] is False
        assert fleet.counters(name)['powershell_executions'] == 1, 'one read per host'
        assert fleet.store(name).read() == before[name], 'facts never change the host'
    assert 'moby/buildkit#5668' in ' '.join(facts_of(outcome.task('ws2019', 'module'))['warnings'])
    assert facts_of(outcome.task('ws2022', 'module'))['warnings'] == []
    assert facts_of(outcome.task('win11', 'module'))['features']['Microsoft-Hyper-V-All'] == 'Disabled'
    assert facts_of(outcome.task('ws2025', 'module'))['base_images']['servercore'] == ['ltsc2022', 'ltsc2025']


def test_check_mode_reads_the_same_and_the_facts_are_usable_by_later_tasks(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    before = fleet.store('ws2022').read()
    plays = [{'name': 'facts', 'hosts': 'all', 'gather_facts': False, 'tasks': [
        {'name': 'module', MODULE: {'fail_unsupported': True}},
        {'name': 'image', 'ansible.builtin.debug': {
            'msg': 'mcr.microsoft.com/windows/nanoserver:'
                   '{{ ansible_facts.wcow.base_images.recommended_tags.nanoserver }} {{ wcow.os.build }}'}},
    ]}]
    fleet.reset_counters()
    checked = ansible.playbook(tmp_path, fleet.inventory_path, plays, check=True)
    assert checked.task('ws2022', 'module')['result']['changed'] is False
    assert checked.task('ws2022', 'image')['result']['msg'] == 'mcr.microsoft.com/windows/nanoserver:ltsc2022 20348'
    assert fleet.store('ws2022').read() == before
    assert fleet.counters('ws2022')['powershell_executions'] == 1


def test_services_versions_flags_path_and_an_old_containerd(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    with fleet.store('ws2022').transaction() as state:
        for folder in ('C:\\Program Files\\containerd', 'C:\\Program Files\\buildkit'):
            files.ensure_dir(state, folder)
        files.write_bytes(state, CONTAINERD, fake_binary('containerd', 'v1.6.28'))
        files.write_bytes(state, BUILDKITD, fake_binary('buildkitd', 'v0.23.2'))
        scm.create_service(state, 'containerd', '"%s" --run-service --service-name containerd' % CONTAINERD,
                           start=scm.START_AUTO)
        scm.create_service(state, 'buildkitd', '"%s" --run-service --service-name buildkitd --debug --addr '
                           'npipe:////./pipe/buildkitd --containerd-worker-namespace=buildkit' % BUILDKITD,
                           start=scm.START_AUTO, dependencies=['containerd'])
        scm.start_service(state, 'buildkitd')
        environment.set_path_value(state, 'machine', state['machine_path']['value'] + ';%ProgramFiles%\\buildkit')
    task = run(ansible, fleet, tmp_path).task('ws2022', 'module')
    assert task['status'] == 'ok', task
    wcow = facts_of(task)
    containerd, buildkitd = wcow['services']['containerd'], wcow['services']['buildkitd']
    assert (containerd['state'], containerd['start_type'], containerd['version']) == ('Running', 'auto', 'v1.6.28')
    assert (buildkitd['state'], buildkitd['version'], buildkitd['dependencies']) == (
        'Running', 'v0.23.2', ['containerd'])
    assert buildkitd['flags'] == {'debug': 'true', 'addr': ['npipe:////./pipe/buildkitd'],
                                  'containerd-worker-namespace': 'buildkit'}
    assert buildkitd['process_id'] == fleet.store('ws2022').read()['services']['buildkitd']['ProcessId']
    assert wcow['binaries']['containerd']['version'] == 'v1.6.28'
    assert wcow['path']['buildkit'] == {'directory': 'C:\\Program Files\\buildkit', 'present': True, 'count': 1}
    assert wcow['path']['containerd']['present'] is False
    old = [w for w in task['result']['warnings'] if 'containerd v1.6.28 is older than 1.7.7' in w]
    assert old and old == [w for w in wcow['warnings'] if 'moby/buildkit#4826' in w]


def test_pending_features_and_gather_subsets(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019'))
    with fleet.store('ws2019').transaction() as state:
        state['features']['Containers'] = 'EnablePending'
        state['reboot_pending']['component_based_servicing'] = True
    wcow = facts_of(run(ansible, fleet, tmp_path).task('ws2019', 'module'))
    assert wcow['reboot']['pending'] is True and wcow['reboot']['features_pending'] == ['Containers']
    assert wcow['reboot']['reasons'] == ['component_based_servicing']
    assert wcow['hns']['available'] is False and 'vmcompute.dll' in wcow['hns']['error']

    subset = facts_of(run(ansible, fleet, tmp_path, dict(gather=['features'])).task('ws2019', 'module'))
    assert subset['gathered'] == ['os', 'features']
    assert 'services' not in subset and 'hns' not in subset and subset['features']['Containers'] == 'EnablePending'


@pytest.mark.every_core
def test_server_2016_is_refused_after_one_read_and_nothing_changes(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2016', 'ws2016'))
    before = fleet.store('ws2016').read()
    fleet.reset_counters()
    task = run(ansible, fleet, tmp_path, dict(fail_unsupported=True)).task('ws2016', 'module')
    assert task['status'] == 'failed'
    message = task['result']['msg']
    assert 'Microsoft Windows Server 2016 Datacenter, build 14393, architecture amd64' in message
    assert 'Build 14393 is older than 17763' in message
    assert '17763 (Windows Server 2019)' in message and '26200 (Windows 11 25H2)' in message
    assert fleet.counters('ws2016')['powershell_executions'] == 1, 'the read only'
    assert fleet.store('ws2016').read() == before

    # Without the gate, the facts say the same and the task succeeds.
    facts = facts_of(run(ansible, fleet, tmp_path).task('ws2016', 'module'))
    assert facts['supported'] is False and facts['base_images']['recommended'] is None


def test_arm64_is_refused_for_the_cni_plugin_unless_allowed(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('arm', 'ws2022', containers=True, architecture='arm64'))
    before = fleet.store('arm').read()
    fleet.reset_counters()
    refused = run(ansible, fleet, tmp_path, dict(fail_unsupported=True)).task('arm', 'module')
    assert refused['status'] == 'failed'
    assert 'architecture arm64' in refused['result']['msg']
    assert 'CNI plugin (microsoft/windows-container-networking) is published for amd64 only' in refused['result']['msg']
    assert 'allow_arm64_without_cni=true' in refused['result']['msg']
    assert fleet.counters('arm')['powershell_executions'] == 1
    assert fleet.store('arm').read() == before

    allowed = run(ansible, fleet, tmp_path, dict(fail_unsupported=True, allow_arm64_without_cni=True))
    allowed = allowed.task('arm', 'module')
    assert allowed['status'] == 'ok'
    assert facts_of(allowed)['supported'] is True
    assert any('CNI plugin' in warning for warning in allowed['result']['warnings'])


@pytest.mark.parametrize('args, option', [
    (dict(gather=[]), 'gather'),
    (dict(containerd_service='svc/containerd'), 'containerd_service'),
    (dict(buildkitd_service=' buildkitd'), 'buildkitd_service'),
    (dict(buildkit_dir=''), 'buildkit_dir'),
    (dict(gather=['everything']), 'gather'),
])
def test_bad_input_fails_naming_the_option_before_the_host_is_asked(ansible, start_fleet, tmp_path, args, option):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022'))
    fleet.reset_counters()
    task = run(ansible, fleet, tmp_path, args).task('ws2022', 'module')
    assert task['status'] == 'failed' and option in task['result']['msg']
    assert fleet.counters('ws2022')['powershell_executions'] == 0
