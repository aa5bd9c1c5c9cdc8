"""Operations that change the host outside files: PATH, local groups, HNS networks, services, Defender exclusions.

Each case works with throw-away names (`contract.name()`) and puts back what it changed, through
the collection's own operations; the backend removes what a failed case left.
"""

import pytest

from contract.transcript import HOST, VOLATILE

AUTHENTICATED_USERS = {'sid': 'S-1-5-11', 'name': 'NT AUTHORITY\\Authenticated Users'}
# A documentation-only prefix no real network uses (RFC 5737 TEST-NET-3), so creating it disturbs nothing.
TEST_SUBNET = {'AddressPrefix': '203.0.113.0/24', 'GatewayAddress': '203.0.113.1'}


def read_path(contract, scope='user'):
    return contract.call('path_entry_read', {'scope': scope, 'path': contract.path('bin')},
                         masks={'value': HOST, 'expanded_pieces': HOST})


def write_path(contract, value, read, scope='user'):
    return contract.call('path_entry_write', {'scope': scope, 'value': value, 'expected_kind': read['kind'],
                                              'expected_value': read['value']},
                         masks={'path_value': HOST})


@pytest.mark.operation('path_entry_write')
def test_the_user_path_is_written_as_reg_expand_sz_and_put_back(contract):
    before = read_path(contract)
    if before['kind'] == 'None':
        pytest.skip('the user has no Path value, and path_entry_write cannot remove the one it would leave')
    contract.volatile(before['value'], 'user-path')
    added = ';'.join(filter(None, [before['value'], '%SystemDrive%\\wcowct-bin']))
    result = write_path(contract, added, before)
    assert result == {'path_value': added, 'kind': 'ExpandString', 'broadcast': True}
    after = read_path(contract)
    assert (after['kind'], after['value']) == ('ExpandString', added)
    assert after['expanded_pieces'][-1].lower().endswith(':\\wcowct-bin'), 'each piece expanded'
    write_path(contract, before['value'], after)
    restored = read_path(contract)
    assert restored['value'] == before['value']


@pytest.mark.operation('path_entry_write')
def test_a_path_changed_since_it_was_read_is_not_written(contract):
    before = read_path(contract)
    if before['value']:
        contract.volatile(before['value'], 'user-path')
    error = contract.fail('path_entry_write', {'scope': 'user', 'value': 'C:\\lost', 'expected_kind': 'String',
                                               'expected_value': 'not what the host holds'})
    assert 'The user PATH changed after it was read (another process wrote it); nothing was written' in error
    assert read_path(contract) == before


@pytest.mark.operation('local_group_apply')
def test_a_group_is_created_filled_emptied_and_deleted(contract):
    name = contract.name('group')
    masks = {'group.sid': VOLATILE, 'group.members.*.name': HOST}
    created = contract.call('local_group_apply', {'name': name, 'create': True, 'delete': False,
                                                  'description': 'wcow.buildkit contract', 'add': [AUTHENTICATED_USERS],
                                                  'remove': []}, masks=masks)
    group = created['group']
    assert (group['name'], group['description']) == (name, 'wcow.buildkit contract')
    assert group['sid'].startswith('S-1-5-21-')
    assert [(m['sid'], m['source']) for m in group['members']] == [('S-1-5-11', 'well_known')]
    read = contract.call('local_group_read', {'name': name, 'members': []}, masks=dict(masks, computer_name=HOST))
    assert read['group'] == group
    emptied = contract.call('local_group_apply', {'name': name, 'create': False, 'delete': False, 'description': None,
                                                  'add': [], 'remove': [AUTHENTICATED_USERS]}, masks=masks)
    assert emptied['group']['members'] == [] and emptied['group']['description'] == 'wcow.buildkit contract'
    deleted = contract.call('local_group_apply', {'name': name, 'create': False, 'delete': True, 'description': None,
                                                  'add': [], 'remove': []})
    assert deleted == {'group': None}
    assert contract.call('local_group_read', {'name': name, 'members': []},
                         masks={'computer_name': HOST})['group'] is None


@pytest.mark.operation('local_group_apply')
def test_refusals_name_the_group_and_member(contract):
    name = contract.name('group')
    params = {'name': name, 'create': False, 'delete': True, 'description': None, 'add': [], 'remove': []}
    assert 'Group %s was not found.' % name in contract.fail('local_group_apply', params)
    contract.call('local_group_apply', dict(params, delete=False, create=True), masks={'group.sid': VOLATILE})
    assert 'Group %s already exists.' % name in contract.fail('local_group_apply', dict(params, delete=False,
                                                                                        create=True))
    error = contract.fail('local_group_apply', dict(params, delete=False, remove=[AUTHENTICATED_USERS]))
    assert 'Member %s was not found in group %s.' % (AUTHENTICATED_USERS['name'], name) in error
    contract.call('local_group_apply', params)


@pytest.mark.operation('hns_network_apply')
def test_a_test_nat_network_is_created_recorded_and_deleted(contract):
    name = contract.name('network')
    read = contract.call('hns_network_read', {'name': name}, masks={'hns_available': HOST, 'reason': HOST})
    if not read['hns_available']:
        pytest.skip('HNS is not available on this host: enable Containers and restart')
    body = {'Name': name, 'Type': 'nat', 'Subnets': [TEST_SUBNET]}
    created = contract.call('hns_network_apply', {'delete_ids': [], 'create': body, 'record_marker': name,
                                                  'clear_marker': None},
                            masks={'created.network_adapter_name': HOST})['created']
    network_id = contract.volatile(created['id'], 'network-id')
    assert (created['name'], created['type'].lower()) == (name, 'nat')
    assert created['subnets'] == [{'address_prefix': '203.0.113.0/24', 'gateway_address': '203.0.113.1'}]
    found = contract.call('hns_network_read', {'name': name.upper()},
                          masks={'networks.*.network_adapter_name': HOST, 'hns_available': HOST})
    assert [n['id'] for n in found['networks']] == [network_id] and found['created_id'] == network_id
    deleted = contract.call('hns_network_apply', {'delete_ids': [network_id], 'create': None, 'record_marker': None,
                                                  'clear_marker': name})
    assert deleted == {'deleted': [network_id], 'created': None}
    gone = contract.call('hns_network_read', {'name': name}, masks={'hns_available': HOST})
    assert gone['networks'] == [] and gone['created_id'] is None


def service_params(name, **changes):
    params = dict(name=name, create=None, image_path=None, start_type=None, dependencies=None, display_name=None,
                  description=None, recovery=None, delete=False, state=None, stop_dependents=False, timeout_s=60,
                  log_file=None, environment=None, firewall_rule=None)
    params.update(changes)
    return params


@pytest.mark.operation('service_apply')
def test_a_service_is_registered_configured_and_deleted_without_starting(contract):
    name = contract.name('service')
    binary = contract.path('bin', 'wcowct daemon.exe')
    applied = contract.call('service_apply', service_params(
        name, create={'binary': binary, 'arguments': ['--run-service', '--address', '\\\\.\\pipe\\wcowct 1'],
                      'register_with': 'sc', 'display_name': 'wcow.buildkit contract'},
        start_type='manual', description='throw-away service of the contract suite', state='stopped',
        recovery={'reset_period_s': 86400, 'actions': [{'type': 'restart', 'delay_ms': 60000}]}))
    service = applied['service']
    assert service['image_path'] == '"%s" --run-service --address "\\\\.\\pipe\\wcowct 1"' % binary
    assert (service['start_mode'], service['state'], service['display_name']) == \
        ('Manual', 'Stopped', 'wcow.buildkit contract')
    assert service['object_name'] == 'LocalSystem' and service['exists'] is True
    read, = contract.call('service_read', {'names': [name], 'probe_versions': []})['services']
    assert read == service
    assert service['environment'] == []
    proxied = contract.call('service_apply', service_params(
        name, environment=['HTTPS_PROXY=http://proxy.invalid:3128', 'NO_PROXY=localhost,127.0.0.1']))
    assert proxied['service']['environment'] == ['HTTPS_PROXY=http://proxy.invalid:3128', 'NO_PROXY=localhost,127.0.0.1']
    assert proxied['actions'] == ['environment set']
    cleared = contract.call('service_apply', service_params(name, environment=[]))
    assert cleared['service']['environment'] == []
    deleted = contract.call('service_apply', service_params(name, delete=True))
    assert deleted['service']['exists'] is False and 'deleted' in deleted['actions']
    assert contract.call('service_read', {'names': [name], 'probe_versions': []})['services'][0]['exists'] is False


@pytest.mark.operation('service_apply')
def test_a_firewall_rule_is_created_read_back_and_removed(contract):
    name = contract.name('service')
    rule_name = 'wcow.buildkit.%s.tcp' % name
    program = contract.path('bin', 'wcowct daemon.exe')
    rule = dict(name=rule_name, present=True, display_name='wcow.buildkit contract', description='throw-away rule',
                group='wcow.buildkit', enabled=True, direction='Inbound', action='Allow', profile='Any',
                protocol='TCP', local_ports=['47123'], remote_addresses=['192.0.2.0/24'], program=program)
    # No service of the name: the deletion changes nothing, and the rule is created.
    created = contract.call('service_apply', service_params(name, delete=True, firewall_rule=rule))
    assert created['actions'] == ['firewall rule created'] and created['service']['exists'] is False
    found, = contract.call('service_read', {'names': [], 'probe_versions': [],
                                            'firewall_rules': [rule_name]})['firewall_rules']
    assert (found['exists'], found['enabled'], found['protocol'], found['local_ports']) == (True, True, 'TCP', ['47123'])
    assert (found['group'], found['program']) == ('wcow.buildkit', program)
    assert found['remote_addresses'] == ['192.0.2.0/255.255.255.0']
    removed = contract.call('service_apply', service_params(name, delete=True,
                                                            firewall_rule={'name': rule_name, 'present': False}))
    assert removed['actions'] == ['firewall rule removed']
    gone, = contract.call('service_read', {'names': [], 'probe_versions': [],
                                           'firewall_rules': [rule_name]})['firewall_rules']
    assert gone['exists'] is False


@pytest.mark.operation('service_apply')
def test_a_missing_service_without_registration_fails(contract):
    name = contract.name('service')
    error = contract.fail('service_apply', service_params(name, state='started'))
    assert "Service '%s' does not exist and no registration was given." % name in error


def read_defender(contract):
    """defender_exclusion_read, the host's own exclusions masked; the case is skipped where Defender cannot be asked."""
    read = contract.call('defender_exclusion_read', {}, masks={'processes': HOST, 'paths': HOST})
    if read['reason'] is not None or read['hidden']:
        pytest.skip('Microsoft Defender Antivirus cannot be asked on this host: %s' % (read['reason'] or 'hidden'))
    return read


@pytest.mark.operation('defender_exclusion_read')
def test_defender_answers_to_an_administrator(contract):
    read = read_defender(contract)
    assert read['administrator'] is True and read['service'] == 'Running' and read['error'] is None


@pytest.mark.operation('defender_exclusion_apply')
def test_an_exclusion_is_added_read_back_and_removed_leaving_the_others(contract):
    before = read_defender(contract)
    process, folder = contract.path('bin', 'wcowct.exe'), contract.path('data')
    contract.leftovers.defender_exclusions.extend([process, folder])
    masks = {'processes': HOST, 'paths': HOST}
    empty = {'add_processes': [], 'add_paths': [], 'remove_processes': [], 'remove_paths': []}
    added = contract.call('defender_exclusion_apply', dict(empty, add_processes=[process], add_paths=[folder]),
                          masks=masks)
    assert added['hidden'] is False and process in added['processes'] and folder in added['paths']
    assert [p for p in added['paths'] if p != folder] == before['paths']
    # Removing another spelling of the same folder removes it.
    removed = contract.call('defender_exclusion_apply', dict(empty, remove_processes=[process],
                                                             remove_paths=[folder.upper()]), masks=masks)
    assert (removed['processes'], removed['paths']) == (before['processes'], before['paths'])
