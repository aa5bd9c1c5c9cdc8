"""The firewall rule of buildkitd's TCP listeners: ports, remote addresses as Windows reports them, the plan."""

from __future__ import annotations

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons import buildkitd_firewall as fw

BINARY = 'C:\\Program Files\\buildkit\\buildkitd.exe'


def found(**changes):
    rule = dict(fw.wanted_rule('buildkitd', BINARY, (1234,), ('Any',)), exists=True, enabled=True)
    rule.pop('present')
    rule.update(changes)
    return rule


def test_ports_of_tcp_addresses_sorted_once():
    assert fw.local_ports([('extra_args', 'tcp://0.0.0.0:1234'), ('grpc_addresses', 'tcp://[::]:80'),
                           ('extra_args', 'TCP://host.example:1234/')]) == (80, 1234)


@pytest.mark.parametrize('address', ['tcp://0.0.0.0', 'tcp://0.0.0.0:0', 'tcp://0.0.0.0:65536', 'tcp://a:b:1'])
def test_an_address_without_a_usable_port_names_its_option(address):
    with pytest.raises(InvalidArgument) as raised:
        fw.local_ports([('grpc_addresses', address)])
    assert raised.value.option == 'grpc_addresses'


def test_remote_addresses_in_the_form_windows_reports():
    assert fw.remote_addresses([]) == ('Any',)
    assert fw.remote_addresses(['10.20.0.0/16', '192.0.2.7', '192.0.2.8/32', 'fd00::/8', '10.20.0.0/16']) == \
        ('10.20.0.0/255.255.0.0', '192.0.2.7', '192.0.2.8', 'fd00::/8')


@pytest.mark.parametrize('value', ['10.20.0.1/16', 'any', 'LocalSubnet', '', 'host.example'])
def test_a_bad_remote_address_is_refused_by_index(value):
    with pytest.raises(InvalidArgument) as raised:
        fw.remote_addresses(['10.0.0.0/8', value])
    assert raised.value.option == 'firewall_remote_addresses[1]'


def test_rule_names_hold_no_wildcard_or_bar():
    assert fw.rule_name('buildkitd') == 'wcow.buildkit.buildkitd.tcp'
    assert fw.rule_name('b[1]*?|') == 'wcow.buildkit.b_1____.tcp'


def test_plan_creates_keeps_recreates_and_removes():
    wanted = fw.wanted_rule('buildkitd', BINARY, (1234,), ('Any',))
    missing = dict(name=wanted['name'], exists=False)
    assert fw.plan(wanted, missing) == (wanted, ['create the firewall rule wcow.buildkit.buildkitd.tcp (TCP port 1234)'])
    assert fw.plan(wanted, found()) == (None, [])
    # Windows reports the program as given; case and slashes do not count.
    assert fw.plan(wanted, found(program=BINARY.upper().replace('\\', '/'))) == (None, [])
    params, changes = fw.plan(wanted, found(local_ports=['1234', '80'], enabled=False))
    assert params == wanted
    assert changes == ['create the firewall rule wcow.buildkit.buildkitd.tcp again (its enabled, local ports differ)']
    assert fw.plan(None, found()) == ({'name': wanted['name'], 'present': False},
                                      ['remove the firewall rule wcow.buildkit.buildkitd.tcp'])
    assert fw.plan(None, missing) == (None, [])


def test_view_and_diff():
    assert fw.view(None) == {'exists': False} and fw.view({'exists': False, 'name': 'x'}) == {'exists': False}
    shown = fw.view(found())
    assert shown['exists'] is True and shown['local_ports'] == ['1234']
    entry = fw.diff('r', {'exists': False}, shown)
    assert entry['before'] == '' and 'local_ports: [\'1234\']\n' in entry['after']
