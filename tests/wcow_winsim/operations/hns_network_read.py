"""hns_network_read: the HNS networks named `name` (PowerShell -eq, case-insensitive), and the collection's record."""

from winsim.windows import hns

from .base import param
from .hns_common import hns_output, marker_get, network_result


def run(state: dict, params) -> dict:
    name = param(params, "name", (str,))
    # The record is read first, from the registry, which is there with or without HNS.
    created_id = marker_get(state, name)
    try:
        networks = hns_output(state, "GET", "/networks/")
    except hns.VmcomputeNotLoadable as error:
        # The script catches the DllNotFoundException: no HNS until Containers is
        # enabled and the host rebooted (docs/windows-facts.md#hns-networks).
        return {"hns_available": False, "reason": str(error), "networks": [], "created_id": created_id}
    found = [n for n in networks or [] if str(n.get("Name", "")).casefold() == name.casefold()]
    return {"hns_available": True, "networks": [network_result(n) for n in found], "created_id": created_id}
