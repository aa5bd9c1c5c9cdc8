"""win_container_features against simulated hosts: check, enable and restart once, again; pending
features; the client Hyper-V name; a host that does not come back; bad input."""

from __future__ import annotations

import time

import pytest

from winsim.fleet import HostSpec

MODULE = 'wcow.buildkit.win_container_features'


def run(ansible, fleet, tmp_path, args, check=False, diff=True, host=None):
    outcome = ansible.module(tmp_path, fleet.inventory_path, MODULE, args, check=check, diff=diff)
    return outcome.task(host or fleet.names()[0], 'module')


def host_state(fleet, name):
    return fleet.store(name).read()


def nat_networks(state):
    return [n for n in state['hns']['networks'] if n['Name'].lower() == 'nat']


@pytest.mark.every_core
def test_bare_server_2022_check_then_enable_and_restart_once_then_again(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022'))
    bare = host_state(fleet, 'ws2022')
    assert bare['features']['Containers'] == 'Disabled' and bare['hns']['networks'] == []

    fleet.reset_counters()
    check = run(ansible, fleet, tmp_path, dict(reboot=True), check=True)
    assert check['status'] == 'ok'
    result = check['result']
    assert result['changed'] is True and result['reboot_required'] is True and result['rebooted'] is False
    assert result['features'] == {'Containers': 'Enabled'}
    assert result['diff'] == {'before': {'Containers': 'Disabled'}, 'after': {'Containers': 'Enabled'}}
    assert host_state(fleet, 'ws2022') == bare, 'check mode must not touch the host'
    assert fleet.counters('ws2022')['powershell_executions'] == 1

    fleet.reset_counters()
    applied = run(ansible, fleet, tmp_path, dict(reboot=True))
    assert applied['status'] == 'ok', applied
    # Read; enable and schedule the restart; read after the new boot. Probing
    # the host while it goes down and comes back starts no PowerShell.
    assert fleet.counters('ws2022')['powershell_executions'] == 3
    result = applied['result']
    assert result['changed'] is True and result['rebooted'] is True and result['reboot_required'] is False
    assert result['features'] == {'Containers': 'Enabled'}
    assert result['elapsed'] > 0
    state = host_state(fleet, 'ws2022')
    assert state['features']['Containers'] == 'Enabled'
    assert state['boot']['count'] == bare['boot']['count'] + 1, 'restarted exactly once'
    assert state['boot']['id'] != bare['boot']['id']
    assert state['boot']['shutdown'] is None
    assert state['boot']['last_boot_time'] != bare['boot']['last_boot_time']
    assert state['reboot_pending']['component_based_servicing'] is False
    assert len(nat_networks(state)) == 1, 'HNS is up after the restart, with the default nat network'

    fleet.reset_counters()
    again = run(ansible, fleet, tmp_path, dict(reboot=True))['result']
    assert again['changed'] is False and again['rebooted'] is False and again['reboot_required'] is False
    assert again['features'] == {'Containers': 'Enabled'} and again['elapsed'] == 0
    assert host_state(fleet, 'ws2022')['boot']['count'] == state['boot']['count'], 'no second restart'
    assert fleet.counters('ws2022')['powershell_executions'] == 1


@pytest.mark.every_core
def test_without_reboot_features_stay_pending_and_are_not_enabled_again(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019'))
    boots = host_state(fleet, 'ws2019')['boot']['count']

    first = run(ansible, fleet, tmp_path, dict(hyperv=True))['result']
    assert first['changed'] is True and first['reboot_required'] is True and first['rebooted'] is False
    assert first['features'] == {'Containers': 'EnablePending', 'Microsoft-Hyper-V': 'EnablePending'}
    state = host_state(fleet, 'ws2019')
    assert state['features'] == {'Containers': 'EnablePending', 'Microsoft-Hyper-V': 'EnablePending'}
    assert state['reboot_pending']['component_based_servicing'] is True
    assert state['boot']['count'] == boots

    fleet.reset_counters()
    pending = run(ansible, fleet, tmp_path, dict(hyperv=True))['result']
    assert pending['changed'] is False and pending['reboot_required'] is True
    assert pending['features'] == first['features']
    assert fleet.counters('ws2019')['powershell_executions'] == 1, 'EnablePending is not enabled again'

    check = run(ansible, fleet, tmp_path, dict(hyperv=True, reboot=True), check=True)['result']
    assert check['changed'] is True and check['reboot_required'] is True and check['rebooted'] is False
    assert check['features'] == {'Containers': 'Enabled', 'Microsoft-Hyper-V': 'Enabled'}
    assert host_state(fleet, 'ws2019') == state, 'check mode never restarts'

    fleet.reset_counters()
    restarted = run(ansible, fleet, tmp_path, dict(hyperv=True, reboot=True))['result']
    assert restarted['changed'] is True and restarted['rebooted'] is True and restarted['reboot_required'] is False
    assert fleet.counters('ws2019')['powershell_executions'] == 3, 'read, schedule the restart, read after it'
    assert restarted['features'] == {'Containers': 'Enabled', 'Microsoft-Hyper-V': 'Enabled'}
    state = host_state(fleet, 'ws2019')
    assert state['features'] == {'Containers': 'Enabled', 'Microsoft-Hyper-V': 'Enabled'}
    assert state['boot']['count'] == boots + 1
    assert nat_networks(state) == [], 'Server 2019 has no default nat network'


def test_windows_11_enables_the_client_hyper_v_feature_even_without_hyperv(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('win11', 'win11'))
    check = run(ansible, fleet, tmp_path, dict(), check=True)['result']
    assert check['features'] == {'Containers': 'EnablePending', 'Microsoft-Hyper-V-All': 'EnablePending'}
    assert check['diff']['before'] == {'Containers': 'Disabled', 'Microsoft-Hyper-V-All': 'Disabled'}

    # WinRM keeps answering for 3 s after the shutdown began: the module must
    # still not run PowerShell on the old boot.
    with fleet.store('win11').transaction() as state:
        state['boot']['shutdown_grace_s'] = 3.0
    fleet.reset_counters()
    result = run(ansible, fleet, tmp_path, dict(reboot=True))['result']
    assert result['rebooted'] is True
    assert result['features'] == {'Containers': 'Enabled', 'Microsoft-Hyper-V-All': 'Enabled'}
    assert fleet.counters('win11')['powershell_executions'] == 3
    state = host_state(fleet, 'win11')
    assert state['features']['Microsoft-Hyper-V-All'] == 'Enabled'
    assert state['features']['Microsoft-Hyper-V'] == 'Disabled', 'the server name is not used on a client'
    assert len(nat_networks(state)) == 1


def test_a_host_that_stays_down_longer_than_reboot_timeout_fails_clearly(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('slow', 'ws2022'))
    with fleet.store('slow').transaction() as state:
        state['features']['Containers'] = 'EnablePending'
        state['boot']['reboot_downtime_s'] = 12
    boots = host_state(fleet, 'slow')['boot']['count']

    failed = run(ansible, fleet, tmp_path, dict(reboot=True, reboot_timeout=4))
    assert failed['status'] == 'failed'
    result = failed['result']
    assert result['msg'].startswith('the host did not come back within 4 s after the restart was scheduled')
    assert result['rebooted'] is True and result['changed'] is True and result['reboot_required'] is True
    assert 4 <= result['elapsed'] < 12, 'gave up at the timeout, not when the host came back'
    down = host_state(fleet, 'slow')['boot']
    assert down['count'] == boots and down['shutdown'] is not None, 'the module stopped asking while the host was down'

    # Once the host is back, a run finds the features enabled and restarts no more.
    back = down['shutdown']['at'] + down['shutdown_grace_s'] + down['reboot_downtime_s']
    time.sleep(max(0.0, back + 0.2 - time.time()))
    again = run(ansible, fleet, tmp_path, dict(reboot=True))['result']
    assert again['changed'] is False and again['rebooted'] is False
    assert host_state(fleet, 'slow')['boot']['count'] == boots + 1


def test_a_shutdown_already_scheduled_is_replaced_with_a_warning(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022'))
    with fleet.store('ws2022').transaction() as state:
        state['features']['Containers'] = 'EnablePending'
        state['boot']['shutdown'] = {'at': time.time() + 3600, 'restart': True, 'comment': 'patching tonight'}
    boots = host_state(fleet, 'ws2022')['boot']['count']
    fleet.reset_counters()
    result = run(ansible, fleet, tmp_path, dict(reboot=True, msg='Enabling containers'))['result']
    assert fleet.counters('ws2022')['powershell_executions'] == 3
    assert result['rebooted'] is True and result['features'] == {'Containers': 'Enabled'}
    assert any('aborted and replaced' in warning for warning in result.get('warnings', []))
    state = host_state(fleet, 'ws2022')
    assert state['boot']['count'] == boots + 1 and state['boot']['shutdown'] is None


def test_a_feature_the_edition_lacks_and_a_feature_without_payload_fail(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('home', 'win11'), HostSpec('stripped', 'ws2022'))
    with fleet.store('home').transaction() as state:
        del state['features']['Containers']
    with fleet.store('stripped').transaction() as state:
        state['features']['Containers'] = 'DisabledWithPayloadRemoved'
    outcome = ansible.module(tmp_path, fleet.inventory_path, MODULE, dict(reboot=True))
    home = outcome.task('home', 'module')
    assert home['status'] == 'failed'
    assert home['result']['msg'].startswith('Feature name Containers is unknown on this host (Microsoft Windows 11')
    stripped = outcome.task('stripped', 'module')
    assert stripped['status'] == 'failed'
    assert 'container_features_enable' in stripped['result']['msg']
    assert 'The source files could not be found' in stripped['result']['msg']
    for name in ('home', 'stripped'):
        assert host_state(fleet, name)['boot']['count'] == 1, 'no restart after a failure'


def test_a_feature_disabled_by_hand_is_found_in_check_mode_and_enabled_again(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    with fleet.store('ws2022').transaction() as state:
        state['features']['Containers'] = 'Disabled'
    check = run(ansible, fleet, tmp_path, dict(), check=True)['result']
    assert check['changed'] is True and check['reboot_required'] is True
    assert host_state(fleet, 'ws2022')['features']['Containers'] == 'Disabled'
    fixed = run(ansible, fleet, tmp_path, dict())['result']
    assert fixed['changed'] is True and fixed['features'] == {'Containers': 'EnablePending'}


BAD_INPUT = [
    (dict(reboot_timeout=0), 'reboot_timeout'),
    (dict(connect_timeout=-1), 'connect_timeout'),
    (dict(post_reboot_delay=-5), 'post_reboot_delay'),
    (dict(msg=''), 'msg'),
    (dict(msg='say "restart"'), 'msg'),
    (dict(msg='x' * 513), 'msg'),
    (dict(msg='two\nlines'), 'msg'),
    (dict(reboot='perhaps'), 'reboot'),
    (dict(reboot_timeout='soon'), 'reboot_timeout'),
    (dict(hyper_v=True), 'hyper_v'),
]


@pytest.mark.every_core
def test_bad_input_fails_naming_the_option_before_touching_the_host(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022'))
    fleet.reset_counters()
    tasks = [{'name': 'bad %d' % index, MODULE: args, 'ignore_errors': True}
             for index, (args, _option) in enumerate(BAD_INPUT)]
    outcome = ansible.playbook(tmp_path, fleet.inventory_path,
                               [{'name': 'bad input', 'hosts': 'all', 'gather_facts': False, 'tasks': tasks}])
    for index, (args, option) in enumerate(BAD_INPUT):
        failed = outcome.task('ws2022', 'bad %d' % index)
        assert failed['status'] == 'failed', (args, failed)
        assert option in failed['result']['msg'], (args, failed['result']['msg'])
    assert fleet.counters('ws2022')['powershell_executions'] == 0
