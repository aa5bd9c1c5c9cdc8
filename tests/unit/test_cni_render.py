"""Checks, rendering and comparison of the NAT CNI config (plugin_utils/_daemons/cni_config.py)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons import cni_config


def variables(**overrides):
    arguments = dict(network_name='nat', cni_version='1.0.0', subnet='172.20.0.0/16')
    arguments.update(overrides)
    return cni_config.template_variables(**arguments)


def test_built_in_template_renders_the_documented_config():
    text = cni_config.render(variables(gateway='172.20.0.1'))
    assert json.loads(text) == {
        'cniVersion': '1.0.0',
        'name': 'nat',
        'type': 'nat',
        'capabilities': {'portMappings': True, 'dns': True},
        'ipam': {'subnet': '172.20.0.0/16', 'routes': [{'dst': '0.0.0.0/0', 'gw': '172.20.0.1'}]},
    }
    assert text.endswith('}\n') and '"gateway"' not in text and 'master' not in text


def test_gateway_defaults_to_the_first_host_and_dns_and_extra_are_written():
    config = json.loads(cni_config.render(variables(subnet='10.8.0.0/24', dns_nameservers=['10.0.0.10'],
                                                    dns_search=['corp.example'], extra={'optionalFlags': {'x': True}})))
    assert config['ipam']['routes'] == [{'dst': '0.0.0.0/0', 'gw': '10.8.0.1'}]
    assert config['dns'] == {'nameservers': ['10.0.0.10'], 'search': ['corp.example']}
    assert config['optionalFlags'] == {'x': True}


@pytest.mark.parametrize('overrides, option', [
    (dict(subnet='172.20.0.0/33'), 'subnet'),
    (dict(subnet='172.20.0.1/16'), 'subnet'),
    (dict(subnet='not-a-cidr'), 'subnet'),
    (dict(subnet='fd00::/64'), 'subnet'),
    (dict(subnet='172.20.0.0/31'), 'subnet'),
    (dict(gateway='172.21.0.1'), 'gateway'),
    (dict(gateway='172.20.0.0'), 'gateway'),
    (dict(gateway='172.20.255.255'), 'gateway'),
    (dict(cni_version='0.3.1'), 'cni_version'),
    (dict(network_name=' nat'), 'network_name'),
    (dict(network_name=''), 'network_name'),
    (dict(routes=[]), 'routes'),
    (dict(routes=[{'dst': '0.0.0.0/0', 'gw': '172.20.0.1'}, {'dst': '10.0.0.0/8', 'gw': '10.0.0.1'}]), 'routes[1].gw'),
    (dict(routes=[{'dst': '0.0.0.0/0', 'gw': '172.20.0.9'}]), 'routes[0].gw'),
    (dict(routes=[{'dst': '10.0.0.1/8', 'gw': None}]), 'routes[0].dst'),
    (dict(routes=[{'dst': '::/0', 'gw': None}]), 'routes[0].dst'),
    (dict(routes=[{'gateway': '172.20.0.1'}]), 'routes[0]'),
    (dict(dns_nameservers=['dns.example']), 'dns_nameservers[0]'),
    (dict(dns_search=['a b']), 'dns_search[0]'),
    (dict(dns_search=['']), 'dns_search[0]'),
    (dict(dns_search=[' corp.example']), 'dns_search[0]'),
    (dict(extra={'ipam': {}}), 'extra'),
    (dict(extra={'x': float('nan')}), 'extra'),
])
def test_bad_values_name_the_option(overrides, option):
    with pytest.raises(InvalidArgument) as raised:
        variables(**overrides)
    assert str(raised.value).startswith(option + ':')


def test_user_template_gets_the_same_variables_and_filters():
    source = '{"name": {{ network_name | to_json }}, "ipam": {"subnet": "{{ subnet }}", "gw": "{{ gateway }}"}}'
    assert json.loads(cni_config.render(variables(), source)) == {
        'name': 'nat', 'ipam': {'subnet': '172.20.0.0/16', 'gw': '172.20.0.1'}}


@pytest.mark.parametrize('source, message', [
    ('{"name": {{ network_name }}}', 'not valid JSON'),
    ('{"a": 1, "a": 2}', 'appears twice'),
    ('[1, 2]', 'not an object'),
    ('{"a": NaN}', 'not valid JSON'),
])
def test_user_template_output_must_be_a_json_object(source, message):
    text = cni_config.render(variables(), source)
    with pytest.raises(InvalidArgument, match=message) as raised:
        cni_config.parse_config(text, 'template')
    assert str(raised.value).startswith('template:')


@pytest.mark.parametrize('source', ['{{ nope }}', '{% if %}', '{{ subnet.__class__.__mro__ }}{{ "".__class__.mro() }}'])
def test_broken_user_templates_name_the_option(source):
    with pytest.raises(InvalidArgument) as raised:
        cni_config.render(variables(), source)
    assert str(raised.value).startswith('template:')


def test_comparison_ignores_formatting_but_not_values():
    wanted = cni_config.parse_config(cni_config.render(variables()))
    pretty = json.dumps(wanted, indent=8).replace('\n', '\r\n').encode()
    assert cni_config.same_config(cni_config.existing_config(pretty), wanted)
    flipped = json.loads(pretty)
    flipped['capabilities']['dns'] = 1
    assert not cni_config.same_config(cni_config.existing_config(json.dumps(flipped).encode()), wanted)


@pytest.mark.parametrize('data', [None, b'', b'{', b'\xef\xbb\xbf{}', b'\xff{}', b'[]', b'{"a": 1, "a": 1}'])
def test_unreadable_existing_files_are_drift(data):
    assert cni_config.existing_config(data) is None
    assert not cni_config.same_config(cni_config.existing_config(data), {})


def test_guide_style_routes_are_reported():
    config = {'ipam': {'routes': [{'gateway': '172.20.0.1'}, {'gw': '172.20.0.1', 'gateway': 'x'}]}}
    assert cni_config.ignored_route_keys(config) == [0]
    assert cni_config.ignored_route_keys({'ipam': 'x'}) == []


def test_to_nice_json_sorts_escapes_and_indents_by_two():
    assert cni_config.to_nice_json({'b': 1, 'a': '\u00e9'}) == '{\n  "a": "\\u00e9",\n  "b": 1\n}'


def test_a_search_domain_that_is_not_text_names_the_option():
    with pytest.raises(InvalidArgument, match=r'^dns_search\[1\]:'):
        variables(dns_search=['corp.example', 5])


def test_a_first_route_through_another_gateway_is_named_in_the_message():
    with pytest.raises(InvalidArgument) as raised:
        variables(routes=[{'dst': '0.0.0.0/0', 'gw': '172.20.0.9'}, {'dst': '10.1.0.0/16', 'gw': '172.20.0.1'}])
    assert '172.20.0.9 differs from the gateway 172.20.0.1' in str(raised.value)


def test_key_order_is_no_difference():
    assert cni_config.same_config({'a': 1, 'b': {'c': 2, 'd': 3}}, {'b': {'d': 3, 'c': 2}, 'a': 1})
    assert not cni_config.same_config({'a': 1}, {'a': True})


def test_to_json_sorts_keys_and_neither_filter_writes_nan():
    assert cni_config.to_json({'b': 1, 'a': '\u00e9'}) == '{"a": "\\u00e9", "b": 1}'
    for to_text in (cni_config.to_json, cni_config.to_nice_json):
        with pytest.raises(ValueError):
            to_text({'x': float('nan')})


@pytest.mark.parametrize('key', [5, ''])
def test_extra_keys_must_be_non_empty_text(key):
    with pytest.raises(InvalidArgument, match='^extra: keys must be non-empty strings'):
        variables(extra={key: 'x'})
