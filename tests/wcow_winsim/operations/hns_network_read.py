"""hns_network_read: the HNS networks named `name` (PowerShell -eq, case-insensitive), and the collection's record."""

from winsim.windows import hns

from .base import PowerShellError, param
from .hns_common import hns_output, marker_get, network_result, unavailable_reason


def run(state: dict, params) -> dict:
    name = param(params, "name", (str,))
    # The record is read first, from the registry, which is there with or without HNS.
    created_id = marker_get(state, name)
    try:
        networks = hns_output(state, "GET", "/networks/")
    except (hns.VmcomputeNotLoadable, PowerShellError) as error:
        # The script catches what Get-WcowHnsUnavailableReason names: no HNS until Containers
        # is enabled and the host rebooted (docs/windows-facts.md#hns-networks), or the service stopped.
        reason = unavailable_reason(error)
        if reason is None:
            raise
        return {"hns_available": False, "reason": reason, "networks": [], "created_id": created_id}
    found = [n for n in networks or [] if str(n.get("Name", "")).casefold() == name.casefold()]
    return {"hns_available": True, "networks": [network_result(n) for n in found], "created_id": created_id}
