# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render and compare the NAT CNI config of microsoft/windows-container-networking.

Pure functions: the variables a template sees (checked), the rendering with
Jinja2 (the built-in template or a user's), parsing of the rendered or
existing text, and the comparison that ignores formatting.

Facts the checks follow (windows-container-networking cni/cni.go):
- routes are parsed with the keys `dst` and `gw`; `gateway` is ignored;
- GetNetworkInfo takes the network's gateway from the first route's `gw`
  (else subnet base + 1) and works on IPv4 only (`ip.To4()`);
- accepted cniVersion values are 0.2.0, 0.3.0, 0.4.0 and 1.0.0.
"""

from __future__ import annotations

import ipaddress
import json
import typing as t

from .._core.errors import InvalidArgument
from .._core.templating import ConfigTemplate
from .._windows.ip_addresses import first_host, parse_gateway

if t.TYPE_CHECKING:
    from jinja2 import Template

CNI_VERSIONS = ('0.2.0', '0.3.0', '0.4.0', '1.0.0')
DEFAULT_CNI_VERSION = '1.0.0'
DEFAULT_ROUTE_DST = '0.0.0.0/0'
# Top-level keys the module writes itself; `extra` may not set them.
MANAGED_KEYS = frozenset({'cniVersion', 'name', 'type', 'ipam', 'dns', 'capabilities'})
# The gateway and at least one container need an address.
LONGEST_PREFIX = 30


def to_json(value: t.Any) -> str:
    """JSON text of value: ASCII only, sorted keys, so the same input gives the same bytes."""
    return json.dumps(value, sort_keys=True, ensure_ascii=True, allow_nan=False)


def to_nice_json(value: t.Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=True, allow_nan=False, indent=2)


def parse_ipv4_subnet(option: str, value: str) -> ipaddress.IPv4Network:
    try:
        subnet = ipaddress.ip_network(value, strict=True)
    except (TypeError, ValueError) as error:
        raise InvalidArgument(option, '%r is not a valid CIDR subnet (%s)' % (value, error))
    if subnet.version != 4:
        raise InvalidArgument(option, '%s is not IPv4: the nat plugin handles IPv4 subnets only' % subnet)
    if subnet.prefixlen > LONGEST_PREFIX:
        raise InvalidArgument(option, '%s is too small for a NAT network: the prefix must be /%d or shorter'
                              % (subnet, LONGEST_PREFIX))
    return subnet


def template_variables(network_name: str, cni_version: str, subnet: str, gateway: str | None = None,
                       routes: list[dict[str, t.Any]] | None = None, dns_nameservers: list[str] | None = None,
                       dns_search: list[str] | None = None, extra: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
    """The checked variables a template renders with; InvalidArgument names the option at fault."""
    if not isinstance(network_name, str) or not network_name.strip() or network_name != network_name.strip():
        raise InvalidArgument('network_name', 'must be a non-empty name without leading or trailing white space')
    if cni_version not in CNI_VERSIONS:
        raise InvalidArgument('cni_version', '%r is not one the nat plugin accepts (%s)'
                              % (cni_version, ', '.join(CNI_VERSIONS)))
    network = parse_ipv4_subnet('subnet', subnet)
    gateway = str(parse_gateway('gateway', gateway, network) if gateway else first_host(network))
    return dict(
        cni_version=cni_version,
        network_name=network_name,
        subnet=str(network),
        gateway=gateway,
        routes=_routes(routes, network, gateway),
        dns_nameservers=_nameservers(dns_nameservers),
        dns_search=_search_domains(dns_search),
        extra=_extra(extra),
    )


def _routes(routes: list[dict[str, t.Any]] | None, network: ipaddress.IPv4Network,
            gateway: str) -> list[dict[str, str]]:
    if routes is None:
        return [dict(dst=DEFAULT_ROUTE_DST, gw=gateway)]
    if not routes:
        raise InvalidArgument('routes', 'must hold at least one route: the nat plugin takes the gateway from the '
                              'first route\'s gw')
    checked = []
    for index, route in enumerate(routes):
        where = 'routes[%d]' % index
        if not isinstance(route, dict):
            raise InvalidArgument(where, 'must be a dictionary with dst and gw')
        unknown = sorted(set(route) - {'dst', 'gw'})
        if unknown:
            raise InvalidArgument(where, 'unknown keys %s: a route has dst and gw (the nat plugin ignores '
                                  '"gateway")' % ', '.join(unknown))
        dst = route.get('dst') or DEFAULT_ROUTE_DST
        try:
            destination = ipaddress.ip_network(dst, strict=True)
        except (TypeError, ValueError) as error:
            raise InvalidArgument(where + '.dst', '%r is not a valid CIDR (%s)' % (dst, error))
        if destination.version != 4:
            raise InvalidArgument(where + '.dst', '%s is not IPv4' % destination)
        hop = str(parse_gateway(where + '.gw', route['gw'], network)) if route.get('gw') else gateway
        checked.append(dict(dst=str(destination), gw=hop))
    if checked[0]['gw'] != gateway:
        raise InvalidArgument('routes[0].gw', '%s differs from the gateway %s: the nat plugin takes the network\'s '
                              'gateway from the first route' % (checked[0]['gw'], gateway))
    return checked


def _nameservers(values: list[str] | None) -> list[str]:
    checked = []
    for index, value in enumerate(values or []):
        try:
            checked.append(str(ipaddress.ip_address(value)))
        except (TypeError, ValueError):
            raise InvalidArgument('dns_nameservers[%d]' % index, '%r is not an IP address' % (value,))
    return checked


def _search_domains(values: list[str] | None) -> list[str]:
    checked = []
    for index, value in enumerate(values or []):
        if not isinstance(value, str) or not value.strip() or value != value.strip() or ' ' in value:
            raise InvalidArgument('dns_search[%d]' % index, '%r is not a domain name' % (value,))
        checked.append(value)
    return checked


def _extra(extra: dict[str, t.Any] | None) -> dict[str, t.Any]:
    if not extra:
        return {}
    if not isinstance(extra, dict):
        raise InvalidArgument('extra', 'must be a dictionary')
    for key in extra:
        if not isinstance(key, str) or not key:
            raise InvalidArgument('extra', 'keys must be non-empty strings, not %r' % (key,))
        if key in MANAGED_KEYS:
            raise InvalidArgument('extra', 'sets %r, which the module writes itself (%s)'
                                  % (key, ', '.join(sorted(MANAGED_KEYS))))
    try:
        # Plain JSON values only (Ansible may hand tagged str/dict subclasses).
        return json.loads(to_json(extra))
    except (TypeError, ValueError) as error:
        raise InvalidArgument('extra', 'holds a value that is not JSON: %s' % error)


_TEMPLATE = ConfigTemplate('cni_nat.conf.j2', {'to_json': to_json, 'to_nice_json': to_nice_json})


def builtin_template() -> str:
    return _TEMPLATE.builtin


def compile_template(source: str, option: str = 'template') -> Template:
    return _TEMPLATE.compile(source, option)


def render(variables: dict[str, t.Any], source: str | None = None, option: str = 'template') -> str:
    """The config text: the built-in template when source is None."""
    text = _TEMPLATE.render(variables, source, option)
    return text


def parse_config(text: str, option: str = 'template') -> dict[str, t.Any]:
    """The rendered text as a JSON object; InvalidArgument(option) when it is not one."""
    try:
        value = json.loads(text, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant)
    except ValueError as error:
        raise InvalidArgument(option, 'renders text that is not valid JSON: %s' % error)
    if not isinstance(value, dict):
        raise InvalidArgument(option, 'renders JSON that is not an object')
    return value


def _refuse_duplicates(pairs: list[tuple[str, t.Any]]) -> dict[str, t.Any]:
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError('key %r appears twice' % key)
        seen[key] = value
    return seen


def _refuse_constant(name: str) -> t.NoReturn:
    raise ValueError('%s is not JSON' % name)


def existing_config(data: bytes | None) -> dict[str, t.Any] | None:
    """The existing file's bytes as a JSON object, or None when a JSON reader would refuse them.

    Strict UTF-8 with no byte order mark: Go's encoding/json, which the nat
    plugin and libcni use, refuses a BOM.
    """
    if data is None:
        return None
    try:
        return parse_config(data.decode('utf-8'), 'path')
    except (UnicodeDecodeError, InvalidArgument):
        return None


def canonical(config: dict[str, t.Any]) -> str:
    """Formatting-free text of a JSON object: equal only when the objects are equal (true != 1)."""
    return json.dumps(config, sort_keys=True, ensure_ascii=True, separators=(',', ':'))


def same_config(existing: dict[str, t.Any] | None, wanted: dict[str, t.Any]) -> bool:
    return existing is not None and canonical(existing) == canonical(wanted)


def ignored_route_keys(config: dict[str, t.Any]) -> list[int]:
    """Routes of a rendered config that use `gateway` without `gw`: the nat plugin ignores them."""
    routes = (config.get('ipam') or {}).get('routes') if isinstance(config.get('ipam'), dict) else None
    if not isinstance(routes, list):
        return []
    return [index for index, route in enumerate(routes)
            if isinstance(route, dict) and 'gateway' in route and 'gw' not in route]
