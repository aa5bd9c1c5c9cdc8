"""buildkitd_service's Windows Firewall rule for a TCP listener with mutual TLS, on a simulated Server 2022:
check mode, created, unchanged; deleted or loosened by hand; port changed; TCP gone; state=absent; bad input."""

from __future__ import annotations

import pytest

from test_buildkitd_service import BUILDKITD, GROUP, HOST, executions, prepared_host, run, service
from winsim.windows import files, firewall

CERTS = 'C:\\ProgramData\\buildkitd\\certs'
TLS = dict(tlscert=CERTS + '\\server.pem', tlskey=CERTS + '\\server-key.pem', tlscacert=CERTS + '\\client-ca.pem')
RULE = 'wcow.buildkit.buildkitd.tcp'


def tcp_args(port=1234, **more):
    return dict(groups=[GROUP], extra_args=['--addr', 'npipe:////./pipe/buildkitd', '--addr', 'tcp://0.0.0.0:%d' % port],
                **TLS, **more)


def host_rules(fleet):
    return firewall.get_rules(fleet.store(HOST).read(), 'wcow.buildkit.*')


def tls_host(start_fleet):
    fleet = prepared_host(start_fleet)
    with fleet.store(HOST).transaction() as state:
        files.ensure_dir(state, CERTS)
        for path in TLS.values():
            files.write_bytes(state, path, b'-----BEGIN CERTIFICATE-----\n')
    return fleet


@pytest.mark.every_core
def test_a_tcp_listener_gets_its_rule_check_mode_first_then_unchanged(ansible, start_fleet, tmp_path):
    fleet = tls_host(start_fleet)
    args = tcp_args(firewall_remote_addresses=['10.20.0.0/16', '192.0.2.7'])

    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changed'] is True
    assert 'create the firewall rule %s (TCP port 1234)' % RULE in check['changes']
    assert check['firewall_rule']['local_ports'] == ['1234']
    assert any(d['after_header'] == 'firewall rule %s' % RULE and 'local_ports' in d['after'] for d in check['diff'])
    assert host_rules(fleet) == []

    fleet.reset_counters()
    applied = run(ansible, fleet, tmp_path, args)['result']
    assert applied['changed'] is True and 'firewall rule created' in applied['actions']
    assert executions(fleet) == 3, 'read, config, service and rule'
    rule, = host_rules(fleet)
    assert (rule['name'], rule['direction'], rule['action'], rule['protocol'], rule['enabled']) == \
        (RULE, 'Inbound', 'Allow', 'TCP', 'True')
    assert (rule['local_ports'], rule['program'], rule['group']) == (['1234'], BUILDKITD, 'wcow.buildkit')
    assert rule['remote_addresses'] == ['10.20.0.0/255.255.0.0', '192.0.2.7']
    assert service(fleet)['State'] == 'Running'

    again = run(ansible, fleet, tmp_path, args)['result']
    assert again['changed'] is False and again['changes'] == []
    assert again['firewall_rule']['remote_addresses'] == ['10.20.0.0/255.255.0.0', '192.0.2.7']


def test_a_rule_deleted_or_changed_by_hand_is_drift_and_created_again(ansible, start_fleet, tmp_path):
    fleet = tls_host(start_fleet)
    args = tcp_args()
    run(ansible, fleet, tmp_path, args)
    pid = service(fleet)['ProcessId']

    with fleet.store(HOST).transaction() as state:
        firewall.remove_rules(state, {firewall.ADMINISTRATORS}, RULE)
    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changed'] is True and check['changes'] == ['create the firewall rule %s (TCP port 1234)' % RULE]
    assert host_rules(fleet) == []
    fixed = run(ansible, fleet, tmp_path, args)['result']
    assert fixed['actions'] == ['firewall rule created'] and len(host_rules(fleet)) == 1
    assert service(fleet)['ProcessId'] == pid, 'the service is not restarted for its rule'

    # Opened to every program and disabled by hand; a rule of the same display name by someone else stays.
    with fleet.store(HOST).transaction() as state:
        firewall.set_by_hand(state, RULE, program='Any', enabled='False')
        firewall.new_rule(state, {firewall.ADMINISTRATORS}, 'someone-else', firewall.get_rules(state, RULE)[0]['display_name'], '',
                          '', 'True', 'Inbound', 'Allow', 'Any', 'TCP', ['8080'], [], 'Any')
    check = run(ansible, fleet, tmp_path, args, check=True)['result']
    assert check['changes'] == ['create the firewall rule %s again (its enabled, program differ)' % RULE]
    run(ansible, fleet, tmp_path, args)
    rule, = host_rules(fleet)
    assert (rule['program'], rule['enabled']) == (BUILDKITD, 'True')
    assert firewall.get_rules(fleet.store(HOST).read(), 'someone-else'), 'not the module\'s'
    assert run(ansible, fleet, tmp_path, args)['result']['changed'] is False


def test_a_new_port_updates_the_rule_and_no_tcp_removes_it(ansible, start_fleet, tmp_path):
    fleet = tls_host(start_fleet)
    run(ansible, fleet, tmp_path, tcp_args())
    moved = run(ansible, fleet, tmp_path, tcp_args(port=4321))['result']
    assert 'create the firewall rule %s again (its local ports differ)' % RULE in moved['changes']
    assert [r['local_ports'] for r in host_rules(fleet)] == [['4321']]
    assert run(ansible, fleet, tmp_path, tcp_args(port=4321))['result']['changed'] is False

    pipe_only = dict(groups=[GROUP])
    check = run(ansible, fleet, tmp_path, pipe_only, check=True)['result']
    assert 'remove the firewall rule %s' % RULE in check['changes'] and len(host_rules(fleet)) == 1
    removed = run(ansible, fleet, tmp_path, pipe_only)['result']
    assert 'firewall rule removed' in removed['actions'] and removed['firewall_rule'] == {'exists': False}
    assert host_rules(fleet) == []
    assert run(ansible, fleet, tmp_path, pipe_only)['result']['changed'] is False


def test_firewall_false_removes_the_rule_and_state_absent_removes_it_with_the_service(ansible, start_fleet, tmp_path):
    fleet = tls_host(start_fleet)
    run(ansible, fleet, tmp_path, tcp_args())
    off = run(ansible, fleet, tmp_path, tcp_args(firewall=False))['result']
    assert off['changes'] == ['remove the firewall rule %s' % RULE] and host_rules(fleet) == []
    run(ansible, fleet, tmp_path, tcp_args())
    assert len(host_rules(fleet)) == 1

    check = run(ansible, fleet, tmp_path, dict(state='absent'), check=True)['result']
    assert check['changes'] == ['delete the service', 'remove the firewall rule %s' % RULE]
    assert len(host_rules(fleet)) == 1 and service(fleet) is not None
    absent = run(ansible, fleet, tmp_path, dict(state='absent'))['result']
    assert absent['changed'] is True and service(fleet) is None and host_rules(fleet) == []
    assert absent['actions'][-1] == 'firewall rule removed'
    assert run(ansible, fleet, tmp_path, dict(state='absent'))['result']['changed'] is False


def test_a_rule_left_by_a_service_deleted_by_hand_goes_at_state_absent(ansible, start_fleet, tmp_path):
    fleet = tls_host(start_fleet)
    run(ansible, fleet, tmp_path, tcp_args())
    run(ansible, fleet, tmp_path, dict(state='absent'))
    with fleet.store(HOST).transaction() as state:
        firewall.new_rule(state, {firewall.ADMINISTRATORS}, RULE, 'left', '', 'wcow.buildkit', 'True', 'Inbound',
                          'Allow', 'Any', 'TCP', ['1234'], [], BUILDKITD)
    absent = run(ansible, fleet, tmp_path, dict(state='absent'))['result']
    assert absent['changes'] == ['remove the firewall rule %s' % RULE] and host_rules(fleet) == []


@pytest.mark.parametrize('args, option', [
    (tcp_args(firewall_remote_addresses=['10.20.0.1/16']), 'firewall_remote_addresses[0]'),
    (tcp_args(firewall_remote_addresses=['any', '10.0.0.0/8']), 'firewall_remote_addresses[0]'),
    (dict(tcp_args(), extra_args=['--addr', 'tcp://0.0.0.0']), 'extra_args'),
    # Port 0 is a port the system picks: no rule can be scoped to it.
    (dict(tcp_args(), extra_args=['--addr', 'tcp://0.0.0.0:0']), 'extra_args'),
])
def test_bad_input_is_refused_before_the_host_is_touched(ansible, start_fleet, tmp_path, args, option):
    fleet = tls_host(start_fleet)
    before = fleet.store(HOST).read()
    fleet.reset_counters()
    outcome = run(ansible, fleet, tmp_path, args)
    assert outcome['status'] == 'failed'
    assert outcome['result']['msg'].startswith('Invalid option %s: ' % option), outcome['result']['msg']
    assert executions(fleet) == 0 and fleet.store(HOST).read() == before
