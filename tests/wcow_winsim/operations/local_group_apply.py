"""local_group_apply: delete, or create, a local group; set its description; remove and add members."""

from winsim.windows import accounts

from .base import PowerShellError, param
from .local_group_common import find_group, group_members, group_result, local_accounts, method_error, thrown


def _member_list(params, name: str) -> list:
    value = param(params, name, (list,))
    if not all(isinstance(m, dict) and isinstance(m.get("sid"), str) for m in value):
        raise PowerShellError(f"Parameter '{name}' has the wrong type.", "InvalidArgument")
    return value


def run(state: dict, params) -> dict:
    name = param(params, "name", (str,))
    create = param(params, "create", (bool,))
    delete = param(params, "delete", (bool,))
    description = param(params, "description", (str,), nullable=True)
    remove = _member_list(params, "remove")
    add = _member_list(params, "add")
    local = local_accounts(state)
    found = find_group(local, name)
    if delete:
        if found is None:
            raise thrown(f"Group {name} was not found.")
        try:
            accounts.delete_group(state, found.name)
        except accounts.AccountsError as error:
            raise method_error("Delete", 2, error) from None
        return {"group": None}
    if create:
        if found is not None:
            raise thrown(f"Group {name} already exists.")
        try:
            # $computer.Create() then SetInfo(): SAM refuses the name at SetInfo.
            found = accounts.create_group(state, name, description or "")
        except accounts.AccountsError as error:
            raise method_error("SetInfo", 0, error) from None
    elif found is None:
        raise thrown(f"Group {name} was not found.")
    elif description is not None:
        try:
            accounts.set_group_description(state, found.name, description)
        except accounts.AccountsError as error:
            raise method_error("SetInfo", 0, error) from None
    current = [m["sid"].upper() for m in group_members(state, local, found.name)]
    for member in remove:
        if member["sid"].upper() not in current:
            raise thrown(f"Member {member.get('name') or ''} was not found in group {found.name}.")
        try:
            accounts.remove_member(state, found.name, member["sid"])
        except accounts.AccountsError as error:
            raise method_error("Remove", 1, error) from None
    for member in add:
        if member["sid"].upper() in current:
            raise thrown(f"{member.get('name') or ''} is already a member of group {found.name}.")
        if accounts.lookup_account_sid(state, member["sid"]) is None:
            raise thrown(f"Principal {member.get('name') or ''} was not found.")
        try:
            accounts.add_member(state, found.name, member["sid"])
        except accounts.AccountsError as error:
            raise method_error("Add", 1, error) from None
    return {"group": group_result(state, local, found)}
