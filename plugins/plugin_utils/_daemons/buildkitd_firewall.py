# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Windows Firewall rule that lets clients reach buildkitd's TCP listeners.

One inbound rule per buildkitd service, found by its Name (unique in the
local policy store, unlike its DisplayName: docs/windows-facts.md#windows-firewall-rules):
TCP, the local ports of buildkitd's tcp:// addresses, the program buildkitd.exe,
and the remote addresses it admits (any by default). service_read reads it
(`firewall_rules`), service_apply creates it again when anything differs, or
removes it (`firewall_rule`).
"""

from __future__ import annotations

import ipaddress
import re
import typing as t

from .._core.errors import InvalidArgument

GROUP = 'wcow.buildkit'
_TCP = re.compile(r'^tcp://(?P<host>\[[^\]]*\]|[^:/\[\]]*):(?P<port>[0-9]{1,5})/?$', re.IGNORECASE)


def rule_name(service: str) -> str:
    """The rule's Name. A rule name must not hold '|' (INetFwRule::put_Name), and -Name takes wildcards
    (Get-NetFirewallRule): a service name may hold either, and they are replaced."""
    return 'wcow.buildkit.%s.tcp' % re.sub(r'[|*?\[\]]', '_', service)


def local_ports(addresses: t.Iterable[tuple[str, str]]) -> tuple[int, ...]:
    """The TCP ports of (option, tcp:// address) pairs, sorted, each once; InvalidArgument naming the option of
    an address without a port from 1 to 65535."""
    ports = set()
    for option, address in addresses:
        match = _TCP.match(address.strip())
        port = int(match.group('port')) if match else 0
        if not 1 <= port <= 65535:
            raise InvalidArgument(option, '%r is not tcp://HOST:PORT with a port from 1 to 65535, which the firewall '
                                  'rule opens' % address)
        ports.add(port)
    return tuple(sorted(ports))


def remote_addresses(values: t.Sequence[t.Any], option: str = 'firewall_remote_addresses') -> tuple[str, ...]:
    """The addresses as Get-NetFirewallAddressFilter reports them: an IPv4 subnet with its mask
    (10.0.0.0/255.0.0.0), an IPv6 one with its prefix length, a single address alone; ('Any',) for none.
    InvalidArgument for anything but an IP address or a network without host bits."""
    found = []
    for index, value in enumerate(values):
        try:
            network = ipaddress.ip_network(str(value).strip(), strict=True)
        except ValueError:
            raise InvalidArgument('%s[%d]' % (option, index), '%r is not an IP address or a network such as '
                                  '10.0.0.0/8 (without host bits)' % (value,))
        if network.num_addresses == 1:
            text = str(network.network_address)
        elif network.version == 4:
            text = '%s/%s' % (network.network_address, network.netmask)
        else:
            text = str(network)
        if text not in found:
            found.append(text)
    return tuple(found) or ('Any',)


def wanted_rule(service: str, binary: str, ports: tuple[int, ...], remote: tuple[str, ...]) -> dict[str, t.Any]:
    """The service_apply `firewall_rule` creating the rule; the same keys service_read reports."""
    return dict(name=rule_name(service), present=True, display_name='BuildKit %s (TCP, mutual TLS)' % service,
                description='Inbound TCP to the buildkitd service %s on its TLS listeners; managed by '
                            'wcow.buildkit.buildkitd_service.' % service,
                group=GROUP, enabled=True, direction='Inbound', action='Allow', profile='Any', protocol='TCP',
                local_ports=[str(port) for port in ports], remote_addresses=list(remote), program=binary)


def differences(wanted: dict[str, t.Any], found: dict[str, t.Any]) -> list[str]:
    """The fields of the found rule (a service_read entry) that differ from the wanted one."""
    differ = []
    for field in ('display_name', 'description', 'group', 'enabled', 'direction', 'action', 'profile', 'protocol'):
        if found.get(field) != wanted[field]:
            differ.append(field)
    if sorted(found.get('local_ports') or []) != sorted(wanted['local_ports']):
        differ.append('local_ports')
    if sorted(a.lower() for a in found.get('remote_addresses') or []) != \
            sorted(a.lower() for a in wanted['remote_addresses']):
        differ.append('remote_addresses')
    if (found.get('program') or '').replace('/', '\\').lower() != wanted['program'].lower():
        differ.append('program')
    return differ


def view(rule: dict[str, t.Any] | None) -> dict[str, t.Any]:
    """What the result and the diff show of a rule (a service_read entry or a wanted rule)."""
    if not rule or not rule.get('exists', rule.get('present')):
        return {'exists': False}
    shown = {key: rule[key] for key in ('name', 'display_name', 'group', 'enabled', 'direction', 'action', 'profile',
                                        'protocol', 'local_ports', 'remote_addresses', 'program')}
    return dict(exists=True, **shown)


def plan(wanted: dict[str, t.Any] | None, found: dict[str, t.Any]) -> tuple[dict[str, t.Any] | None, list[str]]:
    """(the service_apply `firewall_rule`, or None when nothing changes; the change in words).

    wanted None: no rule is wanted, and the module's rule goes when it exists."""
    name = found['name']
    if wanted is None:
        if found['exists']:
            return dict(name=name, present=False), ['remove the firewall rule %s' % name]
        return None, []
    if not found['exists']:
        return wanted, ['create the firewall rule %s (TCP port %s)' % (name, ', '.join(wanted['local_ports']))]
    differ = differences(wanted, found)
    if not differ:
        return None, []
    return wanted, ['create the firewall rule %s again (its %s differ)' % (name, ', '.join(
        field.replace('_', ' ') for field in differ))]


def diff(name: str, before: dict[str, t.Any], after: dict[str, t.Any]) -> dict[str, str]:
    """The diff entry of the rule: its view before and after, one field a line."""
    def text(shown: dict[str, t.Any]) -> str:
        if not shown.get('exists'):
            return ''
        return ''.join('%s: %s\n' % (field, value) for field, value in shown.items() if field not in ('exists', 'name'))
    header = 'firewall rule %s' % name
    return dict(before=text(before), after=text(after), before_header=header, after_header=header)
