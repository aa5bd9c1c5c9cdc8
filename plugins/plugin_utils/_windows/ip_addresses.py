# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Subnet and gateway checks shared by the networking modules."""

from __future__ import annotations

import ipaddress

from .._core.errors import InvalidArgument

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_subnet(option: str, value: str) -> Network:
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        raise InvalidArgument(option, '%r is not a valid CIDR subnet (%s)' % (value, error))


def parse_gateway(option: str, value: str, subnet: Network) -> Address:
    """The gateway address, which must be a usable host address of subnet."""
    try:
        gateway = ipaddress.ip_address(value)
    except ValueError as error:
        raise InvalidArgument(option, '%r is not a valid IP address (%s)' % (value, error))
    if gateway not in subnet or (subnet.num_addresses > 2 and gateway in (subnet.network_address, subnet.broadcast_address)):
        raise InvalidArgument(option, '%s is not a usable address inside the subnet %s' % (gateway, subnet))
    return gateway


def first_host(subnet: Network) -> Address:
    """The address BuildKit's guide and the nat CNI plugin take as gateway."""
    return next(iter(subnet.hosts()), subnet.network_address)


def same_subnet(left: str, right: str) -> bool:
    try:
        return ipaddress.ip_network(left, strict=False) == ipaddress.ip_network(right, strict=False)
    except ValueError:
        return False
