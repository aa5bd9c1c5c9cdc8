"""win_hns_network against simulated hosts: check, apply, again; drift; bad input."""

from __future__ import annotations

import pytest

from winsim.fleet import HostSpec

MODULE = 'wcow.buildkit.win_hns_network'


def networks(fleet, host, name=None):
    found = fleet.store(host).read()['hns']['networks']
    return [n for n in found if name is None or n['Name'].lower() == name.lower()]


def run(ansible, fleet, tmp_path, args, check=False, diff=True, hosts='all'):
    return ansible.module(tmp_path, fleet.inventory_path, MODULE, args, check=check, diff=diff, hosts=hosts)


@pytest.mark.every_core
def test_create_on_server_2019_check_apply_again(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019', containers=True))
    args = dict(name='nat', subnet='172.20.0.0/16', gateway='172.20.0.1', adapter_name='Ethernet')
    assert networks(fleet, 'ws2019', 'nat') == []

    check = run(ansible, fleet, tmp_path, args, check=True).task('ws2019', 'module')
    assert check['status'] == 'ok' and check['result']['changed'] is True
    assert check['result']['diff']['before'] == {'state': 'absent'}
    assert check['result']['diff']['after']['subnets'] == [{'address_prefix': '172.20.0.0/16', 'gateway_address': '172.20.0.1'}]
    assert networks(fleet, 'ws2019', 'nat') == [], 'check mode must not touch the host'

    applied = run(ansible, fleet, tmp_path, args).task('ws2019', 'module')
    assert applied['status'] == 'ok' and applied['result']['changed'] is True
    live, = networks(fleet, 'ws2019', 'nat')
    assert live['Type'].lower() == 'nat'
    assert live['Subnets'][0]['AddressPrefix'] == '172.20.0.0/16'
    assert live['Subnets'][0]['GatewayAddress'] == '172.20.0.1'
    assert applied['result']['id'] == live['ID']
    assert applied['result']['subnets'] == [{'address_prefix': '172.20.0.0/16', 'gateway_address': '172.20.0.1'}]

    again = run(ansible, fleet, tmp_path, args)
    assert again.task('ws2019', 'module')['result']['changed'] is False
    assert networks(fleet, 'ws2019', 'nat') == [live]


def test_default_nat_on_server_2022_is_left_alone(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    before, = networks(fleet, 'ws2022', 'nat')
    result = run(ansible, fleet, tmp_path, dict(name='NAT')).task('ws2022', 'module')['result']
    assert result['changed'] is False
    assert result['id'] == before['ID']
    assert result['subnets'][0]['address_prefix'] == before['Subnets'][0]['AddressPrefix']
    assert networks(fleet, 'ws2022', 'nat') == [before]


def test_subnet_only_for_creation_leaves_an_existing_network_alone(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True), HostSpec('ws2019', 'ws2019', containers=True))
    before, = networks(fleet, 'ws2022', 'nat')
    args = dict(name='nat', subnet='10.123.0.0/24', enforce_subnet=False)
    outcome = run(ansible, fleet, tmp_path, args)
    assert outcome.task('ws2022', 'module')['result']['changed'] is False
    assert networks(fleet, 'ws2022', 'nat') == [before]
    assert outcome.task('ws2019', 'module')['result']['changed'] is True
    assert networks(fleet, 'ws2019', 'nat')[0]['Subnets'][0]['AddressPrefix'] == '10.123.0.0/24'


def test_present_then_absent_with_check_mode(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    run(ansible, fleet, tmp_path, dict(name='buildnet', subnet='10.99.0.0/24'))
    assert len(networks(fleet, 'ws2022', 'buildnet')) == 1

    absent = dict(name='buildnet', state='absent')
    check = run(ansible, fleet, tmp_path, absent, check=True).task('ws2022', 'module')['result']
    assert check['changed'] is True and check['diff']['after'] == {'state': 'absent'}
    assert len(networks(fleet, 'ws2022', 'buildnet')) == 1

    assert run(ansible, fleet, tmp_path, absent).task('ws2022', 'module')['result']['changed'] is True
    assert networks(fleet, 'ws2022', 'buildnet') == []
    assert len(networks(fleet, 'ws2022', 'nat')) == 1, 'other networks are kept'
    assert run(ansible, fleet, tmp_path, absent).task('ws2022', 'module')['result']['changed'] is False


@pytest.mark.every_core
def test_network_deleted_by_hand_is_found_in_check_mode_and_restored(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019', containers=True))
    args = dict(name='nat', subnet='172.21.0.0/16')
    run(ansible, fleet, tmp_path, args)
    with fleet.store('ws2019').transaction() as state:
        state['hns']['networks'] = [n for n in state['hns']['networks'] if n['Name'] != 'nat']

    check = run(ansible, fleet, tmp_path, args, check=True).task('ws2019', 'module')['result']
    assert check['changed'] is True
    assert networks(fleet, 'ws2019', 'nat') == []

    assert run(ansible, fleet, tmp_path, args).task('ws2019', 'module')['result']['changed'] is True
    live, = networks(fleet, 'ws2019', 'nat')
    assert live['Subnets'][0]['GatewayAddress'] == '172.21.0.1', 'gateway defaults to the first host'
    assert run(ansible, fleet, tmp_path, args).task('ws2019', 'module')['result']['changed'] is False


def test_differing_network_is_not_replaced_unless_asked(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    before, = networks(fleet, 'ws2022', 'nat')
    args = dict(name='nat', subnet='10.123.0.0/24')
    refused = run(ansible, fleet, tmp_path, args).task('ws2022', 'module')
    assert refused['status'] == 'failed'
    assert 'recreate=true' in refused['result']['msg'] and 'subnet' in refused['result']['msg']
    assert networks(fleet, 'ws2022', 'nat') == [before]

    replaced = run(ansible, fleet, tmp_path, dict(args, recreate=True)).task('ws2022', 'module')['result']
    assert replaced['changed'] is True
    live, = networks(fleet, 'ws2022', 'nat')
    assert live['ID'] != before['ID'] and live['Subnets'][0]['AddressPrefix'] == '10.123.0.0/24'
    again = run(ansible, fleet, tmp_path, dict(args, recreate=True)).task('ws2022', 'module')['result']
    assert again['changed'] is False


@pytest.mark.every_core
def test_without_hns_check_mode_warns_and_a_real_run_fails(ansible, start_fleet, tmp_path):
    # 'stopped' has the Containers feature but its Host Network Service is stopped: HNSCall returns
    # 0x80070426 and no response (docs/windows-facts.md#hns-api), which is "HNS is not available", not a
    # ConvertFrom-Json binding error.
    fleet = start_fleet(HostSpec('bare', 'ws2019'), HostSpec('stopped', 'ws2022', containers=True))
    with fleet.store('stopped').transaction() as state:
        state['hns']['service_running'] = False
    args = dict(name='nat', subnet='172.20.0.0/16')
    checked = run(ansible, fleet, tmp_path, args, check=True)
    check = checked.task('bare', 'module')['result']
    assert check['changed'] is True
    assert any('Containers' in warning for warning in check.get('warnings', []))
    assert any('0x80070426' in warning for warning in checked.task('stopped', 'module')['result'].get('warnings', []))
    ran = run(ansible, fleet, tmp_path, args)
    failed = ran.task('bare', 'module')
    assert failed['status'] == 'failed' and 'enable the Containers feature' in failed['result']['msg']
    stopped = ran.task('stopped', 'module')
    assert stopped['status'] == 'failed', stopped
    assert 'The service has not been started. (Exception from HRESULT: 0x80070426)' in stopped['result']['msg']


def test_unknown_adapter_fails_with_the_hns_message(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019', containers=True))
    failed = run(ansible, fleet, tmp_path, dict(name='nat', subnet='172.20.0.0/16', adapter_name='NoSuchNic'))
    failed = failed.task('ws2019', 'module')
    assert failed['status'] == 'failed'
    assert 'hns_network_apply' in failed['result']['msg'] and 'An adapter was not found' in failed['result']['msg']
    assert networks(fleet, 'ws2019', 'nat') == []


BAD_INPUT = [
    (dict(name=''), 'name'),
    (dict(name='nat', type='bogus'), 'type'),
    (dict(name='nat', subnet='172.20.0.0/33'), 'subnet'),
    (dict(name='nat', subnet='172.20.0.1/16'), 'subnet'),
    (dict(name='nat', subnet='172.20.0.0/16', gateway='172.21.0.1'), 'gateway'),
    (dict(name='nat', gateway='172.20.0.1'), 'gateway'),
    (dict(name='nat', state='absent', only_if_created='perhaps'), 'only_if_created'),
]


@pytest.mark.every_core
def test_bad_input_fails_naming_the_option_before_touching_the_host(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019', containers=True))
    fleet.reset_counters()
    ansible.rejected(tmp_path, fleet.inventory_path, MODULE, BAD_INPUT, 'ws2019')
    assert fleet.counters('ws2019')['powershell_executions'] == 0


@pytest.mark.every_core
def test_wrong_password_is_unreachable_with_a_clear_message(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    outcome = ansible.module(tmp_path, fleet.inventory_path, MODULE, dict(name='nat'),
                             extra_args=['-e', 'ansible_password=wrong-password'])
    assert outcome.rc == 4
    result = outcome.task('ws2022', 'module')
    assert result['status'] == 'unreachable'
    assert 'credentials were rejected' in result['result']['msg']
