"""win_hns_network records the networks it creates; state=absent deletes only those (only_if_created)."""

from __future__ import annotations

from winsim.fleet import HostSpec
from winsim.windows import hns

MODULE = 'wcow.buildkit.win_hns_network'
MARKER_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\wcow.buildkit\\HnsNetworks'
PRESENT = dict(name='nat', subnet='172.20.0.0/16', enforce_subnet=False)
ABSENT = dict(name='nat', state='absent')


def nat(fleet, host):
    return [n for n in fleet.store(host).read()['hns']['networks'] if n['Name'].lower() == 'nat']


def record(fleet, host):
    return fleet.store(host).read().get('registry_keys', {}).get(MARKER_KEY)


def run(ansible, fleet, tmp_path, args, check=False):
    return ansible.module(tmp_path, fleet.inventory_path, MODULE, args, check=check, diff=True)


def test_only_the_network_it_created_is_removed(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019', containers=True), HostSpec('ws2022', 'ws2022', containers=True))
    default_nat = nat(fleet, 'ws2022')

    present = run(ansible, fleet, tmp_path, PRESENT)
    created, = nat(fleet, 'ws2019')
    assert present.task('ws2019', 'module')['result']['created_by_collection'] is True
    assert record(fleet, 'ws2019') == {'nat': {'type': 'REG_SZ', 'data': created['ID']}}
    kept = present.task('ws2022', 'module')['result']
    assert kept['changed'] is False and kept['created_by_collection'] is False
    assert record(fleet, 'ws2022') is None

    check = run(ansible, fleet, tmp_path, ABSENT, check=True)
    removing = check.task('ws2019', 'module')['result']
    assert removing['changed'] is True
    assert removing['diff']['before']['created_by_collection'] is True
    assert removing['diff']['after'] == {'state': 'absent'}
    assert nat(fleet, 'ws2019') == [created] and record(fleet, 'ws2019') is not None, 'check mode changes nothing'
    keeping = check.task('ws2022', 'module')['result']
    assert keeping['changed'] is False and 'did not create it' in keeping['msg']

    fleet.reset_counters()
    removed = run(ansible, fleet, tmp_path, ABSENT)
    assert removed.task('ws2019', 'module')['result']['changed'] is True
    assert nat(fleet, 'ws2019') == [] and record(fleet, 'ws2019') is None
    assert 'registry_keys' not in fleet.store('ws2019').read() or not any(
        'wcow.buildkit' in key for key in fleet.store('ws2019').read()['registry_keys']), 'no empty keys left'
    assert removed.task('ws2022', 'module')['result']['id'] == default_nat[0]['ID']
    assert nat(fleet, 'ws2022') == default_nat
    assert fleet.counters('ws2019')['powershell_executions'] == 2
    assert fleet.counters('ws2022')['powershell_executions'] == 1

    again = run(ansible, fleet, tmp_path, ABSENT)
    assert again.changed_hosts == []


def test_a_network_windows_built_again_is_not_taken_for_the_one_it_created(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    mine = run(ansible, fleet, tmp_path, dict(name='nat', subnet='10.123.0.0/24', recreate=True))
    ours = mine.task('ws2022', 'module')['result']['id']
    assert record(fleet, 'ws2022') == {'nat': {'type': 'REG_SZ', 'data': ours}}
    with fleet.store('ws2022').transaction() as state:
        # By hand: the network is gone, and HNS builds its default nat at the next boot with a new id.
        state['hns']['networks'] = [n for n in state['hns']['networks'] if n['ID'] != ours]
        hns.on_boot(state)
    rebuilt, = nat(fleet, 'ws2022')
    assert rebuilt['ID'] != ours

    present = run(ansible, fleet, tmp_path, PRESENT).task('ws2022', 'module')['result']
    assert present['changed'] is False and present['created_by_collection'] is False

    check = run(ansible, fleet, tmp_path, ABSENT, check=True).task('ws2022', 'module')['result']
    assert check['changed'] is True, 'the stale record is to be cleared'
    assert check['diff']['before']['recorded_id'] == ours and 'recorded_id' not in check['diff']['after']
    assert record(fleet, 'ws2022') is not None

    cleared = run(ansible, fleet, tmp_path, ABSENT).task('ws2022', 'module')['result']
    assert cleared['changed'] is True and 'did not create it' in cleared['msg']
    assert nat(fleet, 'ws2022') == [rebuilt] and record(fleet, 'ws2022') is None
    assert run(ansible, fleet, tmp_path, ABSENT).changed_hosts == []

    forced = run(ansible, fleet, tmp_path, dict(ABSENT, only_if_created=False)).task('ws2022', 'module')['result']
    assert forced['changed'] is True and nat(fleet, 'ws2022') == []
