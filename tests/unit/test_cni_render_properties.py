"""Property tests of the NAT CNI config rendering (plugin_utils/_daemons/cni_config.py)."""

from __future__ import annotations

import ipaddress
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons import cni_config


@st.composite
def subnets_and_gateways(draw):
    """An IPv4 subnet /8 to /30 and a usable host address inside it."""
    prefix = draw(st.integers(min_value=8, max_value=30))
    address = draw(st.integers(min_value=0, max_value=2 ** 32 - 1))
    subnet = ipaddress.IPv4Network((address, prefix), strict=False)
    offset = draw(st.integers(min_value=1, max_value=subnet.num_addresses - 2))
    return subnet, subnet.network_address + offset


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                         st.text())
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(), inner, max_size=3), max_leaves=8)
extra_fields = st.dictionaries(st.text(min_size=1).filter(lambda key: key not in cni_config.MANAGED_KEYS), json_values,
                               max_size=4)
domains = st.from_regex(r'\A[a-z0-9](?:[a-z0-9-]{0,10}\.)*[a-z]{2,6}\Z')


@st.composite
def inputs(draw):
    subnet, gateway = draw(subnets_and_gateways())
    given_gateway = draw(st.sampled_from([str(gateway), None]))
    effective_gateway = given_gateway or str(next(subnet.hosts()))
    hosts = st.integers(min_value=1, max_value=subnet.num_addresses - 2).map(lambda i: str(subnet.network_address + i))
    destinations = st.builds(lambda address, prefix: str(ipaddress.IPv4Network((address, prefix), strict=False)),
                             st.integers(min_value=0, max_value=2 ** 32 - 1), st.integers(min_value=0, max_value=32))
    routes = draw(st.one_of(st.none(), st.lists(st.fixed_dictionaries({'dst': destinations, 'gw': hosts}),
                                                max_size=3)))
    if routes is not None:
        # The first route carries the gateway: the plugin takes the gateway from there.
        routes = [dict(dst=draw(destinations), gw=draw(st.sampled_from([effective_gateway, None])))] + routes
    return dict(
        network_name=draw(st.text(min_size=1).map(str.strip).filter(bool)),
        cni_version=draw(st.sampled_from(cni_config.CNI_VERSIONS)),
        subnet=str(subnet),
        gateway=given_gateway,
        routes=routes,
        dns_nameservers=draw(st.lists(st.ip_addresses().map(str), max_size=3)),
        dns_search=draw(st.lists(domains, max_size=3)),
        extra=draw(extra_fields),
    )


def _keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


@settings(max_examples=200, deadline=None)
@given(inputs())
def test_rendering_is_valid_json_with_gw_inside_the_subnet_and_stable(arguments):
    variables = cni_config.template_variables(**arguments)
    text = cni_config.render(variables)
    config = json.loads(text)
    assert cni_config.parse_config(text) == config
    subnet = ipaddress.IPv4Network(arguments['subnet'])
    assert config['ipam']['subnet'] == str(subnet)
    routes = config['ipam']['routes']
    assert routes
    for route in routes:
        assert set(route) == {'dst', 'gw'}
        assert ipaddress.IPv4Address(route['gw']) in subnet
    assert routes[0]['gw'] == variables['gateway']
    assert 'gateway' not in set(_keys({k: v for k, v in config.items() if k not in arguments['extra']}))
    assert (config['name'], config['type'], config['cniVersion']) == (
        arguments['network_name'], 'nat', arguments['cni_version'])
    assert config['capabilities'] == {'portMappings': True, 'dns': True}
    assert 'master' not in config or 'master' in arguments['extra']
    assert {k: config[k] for k in arguments['extra']} == arguments['extra']
    again = cni_config.render(cni_config.template_variables(**arguments))
    assert again.encode('utf-8') == text.encode('utf-8')
    assert text.isascii()


@settings(max_examples=100, deadline=None)
@given(subnets_and_gateways())
def test_default_route_uses_gw_to_the_gateway(pair):
    subnet, gateway = pair
    config = json.loads(cni_config.render(cni_config.template_variables('nat', '1.0.0', str(subnet), str(gateway))))
    assert config['ipam']['routes'] == [{'dst': '0.0.0.0/0', 'gw': str(gateway)}]
    assert '"gateway"' not in cni_config.render(cni_config.template_variables('nat', '1.0.0', str(subnet)))


@settings(max_examples=100, deadline=None)
@given(inputs(), st.sampled_from([' ', '\t', 1, 4]), st.sampled_from([(',', ':'), (', ', ' : ')]))
def test_reformatting_is_not_drift(arguments, indent, separators):
    text = cni_config.render(cni_config.template_variables(**arguments))
    config = cni_config.parse_config(text)
    reformatted = json.dumps(json.loads(text), indent=indent, separators=separators).replace('\n', '\r\n')
    assert reformatted != text
    assert cni_config.same_config(cni_config.existing_config(reformatted.encode('utf-8')), config)
