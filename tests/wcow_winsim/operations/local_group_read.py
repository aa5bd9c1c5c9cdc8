"""local_group_read: a local group with its members, and requested members looked up."""

from winsim.windows import accounts

from .base import PowerShellError, param
from .local_group_common import find_group, group_result, local_accounts, resolve_requested


def run(state: dict, params) -> dict:
    name = param(params, "name", (str,))
    members = param(params, "members", (list,))
    if not all(isinstance(m, str) for m in members):
        raise PowerShellError("Parameter 'members' has the wrong type.", "InvalidArgument")
    local = local_accounts(state)
    found = find_group(local, name)
    return {
        "computer_name": accounts.computer_name(state),
        "group": group_result(state, local, found) if found else None,
        "name_taken_by_user": found is None and name.casefold() in local,
        "requested": [resolve_requested(state, local, m) for m in members],
    }
