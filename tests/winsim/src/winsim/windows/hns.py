"""The Host Networking Service as `HNSCall` in vmcompute.dll exposes it (HNS v1).

`hns_call(state, method, path, request)` returns the response text that
`HNSCall(method, path, request, out response)` hands back (microsoft/SDN
Kubernetes/windows/hns.psm1): `{"Success", "Error", "ErrorCode", "Output"}`
(microsoft/hcsshim internal/hns/hnsnetwork.go, hnsResponse).

state["hns"] holds "networks" (objects as HNS prints them), "default_nat" (HNS
creates a `nat` network at boot), "api_nat_survives_reboot" and
"nat_subnet_changes_at_reboot" (absent means true). Keys of a
network that start with "_" belong to the simulator and never leave here.
"""

import copy
import ipaddress
import json
import random
import re

from ..host import faults
from . import features
from .guids import new_guid, seeded_int

# microsoft/SDN hns.psm1 New-HnsNetwork ValidateSet (it also lists the internal
# `Layered`, left out here); HNS compares types case-insensitively: Docker's
# default network reports `nat` (docs/windows-facts.md#hns-api).
NETWORK_TYPES = ("NAT", "ICS", "Transparent", "L2Bridge", "L2Tunnel", "Overlay", "Private", "Internal")

# A .NET DllNotFoundException from the P/Invoke when vmcompute.dll is absent
# (kine/MSDyn365BC_AppTemplate#3, docker/for-win#2020: "Ensure that the
# Containers feature is installed").
DLL_NOT_FOUND = (
    "Unable to load DLL 'vmcompute.dll': The specified module could not be found. "
    "(Exception from HRESULT: 0x8007007E)"
)

# (ErrorCode, text). HCN_E_* codes and texts: MicrosoftDocs/Virtualization-Documentation
# virtualization/api/hcn/Reference/HCNHResult.md. HNS puts the system message in
# "Error" with its CRLF turned into a space: "An adapter was not found. " (docs/windows-facts.md#hns-api).
ELEMENT_NOT_FOUND = (0x80070490, "Element not found.")
ADAPTER_NOT_FOUND = (0x803B0006, "An adapter was not found.")
INVALID_NETWORK = (0x803B000A, "The provided network configuration is invalid or missing parameters.")
INVALID_NETWORK_TYPE = (0x803B000B, "Invalid network type.")
NETWORK_ALREADY_EXISTS = (0x803B0010, "A network with this name already exists.")
REQUEST_UNSUPPORTED = (0x803B0015, "The specified request is unsupported.")
GUID_CONVERSION_FAILURE = (0x803B0019, "Failed to interpret a parameter as a GUID.")
INVALID_JSON = (0x803B001B, "Invalid JSON document string.")
INVALID_IP = (0x803B001E, "IP address is either invalid or not part of any configured subnet(s).")
INVALID_PREFIX = (0x803B0030, "The prefix provided is invalid.")
INVALID_SUBNET = (0x803B0032, "The provided subnet configuration is invalid or missing parameters.")

_PATH = re.compile(r"/([a-z]+)(?:/([^/]+))?/?")
_GUID = re.compile(r"[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}")
_NO_OUTPUT = object()


class VmcomputeNotLoadable(Exception):
    """System.DllNotFoundException thrown by the HNSCall P/Invoke."""

    def __init__(self) -> None:
        super().__init__(DLL_NOT_FOUND)


class _Failure(Exception):
    def __init__(self, code_and_text: tuple) -> None:
        super().__init__(code_and_text[1])
        self.code, self.text = code_and_text


def available(state: dict) -> bool:
    # docs/windows-facts.md#hns-networks: Get-HnsNetwork returns nothing until Containers is installed
    # and the host rebooted (kubernetes-sigs/sig-windows-dev-tools#184). Before the
    # reboot the feature's files are staged only, so vmcompute.dll does not load.
    return features.is_enabled(state, "Containers")


# HNSCall returns an HRESULT (microsoft/hcsshim internal/hns/hns.go:
# `_hnsCall(method, path, object string, response **uint16) (hr error) =
# vmcompute.HNSCall?`); hcsshim reads the response only when it is S_OK
# (internal/hns/hnsfuncs.go, hnsCallRawResponse). With the Host Network Service
# stopped the call fails "The service has not been started." (docker/for-win#8226:
# "hnsCall failed in Win32: The service has not been started."), ERROR_SERVICE_NOT_ACTIVE
# (1062) as an HRESULT, and hands back no response (docs/windows-facts.md#hns-api).
SERVICE_NOT_ACTIVE = 0x80070426


def service_running(state: dict) -> bool:
    """The Host Network Service (`hns`); state["hns"]["service_running"], absent means running."""
    return state["hns"].get("service_running", True)


def hns_call_hresult(state: dict, method: str, path: str, request: str) -> tuple[int, str | None]:
    """HNSCall as the export is declared: (HRESULT as uint32, response or None when it failed).

    VmcomputeNotLoadable when the DLL cannot be loaded at all.
    """
    if not available(state):
        raise VmcomputeNotLoadable()
    if not service_running(state):
        return SERVICE_NOT_ACTIVE, None
    # state["hns"]["success_code"]: a success HRESULT other than S_OK (S_FALSE is 1). Which success codes HNS
    # returns is not documented; hcsshim takes every HRESULT >= 0 as success (docs/windows-facts.md#hresults).
    return state["hns"].get("success_code", 0), hns_call(state, method, path, request)


def hns_call(state: dict, method: str, path: str, request: str) -> str:
    """The response of a call that succeeded (HRESULT S_OK); see hns_call_hresult."""
    if not available(state):
        raise VmcomputeNotLoadable()
    try:
        injected = faults.hns_failure(method, path or "")
        if injected is not None:
            raise _Failure(injected)
        output = _dispatch(state, method, path, request)
    except _Failure as failure:
        return json.dumps(
            {"Error": failure.text + " ", "ErrorCode": failure.code, "Success": False},
            separators=(",", ":"),
        )
    response = {} if output is _NO_OUTPUT else {"Output": output}
    response["Success"] = True
    return json.dumps(response, separators=(",", ":"))


def _dispatch(state: dict, method: str, path: str, request: str):
    match = _PATH.fullmatch(path or "")
    # Only the network requests of docs/windows-facts.md#hns-api are modelled; method names are
    # taken as hns.psm1 sends them, upper-case.
    if not match or match.group(1) != "networks" or method not in ("GET", "POST", "DELETE"):
        raise _Failure(REQUEST_UNSUPPORTED)
    ident = match.group(2)
    networks = state["hns"]["networks"]
    if ident is None:
        if method == "GET":
            return [_public(n) for n in networks]
        if method == "POST":
            return _public(create_network(state, _parse_body(request), origin="api"))
        raise _Failure(REQUEST_UNSUPPORTED)
    if not _GUID.fullmatch(ident):
        raise _Failure(GUID_CONVERSION_FAILURE)
    network = _find(networks, ident)
    if method == "GET":
        return _public(network)
    if method == "DELETE":
        networks.remove(network)
        return _NO_OUTPUT
    # POST /networks/<id> modifies a network (hns.psm1 Set-HnsSwitchExtension): not modelled.
    raise _Failure(REQUEST_UNSUPPORTED)


def _find(networks: list, ident: str) -> dict:
    for network in networks:
        if network["ID"].upper() == ident.upper():
            return network
    # hcsshim hcn/hcnerrors.go IsNotFoundError: HNS reports a missing object as
    # ERROR_NOT_FOUND (internal/hcs/errors.go ErrElementNotFound = 0x490);
    # "Element not found." as in MicrosoftDocs/Virtualization-Documentation#516.
    raise _Failure(ELEMENT_NOT_FOUND)


def _parse_body(request: str):
    try:
        return json.loads(request, parse_constant=_refuse_constant)
    except (TypeError, ValueError):
        raise _Failure(INVALID_JSON) from None


def _refuse_constant(name: str):
    raise ValueError(name)


def _public(network: dict) -> dict:
    return copy.deepcopy({k: v for k, v in network.items() if not k.startswith("_")})


def create_network(state: dict, body, origin: str) -> dict:
    if not isinstance(body, dict):
        raise _Failure(INVALID_NETWORK)
    net_type = body.get("Type")
    if not isinstance(net_type, str) or net_type.lower() not in {t.lower() for t in NETWORK_TYPES}:
        raise _Failure(INVALID_NETWORK_TYPE)
    name = body.get("Name")
    # Strictest plausible: a nameless network is refused.
    if not isinstance(name, str) or not name:
        raise _Failure(INVALID_NETWORK)
    networks = state["hns"]["networks"]
    # microsoft/hcsshim#850: "A network with this name already exists. (0x803b0010)".
    # Names compared case-insensitively: strictest plausible.
    if any(str(n.get("Name", "")).lower() == name.lower() for n in networks):
        raise _Failure(NETWORK_ALREADY_EXISTS)
    adapter = body.get("NetworkAdapterName")
    if adapter is not None:
        adapter = _adapter_name(state, adapter)
    subnets = body.get("Subnets")
    if subnets is None:
        subnets = []
    if not isinstance(subnets, list):
        raise _Failure(INVALID_SUBNET)
    parsed = [_subnet(entry) for entry in subnets]
    is_nat = net_type.lower() == "nat"
    if is_nat:
        _refuse_nat_overlap(networks, parsed)
        if not parsed:
            # A NAT network created without a subnet gets one from HNS, as the
            # default `nat` does (strictest plausible: same /20 pool).
            prefix = free_nat_subnet(state, f"api/{state.get('guid_seq', 0)}")
            parsed = [(prefix, prefix.network_address + 1)]
    ident = new_guid(state)
    pool = seeded_int("macpool", state["hostname"].lower(), ident)
    mac = f"00-15-5D-{pool & 0xFF:02X}-{(pool >> 8) & 0xF:X}"
    network = {
        "ActivityId": new_guid(state),
        "AdditionalParams": {},
        "CurrentEndpointCount": 0,
        "DNSServerList": "",
        "Extensions": [],
        "Flags": 0,
        "ID": ident,
        "IPv6": False,
        "LayeredOn": new_guid(state),
        "MacPools": [{"EndMacAddress": mac + "F-FF", "StartMacAddress": mac + "0-00"}],
        "ManagementIP": str(parsed[0][1]) if is_nat and parsed else "",
        "Name": name,
        "Policies": [],
        "State": 1,
        "Subnets": [
            {"AddressPrefix": str(prefix), "GatewayAddress": str(gateway), "Policies": []}
            for prefix, gateway in parsed
        ],
        "TotalEndpoints": 0,
        "Type": net_type,
        "_origin": origin,
    }
    if adapter is not None:
        network["NetworkAdapterName"] = adapter
    networks.append(network)
    return network


def _adapter_name(state: dict, wanted) -> str:
    if isinstance(wanted, str):
        for adapter in state["network_adapters"]:
            if adapter["name"].lower() == wanted.lower():
                return adapter["name"]
    # docs/windows-facts.md#hns-api: {"Error":"An adapter was not found. ","ErrorCode":2151350278,...}
    raise _Failure(ADAPTER_NOT_FOUND)


def _subnet(entry) -> tuple:
    if not isinstance(entry, dict):
        raise _Failure(INVALID_SUBNET)
    prefix, gateway = entry.get("AddressPrefix"), entry.get("GatewayAddress")
    # hcsshim internal/hns/hnsnetwork.go Create: "subnet has address prefix but no
    # gateway specified". hcsshim checks it client-side; the model refuses it in
    # HNS too, the strictest reading. A gateway with no prefix is refused alike.
    if not isinstance(prefix, str) or not prefix or not isinstance(gateway, str) or not gateway:
        raise _Failure(INVALID_SUBNET)
    # Strictest plausible: an IPv4 CIDR with no host bits set, and a gateway that
    # is a host address inside it.
    try:
        if "/" not in prefix:
            raise ValueError(prefix)
        network = ipaddress.IPv4Network(prefix, strict=True)
    except ValueError:
        raise _Failure(INVALID_PREFIX) from None
    try:
        address = ipaddress.IPv4Address(gateway)
    except ValueError:
        raise _Failure(INVALID_IP) from None
    if address not in network or address in (network.network_address, network.broadcast_address):
        raise _Failure(INVALID_IP)
    return network, address


def _nat_prefixes(networks: list) -> list:
    prefixes = []
    for network in networks:
        if str(network.get("Type", "")).lower() != "nat":
            continue
        for subnet in network.get("Subnets") or []:
            try:
                prefixes.append(ipaddress.IPv4Network(subnet.get("AddressPrefix", ""), strict=False))
            except ValueError:
                continue
    return prefixes


def _overlaps_nat(networks: list, prefix: ipaddress.IPv4Network) -> bool:
    return any(prefix.overlaps(other) for other in _nat_prefixes(networks))


def _refuse_nat_overlap(networks: list, parsed: list) -> None:
    # WinNAT refuses overlapping internal prefixes ("Windows NAT (WinNAT) --
    # Capabilities and limitations", Microsoft Virtualization blog). The error
    # code HNS returns for it is not documented: HCN_E_INVALID_PREFIX is a guess.
    taken = _nat_prefixes(networks)
    for prefix, _unused in parsed:
        if any(prefix.overlaps(other) for other in taken):
            raise _Failure(INVALID_PREFIX)


def free_nat_subnet(state: dict, salt: str, avoid: tuple = ()) -> ipaddress.IPv4Network:
    """A /20 in 172.16.0.0/12 not used by a NAT network nor in `avoid`, seeded by host name."""
    # Shape of the default nat subnet: 172.x.y.0/20, gateway .1 (a WS2022 host's
    # default network); chosen again at each boot (docs/windows-facts.md#hns-networks: on every
    # version the default nat subnet may change after a reboot).
    candidates = [
        ipaddress.IPv4Network(f"172.{second}.{third}.0/20")
        for second in range(16, 32)
        for third in range(0, 256, 16)
    ]
    random.Random(f"{state['hostname'].lower()}/{salt}").shuffle(candidates)
    taken = _nat_prefixes(state["hns"]["networks"]) + list(avoid)
    for candidate in candidates:
        if not any(candidate.overlaps(other) for other in taken):
            return candidate
    raise _Failure(INVALID_PREFIX)


def on_boot(state: dict) -> None:
    """What HNS does to its networks when the host starts."""
    if not available(state):
        return
    hns = state["hns"]
    previous = _nat_prefixes([n for n in hns["networks"] if n.get("_origin") == "boot"])
    kept = []
    for network in hns["networks"]:
        # The default network is not persistent: HNS builds it again at boot
        # (Azure/azure-container-networking#4460: non-persistent HNS networks are
        # gone after a reboot), with a new subnet (docs/windows-facts.md#hns-networks).
        if network.get("_origin") == "boot":
            continue
        # moby/moby#38358: on WS2019, NAT networks created through HNSCall can
        # vanish after a reboot; modelled as always vanishing there.
        if str(network.get("Type", "")).lower() == "nat" and not hns["api_nat_survives_reboot"]:
            continue
        kept.append(network)
    hns["networks"] = kept
    if hns["default_nat"] and not any(str(n.get("Name", "")).lower() == "nat" for n in kept):
        # docs/windows-facts.md#hns-networks: on every version the default nat subnet may change after
        # a reboot. Modelled as always changing (the previous subnet is avoided),
        # unless the profile option nat_subnet_changes_at_reboot is false.
        if previous and not hns.get("nat_subnet_changes_at_reboot", True) and not _overlaps_nat(kept, previous[0]):
            prefix = previous[0]
        else:
            prefix = free_nat_subnet(state, f"boot/{state['boot']['count']}", avoid=tuple(previous))
        body = {
            "Name": "nat",
            # docs/windows-facts.md#hns-api: Docker's default network reports lower-case `nat`.
            "Type": "nat",
            "Subnets": [{"AddressPrefix": str(prefix), "GatewayAddress": str(prefix.network_address + 1)}],
        }
        create_network(state, body, origin="boot")
