"""The HNS helpers the two hns_network_* operation scripts share."""

import json

from ..windows import hns
from .base import PowerShellError


def hns_output(state: dict, method: str, path: str, request: str = ""):
    """HNSCall's Output, or the script's throw when HNS answers Success=false.

    hns.VmcomputeNotLoadable propagates: each script decides what it means.
    """
    response = json.loads(hns.hns_call(state, method, path, request))
    if not response["Success"]:
        raise PowerShellError(
            f"HNS {method} {path} failed: {response['Error']} (error code {response['ErrorCode']})",
            "OperationStopped",
        )
    return response.get("Output")


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
