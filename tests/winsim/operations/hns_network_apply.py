"""hns_network_apply: delete networks by id, then create one (POST /networks/)."""

import json

from ..windows import hns
from .base import PowerShellError, param
from .hns_common import hns_output, method_invocation_error, network_result


def run(state: dict, params) -> dict:
    delete_ids = param(params, "delete_ids", (list,))
    if not all(isinstance(i, str) for i in delete_ids):
        raise PowerShellError("Parameter 'delete_ids' has the wrong type.", "InvalidArgument")
    create = param(params, "create", (dict,), nullable=True)
    deleted, created = [], None
    try:
        for ident in delete_ids:
            hns_output(state, "DELETE", f"/networks/{ident}")
            deleted.append(ident)
        if create is not None:
            created = network_result(hns_output(state, "POST", "/networks/", json.dumps(create)))
    except hns.VmcomputeNotLoadable as error:
        raise method_invocation_error(error) from None
    return {"deleted": deleted, "created": created}
