"""The operations that only read the host: what they answer on any host, and on a fresh one.

Values that belong to the host (its name, build, boot time, what PATH holds) are masked in the
transcripts (`<host>`, `<volatile>`): the cases assert their shape and what the contract says of them.
"""

import datetime
import re

import pytest

from contract.transcript import HOST, VOLATILE

# Present on every Windows Server and Windows 11 host; the cases use an English one's name for it.
ADMINISTRATORS_SID = 'S-1-5-32-544'
AUTHENTICATED_USERS_SID = 'S-1-5-11'


def _iso_time(text):
    return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))


@pytest.mark.operation('boot_time_read')
def test_boot_time_is_an_iso_8601_time_in_the_past(contract):
    result = contract.call('boot_time_read', {}, masks={'last_boot_time': VOLATILE})
    boot = _iso_time(result['last_boot_time'])
    assert boot.tzinfo is not None, 'with its offset, so the controller compares boots across time zones'
    assert boot < datetime.datetime.now(datetime.timezone.utc)


@pytest.mark.operation('container_features_read')
def test_features_are_answered_in_the_order_asked_with_the_os(contract):
    names = ['Containers', 'Microsoft-Hyper-V', 'Wcowct-No-Such-Feature']
    result = contract.call('container_features_read', {'names': names},
                           masks={'features.*.state': HOST, 'os': HOST, 'reboot_pending': HOST,
                                  'last_boot_time': VOLATILE})
    assert [feature['name'] for feature in result['features']] == names
    assert result['features'][2]['state'] is None, 'a feature the host does not know has no state'
    assert result['os']['build'] >= 17763 and result['os']['product_type'] in (1, 2, 3)
    _iso_time(result['last_boot_time'])


@pytest.mark.operation('hns_network_read')
def test_a_network_name_nothing_has_reads_as_no_networks(contract):
    name = contract.name('network')
    result = contract.call('hns_network_read', {'name': name}, masks={'hns_available': HOST, 'reason': HOST})
    assert result['networks'] == [] and result['created_id'] is None


@pytest.mark.operation('local_group_read')
def test_the_administrators_group_and_well_known_members(contract):
    result = contract.call('local_group_read', {'name': 'administrators', 'members': [AUTHENTICATED_USERS_SID]},
                           masks={'computer_name': HOST, 'group.members': HOST, 'group.description': HOST,
                                  'requested.*.name': HOST})
    assert result['group']['sid'] == ADMINISTRATORS_SID
    assert result['group']['name'] == 'Administrators', 'found without case, answered as Windows spells it'
    requested, = result['requested']
    assert requested['sid'] == AUTHENTICATED_USERS_SID and requested['source'] == 'well_known'
    assert result['name_taken_by_user'] is False


@pytest.mark.operation('local_group_read')
def test_a_missing_group_reads_as_none(contract):
    result = contract.call('local_group_read', {'name': contract.name('group'), 'members': []},
                           masks={'computer_name': HOST})
    assert result['group'] is None and result['requested'] == []


@pytest.mark.operation('path_entry_read')
def test_the_machine_path_is_read_unexpanded(contract):
    result = contract.call('path_entry_read', {'scope': 'machine', 'path': '%SystemRoot%\\wcowct'},
                           masks={'value': HOST, 'expanded_pieces': HOST})
    assert result['kind'] in ('ExpandString', 'String')
    assert re.match(r'^[A-Z]:\\Windows\\wcowct$', result['path_expanded'], re.IGNORECASE)
    assert len(result['expanded_pieces']) == len(result['value'].split(';'))
    assert not any('%' in piece for piece in result['expanded_pieces'] if '%SystemRoot%' in result['value'])


@pytest.mark.operation('path_entry_read')
def test_an_unknown_scope_is_refused(contract):
    error = contract.fail('path_entry_read', {'scope': 'process', 'path': 'C:\\x'})
    assert 'Unknown scope process; expected machine or user.' in error


@pytest.mark.operation('service_read')
def test_what_is_missing_is_reported_missing(contract):
    missing = contract.path('missing')
    result = contract.call('service_read', {'names': [contract.name('service')],
                                            'probe_versions': [missing + '.exe'],
                                            'read_files': [missing + '.toml'], 'measure_paths': [missing]})
    service, = result['services']
    assert service['exists'] is False
    assert result['binaries'] == [{'path': missing + '.exe', 'exists': False, 'exit_code': None,
                                   'stdout': '', 'stderr': '', 'error': ''}]
    assert result['files'] == [{'path': missing + '.toml', 'exists': False, 'content_b64': None}]
    assert result['measured'] == [{'path': missing, 'type': 'missing', 'files': 0, 'dirs': 0, 'bytes': 0, 'unreadable': 0}]


@pytest.mark.operation('wcow_facts_read')
def test_the_os_facts_and_the_directories_expanded(contract):
    result = contract.call('wcow_facts_read', {'gather': [], 'features': [], 'services': [], 'probe_versions': [],
                                               'directories': ['%ProgramData%\\containerd']},
                           masks={'os': HOST})
    assert result['os']['build'] >= 17763
    assert re.match(r'^[A-Z]:\\ProgramData\\containerd$', result['directories'][0]['expanded'], re.IGNORECASE)
    assert all(result[part] is None for part in ('features', 'hns', 'services', 'binaries', 'path', 'reboot')), \
        'only what gather names is read'


@pytest.mark.operation('cni_config_read')
def test_a_missing_config_file(contract):
    path = contract.path('cni', 'conf', '0-containerd-nat.conf')
    result = contract.call('cni_config_read', {'path': path, 'network_name': contract.name('network')},
                           masks={'hns_available': HOST, 'reason': HOST})
    assert result['path'] == path and result['exists'] is False and result['content_b64'] is None
    assert result['networks'] == [] and result['security'] == []


@pytest.mark.operation('cni_config_read')
def test_the_owner_and_dacl_of_the_config_and_its_folder(contract):
    folder = contract.path('cni', 'conf')
    path = contract.path('cni', 'conf', '0-containerd-nat.conf')
    contract.call('file_write', {'path': path, 'content': '{}', 'content_encoding': 'text', 'backup': False,
                                 'protect': {'users_read': False, 'folders': [folder]}})
    result = contract.call('cni_config_read', {'path': path, 'network_name': contract.name('network'),
                                               'acl_paths': [folder, path, contract.path('cni', 'missing')]},
                           masks={'hns_available': HOST, 'reason': HOST})
    assert result['exists'] is True
    assert [(entry['exists'], entry['directory'], entry['sddl']) for entry in result['security']] == [
        (True, True, 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)'), (True, False, 'O:BAD:P(A;;FA;;;BA)(A;;FA;;;SY)'),
        (False, False, None)]


@pytest.mark.operation('release_archive_read')
def test_nothing_installed(contract):
    dest = contract.path('pkg')
    result = contract.call('release_archive_read', {'dest': dest + '\\', 'name': 'pkg', 'paths': ['bin/pkg.exe'],
                                                    'checksum': None,
                                                    'web': {'proxy': None, 'username': None, 'password': None}})
    assert result == {'dest': dest, 'dest_exists': False, 'dest_link': False, 'manifest_path': dest + '\\.wcow-pkg.manifest.json',
                      'manifest_text': None, 'files': [{'path': 'bin/pkg.exe', 'sha256': None}],
                      'previous_dir': dest + '\\.wcow-pkg.previous', 'previous_dir_exists': False,
                      'previous_manifest_text': None, 'previous_files': [], 'checksum_text': None,
                      'security': [{'path': dest, 'exists': False, 'directory': False, 'sddl': None}]}


@pytest.mark.operation('release_archive_read')
def test_a_provenance_the_host_cannot_reach_fails_naming_it(contract):
    """win_release_archive's checksum=provenance: the host fetches the provenance beside the archive in this read,
    and the controller recognises the failure by the URL it names. `.invalid` never resolves (RFC 6761), so the
    message is the same on every host that reaches the internet without a machine proxy."""
    url = 'https://releases.wcow-contract.invalid/v0.23.2/buildkit-v0.23.2.windows-amd64.provenance.json'
    error = contract.fail('release_archive_read', {'dest': contract.path('pkg'), 'name': 'pkg', 'paths': [],
                                                   'checksum': {'url': url, 'shown': url},
                                                   'web': {'proxy': None, 'username': None, 'password': None}})
    assert 'Downloading %s failed: ' % url in error
    assert "The remote name could not be resolved: 'releases.wcow-contract.invalid'" in error


@pytest.mark.operation('buildctl_build_read')
def test_buildctl_missing(contract):
    result = contract.call('buildctl_build_read', {'buildctl_path': contract.path('buildctl.exe')},
                           masks={'build': HOST, 'ubr': HOST})
    assert result['buildctl_exists'] is False and result['build'] >= 17763 and result['ubr'] >= 0


@pytest.mark.operation('buildctl_debug_info')
def test_buildctl_missing_is_reported_not_run(contract):
    path = contract.path('buildctl.exe')
    result = contract.call('buildctl_debug_info', {'buildctl_path': path, 'addr': 'npipe:////./pipe/buildkitd',
                                                   'as_user': None}, masks={'user': HOST})
    assert result['ran'] is False and result['exit_code'] is None
    assert path in result['error']


@pytest.mark.operation('batch_read')
def test_a_batch_answers_each_read_as_alone_and_a_failing_read_in_its_place(contract):
    from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.runner import batch_stream
    machine = {'scope': 'machine', 'path': '%SystemRoot%\\wcowct'}
    stream = batch_stream([('bad', 'path_entry_read', {'scope': 'system', 'path': 'C:\\x'}),
                           ('machine', 'path_entry_read', machine)])
    result = contract.call('batch_read', {}, stream=stream, masks={'results.machine.result.value': HOST,
                                                                   'results.machine.result.expanded_pieces': HOST})
    assert set(result['results']) == {'bad', 'machine'}
    assert result['results']['bad']['wcow_error']['message'] == 'Unknown scope system; expected machine or user.'
    alone = contract.call('path_entry_read', machine, masks={'value': HOST, 'expanded_pieces': HOST})
    assert result['results']['machine']['result'] == alone, 'the failing read before it changed nothing'
