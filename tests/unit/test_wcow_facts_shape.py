"""plugin_utils/_windows/host_facts.py: the wcow facts made from canned wcow_facts_read results (no host)."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows.host_facts import (
    PARTS,
    WS2019_WARNING,
    Settings,
    architecture_of,
    build_facts,
    read_params,
)

CONTAINERD = 'C:\\Program Files\\containerd\\containerd.exe'
BUILDKITD = 'C:\\Program Files\\buildkit\\buildkitd.exe'
OS = dict(caption='Microsoft Windows Server 2022 Datacenter', edition_id='ServerDatacenter', build=20348, ubr=3207,
          display_version='21H2', product_type=3, machine_architecture='AMD64', process_architecture='AMD64',
          process_architew6432='')


def probe(path, stdout='', exists=True, error=''):
    return dict(path=path, exists=exists, exit_code=0 if exists and not error else None, stdout=stdout, stderr='',
                error=error)


def service(name, image_path, program, state='Running', start=2):
    return dict(name=name, exists=True, service_name=name, image_path=image_path, start=start,
                delayed_auto_start=False, start_mode='Auto', dependencies=[], object_name='LocalSystem',
                display_name=name, description='', failure_actions='', state=state, process_id=4242, exit_code=0,
                delete_pending=False, dependents=[], program=program)


def absent(name):
    return dict(name=name, exists=False, service_name='', image_path='', start=0, delayed_auto_start=False,
                start_mode='', dependencies=[], object_name='', display_name='', description='', failure_actions='',
                state='', process_id=0, exit_code=0, delete_pending=False, dependents=[], program=None)


def read(**changes):
    base = dict(
        os=dict(OS),
        directories=[dict(given='%ProgramFiles%\\containerd', expanded='C:\\Program Files\\containerd'),
                     dict(given='%ProgramFiles%\\buildkit', expanded='C:\\Program Files\\buildkit')],
        features=[dict(name='Containers', state='Enabled'), dict(name='Microsoft-Hyper-V', state='Disabled'),
                  dict(name='Microsoft-Hyper-V-All', state=None)],
        hns=dict(available=True, error='', networks=[]),
        services=[absent('containerd'), absent('buildkitd')],
        binaries=[probe(CONTAINERD, exists=False), probe(BUILDKITD, exists=False),
                  probe('C:\\Program Files\\buildkit\\buildctl.exe', exists=False)],
        path=dict(kind='ExpandString', value='%SystemRoot%\\system32', expanded_pieces=['C:\\Windows\\system32']),
        reboot=dict(component_based_servicing=False, windows_update=False, pending_file_rename_operations=False,
                    last_boot_time='2024-01-01T04:42:55.997Z'),
    )
    base.update(changes)
    return base


def facts(raw=None, settings=Settings(), parts=PARTS):
    return build_facts(raw or read(), settings, parts)


def test_read_params_ask_for_the_services_programs_and_directories():
    params = read_params(Settings(buildkit_dir='D:\\bk\\'), ('services',))
    assert params == dict(
        gather=['services'],
        features=['Containers', 'Microsoft-Hyper-V', 'Microsoft-Hyper-V-All'],
        services=['containerd', 'buildkitd'],
        probe_versions=['%ProgramFiles%\\containerd\\containerd.exe', 'D:\\bk\\buildkitd.exe', 'D:\\bk\\buildctl.exe'],
        directories=['%ProgramFiles%\\containerd', 'D:\\bk\\'],
    )


def test_os_supported_and_base_images():
    result = facts()
    assert result['os'] == dict(caption=OS['caption'], edition_id='ServerDatacenter', build=20348, ubr=3207,
                                version='10.0.20348.3207', display_version='21H2', release='Windows Server 2022',
                                product_type='server', architecture='amd64')
    assert result['supported'] is True and result['unsupported_reasons'] == []
    assert result['base_images']['recommended'] == 'ltsc2022'
    assert result['features'] == {'Containers': 'Enabled', 'Microsoft-Hyper-V': 'Disabled'}
    assert result['warnings'] == []
    assert result['gathered'] == ['os'] + list(PARTS)


def test_services_flags_and_versions():
    containerd = service('containerd', '"%s" --run-service --service-name containerd --log-level=debug '
                         '--log-file "C:\\ProgramData\\containerd\\c.log"' % CONTAINERD,
                         probe(CONTAINERD, 'containerd github.com/containerd/containerd/v2 v2.1.4 abcdef\r\n'))
    buildkitd = service('buildkitd', '"%s" --run-service --service-name buildkitd --addr npipe:////./pipe/buildkitd '
                        '--addr=tcp://0.0.0.0:1234 --group builders --debug' % BUILDKITD,
                        probe(BUILDKITD, 'buildkitd github.com/moby/buildkit v0.23.2 deadbeef\n'), state='Stopped')
    result = facts(read(services=[containerd, buildkitd]))['services']
    assert result['containerd']['binary'] == CONTAINERD
    assert result['containerd']['run_service'] is True and result['containerd']['service_name_flag'] == 'containerd'
    assert result['containerd']['flags'] == {'log-level': 'debug', 'log-file': 'C:\\ProgramData\\containerd\\c.log'}
    assert result['containerd']['arguments'] == ['--log-level=debug', '--log-file',
                                                 'C:\\ProgramData\\containerd\\c.log']
    assert result['containerd']['version'] == 'v2.1.4' and result['containerd']['start_type'] == 'auto'
    assert result['buildkitd']['flags'] == {'addr': ['npipe:////./pipe/buildkitd', 'tcp://0.0.0.0:1234'],
                                            'group': 'builders', 'debug': 'true'}
    assert result['buildkitd']['state'] == 'Stopped' and result['buildkitd']['version'] == 'v0.23.2'


def test_flags_the_daemon_would_refuse_are_reported_not_raised():
    buildkitd = service('buildkitd', '"%s" --run-service --service-name buildkitd --bogus' % BUILDKITD,
                        probe(BUILDKITD, 'buildkitd github.com/moby/buildkit v0.23.2 deadbeef'))
    entry = facts(read(services=[absent('containerd'), buildkitd]))['services']['buildkitd']
    assert entry['flags'] == {} and entry['flags_error'] == 'flag provided but not defined: -bogus'


def test_a_program_that_does_not_answer_with_a_version():
    broken = service('containerd', '"%s" --run-service --service-name containerd' % CONTAINERD,
                     probe(CONTAINERD, error='Cannot run it: The specified executable is not a valid application'))
    entry = facts(read(services=[broken, absent('buildkitd')]))['services']['containerd']
    assert entry['version'] is None and 'not a valid application' in entry['version_error']
    missing = service('containerd', '"%s" --run-service' % CONTAINERD, probe(CONTAINERD, exists=False))
    entry = facts(read(services=[missing, absent('buildkitd')]))['services']['containerd']
    assert entry['program']['exists'] is False and entry['version'] is None and entry['version_error'] is None


@pytest.mark.parametrize('output, warned', [
    ('containerd github.com/containerd/containerd v1.6.28 ab', True),
    ('containerd github.com/containerd/containerd v1.7.6 ab', True),
    ('containerd github.com/containerd/containerd v1.7.7 ab', False),
    ('containerd github.com/containerd/containerd/v2 v2.0.0 ab', False),
])
def test_containerd_older_than_1_7_7_is_warned_about(output, warned):
    installed = [probe(CONTAINERD, output), probe(BUILDKITD, exists=False), probe('C:\\x\\buildctl.exe', exists=False)]
    found = [w for w in facts(read(binaries=installed))['warnings'] if 'moby/buildkit#4826' in w]
    assert bool(found) is warned


def test_the_service_s_containerd_counts_before_the_installed_one():
    old = service('containerd', '"D:\\old\\containerd.exe" --run-service --service-name containerd',
                  probe('D:\\old\\containerd.exe', 'containerd github.com/containerd/containerd v1.6.2 ab'))
    installed = [probe(CONTAINERD, 'containerd github.com/containerd/containerd/v2 v2.1.4 ab'),
                 probe(BUILDKITD, exists=False), probe('C:\\x\\buildctl.exe', exists=False)]
    result = facts(read(services=[old, absent('buildkitd')], binaries=installed))
    assert any('containerd v1.6.2 is older than 1.7.7' in w for w in result['warnings'])
    assert result['binaries']['containerd']['version'] == 'v2.1.4'


def test_path_presence_compares_raw_and_expanded_entries():
    value = '%SystemRoot%\\system32;%ProgramFiles%\\containerd;"C:\\PROGRAM FILES\\containerd\\";D:\\tools\\buildkit'
    pieces = ['C:\\Windows\\system32', 'C:\\Program Files\\containerd', '"C:\\PROGRAM FILES\\containerd\\"',
              'D:\\tools\\buildkit']
    result = facts(read(path=dict(kind='ExpandString', value=value, expanded_pieces=pieces)))['path']
    assert result['containerd'] == dict(directory='C:\\Program Files\\containerd', present=True, count=2)
    assert result['buildkit'] == dict(directory='C:\\Program Files\\buildkit', present=False, count=0)
    assert result['entries'] == ['%ProgramFiles%\\containerd', '"C:\\PROGRAM FILES\\containerd\\"',
                                 'D:\\tools\\buildkit']


def test_a_path_value_that_is_absent_or_of_another_kind_has_no_entries():
    result = facts(read(path=dict(kind='MultiString', value=None, expanded_pieces=[])))['path']
    assert result['kind'] == 'MultiString' and result['containerd']['present'] is False and result['entries'] == []


def test_pending_reboot_from_indicators_and_features():
    raw = read(features=[dict(name='Containers', state='EnablePending'), dict(name='Microsoft-Hyper-V', state=None)])
    raw['reboot']['component_based_servicing'] = True
    result = facts(raw)['reboot']
    assert result == dict(pending=True, reasons=['component_based_servicing'], features_pending=['Containers'],
                          last_boot_time='2024-01-01T04:42:55.997Z')
    assert facts()['reboot']['pending'] is False


def test_only_the_parts_asked_for_are_in_the_facts():
    result = facts(read(features=None, hns=None, binaries=None, path=None, reboot=None), parts=('services',))
    assert result['gathered'] == ['os', 'services']
    assert set(result) == {'gathered', 'os', 'supported', 'unsupported_reasons', 'base_images', 'services', 'warnings'}


def test_server_2019_warning_and_arm64():
    raw = read(os=dict(OS, build=17763, ubr=6893, caption='Microsoft Windows Server 2019 Datacenter'))
    result = facts(raw)
    assert result['warnings'] == [WS2019_WARNING] and 'moby/buildkit#5668' in WS2019_WARNING
    assert result['base_images']['nanoserver'] == ['1809']

    arm = read(os=dict(OS, machine_architecture='ARM64', process_architecture='ARM64'))
    refused = facts(arm)
    assert refused['supported'] is False and 'CNI plugin' in refused['unsupported_reasons'][0]
    assert any('CNI plugin' in w for w in refused['warnings'])
    allowed = facts(copy.deepcopy(arm), settings=Settings(allow_arm64_without_cni=True))
    assert allowed['supported'] is True and any('CNI plugin' in w for w in allowed['warnings'])


def test_architecture_is_the_machine_s_before_the_process_s():
    # An emulated x64 PowerShell on arm64 sees AMD64 in its own environment.
    assert architecture_of(dict(machine_architecture='ARM64', process_architecture='AMD64',
                                process_architew6432='')) == 'arm64'
    assert architecture_of(dict(machine_architecture='', process_architecture='x86',
                                process_architew6432='AMD64')) == 'amd64'
    assert architecture_of(dict(machine_architecture='', process_architecture='AMD64',
                                process_architew6432='')) == 'amd64'
    assert architecture_of(dict(machine_architecture='', process_architecture='', process_architew6432='')) == 'unknown'
