"""hns_network_apply: delete networks by id, clear a record, create one (POST /networks/) and record it."""

import json

from winsim.windows import hns

from .base import PowerShellError, param
from .hns_common import hns_output, marker_remove, marker_set, method_invocation_error, network_result


def run(state: dict, params) -> dict:
    delete_ids = param(params, "delete_ids", (list,))
    if not all(isinstance(i, str) for i in delete_ids):
        raise PowerShellError("Parameter 'delete_ids' has the wrong type.", "InvalidArgument")
    create = param(params, "create", (dict,), nullable=True)
    record_marker = param(params, "record_marker", (str,), nullable=True)
    clear_marker = param(params, "clear_marker", (str,), nullable=True)
    deleted, created = [], None
    try:
        for ident in delete_ids:
            hns_output(state, "DELETE", f"/networks/{ident}")
            deleted.append(ident)
        if clear_marker:
            marker_remove(state, clear_marker)
        if create is not None:
            created = network_result(hns_output(state, "POST", "/networks/", json.dumps(create)))
            if record_marker:
                marker_set(state, record_marker, created["id"])
    except hns.VmcomputeNotLoadable as error:
        raise method_invocation_error(error) from None
    return {"deleted": deleted, "created": created}
