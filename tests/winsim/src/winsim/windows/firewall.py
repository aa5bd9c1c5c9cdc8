"""Windows Firewall rules of the local policy store (PersistentStore), as the NetSecurity cmdlets see them.

State: state["firewall_rules"] maps a rule's Name to {"name", "display_name", "description", "group",
"enabled", "direction", "action", "profile", "protocol", "local_ports", "remote_addresses", "program"}.
Sources (docs/windows-facts.md#windows-firewall-rules):

- the Name acts like a file name: one rule of a name per policy store; DisplayName is locale-dependent
  and not unique, so two rules may share one (New-NetFirewallRule, learn.microsoft.com); a second rule
  of a Name fails with ERROR_ALREADY_EXISTS's text;
- -Name accepts wildcards (Get-NetFirewallRule, learn.microsoft.com): `*` and `?` match;
- a numeric LocalPort needs Protocol TCP or UDP (New-NetFirewallRule -Protocol, learn.microsoft.com);
- Get-NetFirewallAddressFilter answers an IPv4 subnet with its mask whatever notation created it
  (dsccommunity/NetworkingDsc#404, #169);
- creating, changing and removing rules needs an administrator: "Access is denied", Windows System
  Error 5, category PermissionDenied otherwise (danosito/JetBrainsActivator#3, rannn505/child-shell#101).
"""

from __future__ import annotations

import fnmatch
import ipaddress

ADMINISTRATORS = "S-1-5-32-544"
KEYWORD_PORTS = ("Any", "RPC", "RPCEPMap", "Teredo", "IPHTTPSIn", "IPHTTPSOut", "PlayToDiscovery")
_FIELDS = ("display_name", "description", "group", "enabled", "direction", "action", "profile", "protocol",
           "local_ports", "remote_addresses", "program")


class FirewallError(Exception):
    """A NetSecurity cmdlet's error: its message and the ErrorRecord's category."""

    def __init__(self, message: str, category: str):
        super().__init__(message)
        self.message = message
        self.category = category


def _rules(state: dict) -> dict:
    return state.setdefault("firewall_rules", {})


def _require_admin(token: set) -> None:
    if ADMINISTRATORS not in token:
        raise FirewallError("Access is denied.", "PermissionDenied")


def get_rules(state: dict, name: str) -> list[dict]:
    """Get-NetFirewallRule -Name <name> -PolicyStore PersistentStore: the rules whose Name matches (wildcards
    match). With -ErrorAction SilentlyContinue an unmatched plain name is an empty answer."""
    rules = _rules(state)
    if any(c in name for c in "*?["):
        return [dict(rule) for key, rule in sorted(rules.items()) if fnmatch.fnmatchcase(key.lower(), name.lower())]
    # -Name becomes a CIM query on the rule's InstanceID, and WQL compares strings without regard to case
    # (WQL operators, learn.microsoft.com).
    return [dict(rule) for key, rule in rules.items() if key.lower() == name.lower()]


def address_as_reported(text: str) -> str:
    """One -RemoteAddress value as Get-NetFirewallAddressFilter reports it; ValueError for a bad one."""
    if text.lower() in ("any", "localsubnet"):
        return {"any": "Any", "localsubnet": "LocalSubnet"}[text.lower()]
    if "-" in text:
        low, high = (ipaddress.ip_address(part.strip()) for part in text.split("-", 1))
        return f"{low}-{high}"
    if "/" in text:
        network = ipaddress.ip_network(text, strict=False)
        if network.version == 4:
            return f"{network.network_address}/{network.netmask}"
        return str(network)
    return str(ipaddress.ip_address(text))


def new_rule(state: dict, token: set, name: str, display_name: str, description: str, group: str, enabled: str,
             direction: str, action: str, profile: str, protocol: str, local_ports: list, remote_addresses: list,
             program: str) -> dict:
    """New-NetFirewallRule -PolicyStore PersistentStore with these values."""
    _require_admin(token)
    if not display_name:
        raise FirewallError("Cannot validate argument on parameter 'DisplayName'. The argument is null or empty.",
                            "InvalidData")
    if get_rules(state, name):
        raise FirewallError("Cannot create a file when that file already exists.", "ResourceExists")
    ports = [str(port) for port in local_ports]
    numeric = [port for port in ports if port not in KEYWORD_PORTS]
    if numeric and protocol.upper() not in ("TCP", "UDP", "6", "17"):
        # The rule is the documentation's; the words are the model's.
        raise FirewallError("The port filter can only contain numeric ports for the TCP and UDP protocols.",
                            "InvalidArgument")
    for port in numeric:
        low, _dash, high = port.partition("-")
        if not all(part.isdigit() and 0 <= int(part) <= 65535 for part in (low, high or low)):
            raise FirewallError("The port value is not valid.", "InvalidArgument")
    try:
        addresses = [address_as_reported(str(a)) for a in remote_addresses] or ["Any"]
    except ValueError:
        raise FirewallError("The address is invalid. Addresses may be specified as IP addresses, ranges, or "
                            "subnets.", "InvalidArgument") from None
    rule = {"name": name, "display_name": display_name, "description": description, "group": group,
            "enabled": enabled, "direction": direction, "action": action, "profile": profile,
            "protocol": protocol.upper(), "local_ports": ports or ["Any"], "remote_addresses": addresses,
            "program": program or "Any"}
    _rules(state)[name] = rule
    return dict(rule)


def remove_rules(state: dict, token: set, name: str) -> None:
    """Remove-NetFirewallRule -Name <name> -PolicyStore PersistentStore: an unmatched name is an error."""
    _require_admin(token)
    found = get_rules(state, name)
    if not found:
        raise FirewallError(f"No MSFT_NetFirewallRule objects found with property 'Name' equal to '{name}'.  "
                            "Verify the value of the property and retry.", "ObjectNotFound")
    rules = _rules(state)
    for rule in found:
        rules.pop(rule["name"], None)


def set_by_hand(state: dict, name: str, **values) -> None:
    """What an administrator changes with Set-NetFirewallRule and its filters' cmdlets (for tests)."""
    rule = _rules(state)[name]
    unknown = set(values) - set(_FIELDS)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    rule.update(values)
