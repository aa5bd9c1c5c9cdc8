"""The HNS helpers the two hns_network_* operation scripts share."""

import json

from winsim.windows import hns, hresults

from . import hklm_marker
from .base import PowerShellError


HNS_UNAVAILABLE = "HNS is not available: "


def hns_output(state: dict, method: str, path: str, request: str = ""):
    """Invoke-WcowHnsCall: HNSCall's Output, or the script's throw.

    A failing (negative) HRESULT or an empty response throws "HNS is not available: <message>";
    Success=false throws "HNS <method> <path> failed: ...".
    hns.VmcomputeNotLoadable propagates: each script decides what it means.
    """
    hresult, text = hns.hns_call_hresult(state, method, path, request)
    if hresults.as_int32(hresult) < 0:
        raise PowerShellError(HNS_UNAVAILABLE + hresults.exception_message(hresult), "OperationStopped")
    if not text:
        raise PowerShellError(f"{HNS_UNAVAILABLE}HNSCall {method} {path} returned no response.", "OperationStopped")
    response = json.loads(text)
    if not response["Success"]:
        raise PowerShellError(
            f"HNS {method} {path} failed: {response['Error']} (error code {response['ErrorCode']})",
            "OperationStopped",
        )
    return response.get("Output")


def unavailable_reason(error: Exception) -> str | None:
    """Get-WcowHnsUnavailableReason: why HNS cannot be called, or None for another error."""
    if isinstance(error, hns.VmcomputeNotLoadable):
        return str(error)
    if isinstance(error, PowerShellError) and error.message.startswith(HNS_UNAVAILABLE):
        return error.message[len(HNS_UNAVAILABLE):]
    return None


def method_invocation_error(error: hns.VmcomputeNotLoadable) -> PowerShellError:
    # A .NET exception from a static method reaches PowerShell wrapped in a
    # MethodInvocationException, category NotSpecified.
    return PowerShellError(f'Exception calling "HNSCall" with "4" argument(s): "{error}"', "NotSpecified")


def network_result(network: dict) -> dict:
    # [string] casts in the script: an absent value becomes "".
    return {
        "id": str(network.get("ID") or ""),
        "name": str(network.get("Name") or ""),
        "type": str(network.get("Type") or ""),
        "network_adapter_name": str(network.get("NetworkAdapterName") or ""),
        "subnets": [
            {
                "address_prefix": str(subnet.get("AddressPrefix") or ""),
                "gateway_address": str(subnet.get("GatewayAddress") or ""),
            }
            for subnet in network.get("Subnets") or []
        ],
    }


# The snippet hklm_marker (Kind HnsNetworks): one REG_SZ value per network the collection created,
# under HKLM\SOFTWARE\wcow.buildkit\HnsNetworks, named after the network.
MARKER_KEY = hklm_marker.key_of("HnsNetworks")


def marker_get(state: dict, name: str):
    return hklm_marker.get(state, "HnsNetworks", name)


def marker_set(state: dict, name: str, ident: str) -> None:
    hklm_marker.set_(state, "HnsNetworks", name, ident)


def marker_remove(state: dict, name: str) -> None:
    hklm_marker.remove(state, "HnsNetworks", name)
