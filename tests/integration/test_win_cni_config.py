"""win_cni_config against simulated hosts: check, apply, again; drift (onto a read-only file too); reboots; backups;
bad input."""

from __future__ import annotations

import base64
import json

import pytest

from winsim.fleet import HostSpec
from winsim.windows import accounts, boot, files, pipes

MODULE = 'wcow.buildkit.win_cni_config'
CONF = 'C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf'
CONF_DIR = 'C:\\Program Files\\containerd\\cni\\conf'


def run(ansible, fleet, tmp_path, args, check=False, diff=True):
    return ansible.module(tmp_path, fleet.inventory_path, MODULE, args, check=check, diff=diff)


def result_of(ansible, fleet, tmp_path, host, args, check=False):
    outcome = run(ansible, fleet, tmp_path, args, check=check).task(host, 'module')
    assert outcome['status'] == 'ok', outcome
    return outcome['result']


def conf_bytes(fleet, host, path=CONF):
    record = files.lookup(fleet.store(host).read(), path)
    return None if record is None else base64.b64decode(record['content_b64'])


def conf(fleet, host):
    return json.loads(conf_bytes(fleet, host))


def conf_dir_entries(fleet, host):
    state = fleet.store(host).read()
    return sorted(files.children(state, CONF_DIR)) if files.is_dir(state, CONF_DIR) else []


def write_conf(fleet, host, data):
    with fleet.store(host).transaction() as state:
        files.ensure_dir(state, CONF_DIR)
        files.write_bytes(state, CONF, data)


def live_nat(fleet, host):
    network, = [n for n in fleet.store(host).read()['hns']['networks'] if n['Name'].lower() == 'nat']
    subnet = network['Subnets'][0]
    return subnet['AddressPrefix'], subnet['GatewayAddress']


def expected(subnet, gateway):
    return {
        'cniVersion': '1.0.0',
        'name': 'nat',
        'type': 'nat',
        'capabilities': {'portMappings': True, 'dns': True},
        'ipam': {'subnet': subnet, 'routes': [{'dst': '0.0.0.0/0', 'gw': gateway}]},
    }


@pytest.mark.every_core
def test_server_2022_follows_the_live_default_nat(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    subnet, gateway = live_nat(fleet, 'ws2022')

    check = result_of(ansible, fleet, tmp_path, 'ws2022', {}, check=True)
    assert check['changed'] is True
    assert check['diff'][0]['before'] == '' and json.loads(check['diff'][0]['after']) == expected(subnet, gateway)
    assert (check['subnet'], check['gateway']) == (subnet, gateway)
    assert conf_bytes(fleet, 'ws2022') is None, 'check mode must not touch the host'
    assert conf_dir_entries(fleet, 'ws2022') == []

    fleet.reset_counters()
    applied = result_of(ansible, fleet, tmp_path, 'ws2022', {})
    assert applied['changed'] is True and applied['backup_file'] is None
    assert applied['path'] == CONF
    assert fleet.counters('ws2022')['powershell_executions'] == 2, 'one read, one write'
    assert conf(fleet, 'ws2022') == expected(subnet, gateway) == applied['config']
    assert conf_bytes(fleet, 'ws2022') == applied['content'].encode('utf-8')
    assert not conf_bytes(fleet, 'ws2022').startswith(b'\xef\xbb\xbf'), 'no byte order mark'
    assert conf_dir_entries(fleet, 'ws2022') == [CONF], 'no staged file is left behind'

    fleet.reset_counters()
    again = ansible.module(tmp_path, fleet.inventory_path, MODULE, {}).task('ws2022', 'module')['result']
    assert again['changed'] is False and 'diff' not in again
    assert fleet.counters('ws2022')['powershell_executions'] == 1
    assert (again['config'], again['content'], again['subnet']) == (None, None, subnet), 'contents only on request'
    verbose = ansible.module(tmp_path, fleet.inventory_path, MODULE, {}, extra_args=['-vv']).task('ws2022', 'module')
    assert verbose['result']['content'] == applied['content'], 'shown at -vv'


@pytest.mark.every_core
def test_server_2019_creates_nat_then_renders_an_explicit_subnet(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019', containers=True))
    network = dict(name='nat', subnet='172.20.0.0/16', gateway='172.20.0.1', adapter_name='Ethernet')
    cni = dict(subnet='172.20.0.0/16', gateway='172.20.0.1', dns_nameservers=['10.0.0.10'])
    plays = [{'name': 'cni', 'hosts': 'all', 'gather_facts': False, 'tasks': [
        {'name': 'network', 'wcow.buildkit.win_hns_network': network},
        {'name': 'config', MODULE: cni},
    ]}]

    check = ansible.playbook(tmp_path, fleet.inventory_path, plays, check=True, diff=True)
    assert check.rc == 0, check.output
    config = check.task('ws2019', 'config')['result']
    assert config['changed'] is True and not config.get('warnings')
    assert conf_bytes(fleet, 'ws2019') is None
    assert fleet.store('ws2019').read()['hns']['networks'] == []

    applied = ansible.playbook(tmp_path, fleet.inventory_path, plays)
    assert applied.rc == 0, applied.output
    assert applied.changed_hosts == ['ws2019']
    assert live_nat(fleet, 'ws2019') == ('172.20.0.0/16', '172.20.0.1')
    wanted = expected('172.20.0.0/16', '172.20.0.1')
    wanted['dns'] = {'nameservers': ['10.0.0.10']}
    assert conf(fleet, 'ws2019') == wanted

    again = ansible.playbook(tmp_path, fleet.inventory_path, plays)
    assert again.rc == 0 and again.changed_hosts == [], again.output


def test_whitespace_reformatting_is_not_drift(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    result_of(ansible, fleet, tmp_path, 'ws2022', {})
    reformatted = json.dumps(conf(fleet, 'ws2022'), indent='\t').replace('\n', '\r\n').encode() + b'\r\n\r\n'
    write_conf(fleet, 'ws2022', reformatted)

    assert result_of(ansible, fleet, tmp_path, 'ws2022', {}, check=True)['changed'] is False
    assert result_of(ansible, fleet, tmp_path, 'ws2022', {})['changed'] is False
    assert conf_bytes(fleet, 'ws2022') == reformatted, 'the file is left as it is'


@pytest.mark.every_core
def test_guide_style_gateway_key_is_drift_and_corrected(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019', containers=True))
    args = dict(subnet='172.20.0.0/16', gateway='172.20.0.1')
    result_of(ansible, fleet, tmp_path, 'ws2019', args)
    edited = conf(fleet, 'ws2019')
    edited['ipam']['routes'] = [{'gateway': '172.20.0.1'}]
    edited['master'] = 'Ethernet'
    hand_written = json.dumps(edited, indent=4).encode()
    write_conf(fleet, 'ws2019', hand_written)
    # A hardened host marks its config files read-only: File.Replace refuses such a destination.
    with fleet.store('ws2019').transaction() as state:
        files.lookup(state, CONF)['readonly'] = True

    check = result_of(ansible, fleet, tmp_path, 'ws2019', args, check=True)
    assert check['changed'] is True
    assert '"gateway"' in check['diff'][0]['before'] and '"gw"' in check['diff'][0]['after']
    assert conf_bytes(fleet, 'ws2019') == hand_written

    fixed = result_of(ansible, fleet, tmp_path, 'ws2019', args)
    assert fixed['changed'] is True
    assert conf(fleet, 'ws2019') == expected('172.20.0.0/16', '172.20.0.1')
    assert files.lookup(fleet.store('ws2019').read(), CONF)['readonly'] is True, 'it stays read-only'
    assert conf_dir_entries(fleet, 'ws2019') == [CONF], 'no staged file left'
    assert result_of(ansible, fleet, tmp_path, 'ws2019', args)['changed'] is False


@pytest.mark.parametrize('data', [b'{"cniVersion": "1.0.0", "name": "nat"', b'\xef\xbb\xbf{}', b''])
def test_unparsable_file_is_drift(ansible, start_fleet, tmp_path, data):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    write_conf(fleet, 'ws2022', data)
    assert result_of(ansible, fleet, tmp_path, 'ws2022', {}, check=True)['changed'] is True
    assert conf_bytes(fleet, 'ws2022') == data
    assert result_of(ansible, fleet, tmp_path, 'ws2022', {})['changed'] is True
    assert conf(fleet, 'ws2022') == expected(*live_nat(fleet, 'ws2022'))


@pytest.mark.every_core
def test_subnet_changed_by_a_reboot_is_rendered_again_and_only_then(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    before = live_nat(fleet, 'ws2022')
    result_of(ansible, fleet, tmp_path, 'ws2022', {})
    assert result_of(ansible, fleet, tmp_path, 'ws2022', {})['changed'] is False, 'no change without a reboot'

    with fleet.store('ws2022').transaction() as state:
        boot.reboot(state)
    after = live_nat(fleet, 'ws2022')
    assert after != before
    assert conf(fleet, 'ws2022') == expected(*before), 'a reboot does not touch the file'

    check = result_of(ansible, fleet, tmp_path, 'ws2022', {}, check=True)
    assert check['changed'] is True and check['subnet'] == after[0]
    assert conf(fleet, 'ws2022') == expected(*before)

    applied = result_of(ansible, fleet, tmp_path, 'ws2022', {})
    assert applied['changed'] is True and (applied['subnet'], applied['gateway']) == after
    assert conf(fleet, 'ws2022') == expected(*after)
    assert result_of(ansible, fleet, tmp_path, 'ws2022', {})['changed'] is False


def test_a_reboot_that_keeps_the_subnet_changes_nothing(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True, nat_subnet_changes_at_reboot=False))
    result_of(ansible, fleet, tmp_path, 'ws2022', {})
    written = conf_bytes(fleet, 'ws2022')
    with fleet.store('ws2022').transaction() as state:
        boot.reboot(state)
    assert result_of(ansible, fleet, tmp_path, 'ws2022', {})['changed'] is False
    assert conf_bytes(fleet, 'ws2022') == written


@pytest.mark.every_core
def test_backup_keeps_the_replaced_file(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019', containers=True))
    first = dict(subnet='172.20.0.0/16', backup=True)
    created = result_of(ansible, fleet, tmp_path, 'ws2019', first)
    assert created['backup_file'] is None, 'nothing to back up yet'
    old = conf_bytes(fleet, 'ws2019')

    changed = result_of(ansible, fleet, tmp_path, 'ws2019', dict(first, dns_search=['corp.example']))
    backup = changed['backup_file']
    assert backup and backup.startswith(CONF + '.') and backup.endswith('.bak')
    assert conf_bytes(fleet, 'ws2019', backup) == old
    assert conf(fleet, 'ws2019')['dns'] == {'search': ['corp.example']}
    assert conf_dir_entries(fleet, 'ws2019') == sorted([CONF, backup])

    again = result_of(ansible, fleet, tmp_path, 'ws2019', dict(first, dns_search=['corp.example']))
    assert again['changed'] is False and again['backup_file'] is None
    assert conf_dir_entries(fleet, 'ws2019') == sorted([CONF, backup])


@pytest.mark.every_core
def test_user_template_from_the_templates_directory(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    (tmp_path / 'templates').mkdir()
    (tmp_path / 'templates' / 'my-nat.conf.j2').write_text(
        '{"cniVersion": {{ cni_version | to_json }}, "name": {{ network_name | to_json }}, "type": "nat",\n'
        ' "ipam": {"subnet": "{{ subnet }}", "routes": {{ routes | to_json }}},\n'
        ' "optionalFlags": {"localRoutedPortMapping": true}}\n')
    args = dict(template='my-nat.conf.j2', cni_version='0.4.0')
    subnet, gateway = live_nat(fleet, 'ws2022')

    check = result_of(ansible, fleet, tmp_path, 'ws2022', args, check=True)
    assert check['changed'] is True and conf_bytes(fleet, 'ws2022') is None
    applied = result_of(ansible, fleet, tmp_path, 'ws2022', args)
    assert applied['changed'] is True
    assert conf(fleet, 'ws2022') == {
        'cniVersion': '0.4.0', 'name': 'nat', 'type': 'nat',
        'ipam': {'subnet': subnet, 'routes': [{'dst': '0.0.0.0/0', 'gw': gateway}]},
        'optionalFlags': {'localRoutedPortMapping': True},
    }
    assert result_of(ansible, fleet, tmp_path, 'ws2022', args)['changed'] is False


def test_user_template_with_the_guide_route_key_warns(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019', containers=True))
    template = tmp_path / 'guide.j2'
    template.write_text('{"cniVersion": "1.0.0", "name": "nat", "type": "nat", '
                        '"ipam": {"subnet": "{{ subnet }}", "routes": [{"gateway": "{{ gateway }}"}]}}')
    result = result_of(ansible, fleet, tmp_path, 'ws2019', dict(template=str(template), subnet='172.20.0.0/16'))
    assert any('"gateway"' in warning and 'gw' in warning for warning in result.get('warnings', []))


def test_explicit_subnet_other_than_the_live_network_warns(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    result = result_of(ansible, fleet, tmp_path, 'ws2022', dict(subnet='10.123.0.0/24'))
    assert result['changed'] is True
    assert any('live HNS network' in warning for warning in result.get('warnings', []))
    assert conf(fleet, 'ws2022')['ipam']['subnet'] == '10.123.0.0/24'


@pytest.mark.every_core
def test_missing_network_warns_in_check_mode_and_fails_in_a_real_run(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019', containers=True), HostSpec('bare', 'ws2019'))
    check = run(ansible, fleet, tmp_path, {}, check=True)
    for host, words in (('ws2019', 'no HNS network is named'), ('bare', 'enable the Containers feature')):
        result = check.task(host, 'module')['result']
        assert result['changed'] is True and result['config'] is None
        assert any(words in warning for warning in result.get('warnings', [])), result
    failed = run(ansible, fleet, tmp_path, {})
    for host, words in (('ws2019', 'win_hns_network'), ('bare', 'enable the Containers feature')):
        outcome = failed.task(host, 'module')
        assert outcome['status'] == 'failed' and words in outcome['result']['msg']
        assert conf_bytes(fleet, host) is None


def test_live_network_with_an_unusable_subnet_fails_before_writing(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    with fleet.store('ws2022').transaction() as state:
        state['hns']['networks'][0]['Subnets'][0]['GatewayAddress'] = '192.168.77.1'
    fleet.reset_counters()
    outcome = run(ansible, fleet, tmp_path, {}).task('ws2022', 'module')
    assert outcome['status'] == 'failed'
    assert 'gateway' in outcome['result']['msg'] and 'live HNS network' in outcome['result']['msg']
    assert fleet.counters('ws2022')['powershell_executions'] == 1, 'read only'
    assert conf_bytes(fleet, 'ws2022') is None


def test_write_failure_leaves_the_old_file(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    write_conf(fleet, 'ws2022', b'{"old": true}')
    with fleet.store('ws2022').transaction() as state:
        files.lookup(state, CONF)['in_use'] = True
    outcome = run(ansible, fleet, tmp_path, {}).task('ws2022', 'module')
    assert outcome['status'] == 'failed' and 'file_write' in outcome['result']['msg']
    assert conf_bytes(fleet, 'ws2022') == b'{"old": true}'
    assert conf_dir_entries(fleet, 'ws2022') == [CONF]
    with fleet.store('ws2022').transaction() as state:
        files.lookup(state, CONF)['in_use'] = False
    assert result_of(ansible, fleet, tmp_path, 'ws2022', {})['changed'] is True


BAD_INPUT = [
    (dict(subnet='172.20.0.0/33'), 'subnet'),
    (dict(subnet='172.20.0.1/16'), 'subnet'),
    (dict(subnet='fd00::/64'), 'subnet'),
    (dict(subnet='172.20.0.0/16', gateway='172.21.0.1'), 'gateway'),
    (dict(gateway='172.20.0.1'), 'gateway'),
    (dict(cni_version='0.3.1'), 'cni_version'),
    (dict(subnet='172.20.0.0/16', routes=[dict(dst='10.0.0.0/8', gw='10.0.0.1')]), 'routes[0].gw'),
    (dict(subnet='172.20.0.0/16', routes=[]), 'routes'),
    (dict(extra=dict(ipam={})), 'extra'),
    (dict(dns_nameservers=['not-an-ip']), 'dns_nameservers'),
    (dict(path='relative\\0-containerd-nat.conf'), 'path'),
    (dict(template='no-such-template.j2'), 'template'),
]


@pytest.mark.every_core
def test_bad_input_fails_naming_the_option_before_touching_the_host(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    fleet.reset_counters()
    ansible.rejected(tmp_path, fleet.inventory_path, MODULE, BAD_INPUT, 'ws2022')
    assert fleet.counters('ws2022')['powershell_executions'] == 0


@pytest.mark.parametrize('source', ['{"name": {{ network_name }}}', '{"a": 1, "a": 2}', '{{ undefined_variable }}'])
def test_user_template_that_renders_no_json_object_fails_naming_template(ansible, start_fleet, tmp_path, source):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    template = tmp_path / 'bad.j2'
    template.write_text(source)
    fleet.reset_counters()
    failed = run(ansible, fleet, tmp_path, dict(template=str(template), subnet='172.20.0.0/16')).task('ws2022', 'module')
    assert failed['status'] == 'failed' and 'template' in failed['result']['msg']
    assert fleet.counters('ws2022')['powershell_executions'] == 0


def test_a_user_cannot_add_a_cni_config_after_the_module_ran_and_a_loosened_dacl_is_drift(
        ansible, start_fleet, tmp_path):
    """containerd and buildkitd (SYSTEM) read the first config of the folder: the folder and the file are
    writable by SYSTEM and Administrators alone (docs/windows-facts.md#protected-dacls)."""
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    with fleet.store('ws2022').transaction() as state:
        bob = accounts.create_user(state, 'bob')
        token = pipes.token_sids(state, bob)
    first = result_of(ansible, fleet, tmp_path, 'ws2022', {})
    assert first['changes'] == ['write the config', 'create %s, protected' % CONF_DIR], first['changes']
    assert result_of(ansible, fleet, tmp_path, 'ws2022', {})['changed'] is False

    # Loosened by hand: Users may modify the folder, and bob adds a config that sorts first.
    with fleet.store('ws2022').transaction() as state:
        state['files'][CONF_DIR]['sddl'] += '(A;OICI;0x1301bf;;;BU)'
        files.write_as(state, CONF_DIR + '\\00-planted.conf', b'{}', bob.sid, token)
    check = result_of(ansible, fleet, tmp_path, 'ws2022', {}, check=True)
    assert check['changed'] is True and check['config_changed'] is False
    assert check['changes'] == ['protect %s (BUILTIN\\Users may write)' % CONF_DIR], check['changes']
    permissions, = check['diff']
    assert permissions['before_header'] == 'permissions' and '0x1301bf;;;BU)' in permissions['before']
    assert permissions['after'] == '%s: O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)\n' % CONF_DIR
    assert '0x1301bf;;;BU)' in fleet.store('ws2022').read()['files'][CONF_DIR]['sddl'], 'check mode changes nothing'

    before = conf_bytes(fleet, 'ws2022')
    fixed = result_of(ansible, fleet, tmp_path, 'ws2022', {})
    assert fixed['changed'] is True and fixed['backup_file'] is None
    assert conf_bytes(fleet, 'ws2022') == before, 'the same bytes'
    with fleet.store('ws2022').transaction() as state:
        for path in (CONF, CONF_DIR + '\\01-other.conf'):
            with pytest.raises(files.WindowsIOError):
                files.write_as(state, path, b'{}', bob.sid, token)
    assert result_of(ansible, fleet, tmp_path, 'ws2022', {})['changed'] is False
