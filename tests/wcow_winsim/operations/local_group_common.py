"""What the local_group_* operation scripts share (their snippet local_group.ps1)."""

import re

from winsim.windows import accounts

from .base import PowerShellError

_REQUESTED_SID = re.compile(r"^S-1-\d+(-\d+)+$", re.IGNORECASE)  # PowerShell -match ignores case
_DOMAIN_SID = re.compile(r"^S-1-(5-21|12)-", re.IGNORECASE)


def method_error(method: str, arguments: int, error: accounts.AccountsError) -> PowerShellError:
    # A COM/.NET method failing inside PowerShell: MethodInvocationException,
    # category NotSpecified, the system message quoted.
    return PowerShellError(f'Exception calling "{method}" with "{arguments}" argument(s): "{error.message}"',
                           "NotSpecified")


def thrown(message: str) -> PowerShellError:
    """The script's own `throw 'message'`."""
    return PowerShellError(message, "OperationStopped")


def local_accounts(state: dict) -> dict:
    """Get-WcowLocalAccounts: the computer's users and groups, keyed without case."""
    return {account.name.casefold(): account for account in accounts.local_accounts(state)}


def find_group(local: dict, name: str):
    account = local.get(name.casefold())
    return account if account is not None and account.object_class == "group" else None


def principal(state: dict, local: dict, sid: str, adsi_class: str) -> dict:
    """ConvertTo-WcowPrincipal."""
    account = accounts.lookup_account_sid(state, sid)
    name = account.qualified if account else None
    mine = [a for a in local.values() if a.sid.upper() == sid.upper()]
    if mine:
        source, object_class = "local", mine[0].object_class
    elif name is None:
        source, object_class = "unresolved", "unknown"
    else:
        source = "domain" if _DOMAIN_SID.match(sid) else "well_known"
        object_class = adsi_class.lower() if adsi_class else "unknown"
    return {"name": name, "sid": sid, "object_class": object_class, "source": source}


def group_members(state: dict, local: dict, group_name: str) -> list:
    """Get-WcowLocalGroupMembers: each raw COM member cast to [ADSI] and read with InvokeGet; the SID from a
    WinNT://<SID> path, else from objectSID."""
    found = []
    for member in accounts.adsi_members(state, group_name):
        try:
            entry = accounts.DirectoryEntry(member)
            path = str(entry.invoke_get("ADsPath"))
            match = re.fullmatch(r"WinNT://(S-1-[0-9-]+)", path, re.IGNORECASE)
            if match:
                found.append(principal(state, local, match.group(1), ""))
            else:
                found.append(principal(state, local, entry.invoke_get("objectSID"), str(entry.invoke_get("Class"))))
        except accounts.AccountsError as error:
            raise method_error("InvokeGet", 1, error) from None
    return found


def group_result(state: dict, local: dict, group: accounts.Account) -> dict:
    """Get-WcowLocalGroup."""
    return {
        "name": group.name,
        "sid": group.sid,
        "description": accounts.group_description(state, group.name),
        "members": group_members(state, local, group.name),
    }


def resolve_requested(state: dict, local: dict, requested: str) -> dict:
    """Resolve-WcowRequestedMember."""
    sid = None
    if _REQUESTED_SID.match(requested):
        # SecurityIdentifier.Value writes the S in upper case.
        sid = "S" + requested[1:]
    elif "\\" in requested:
        domain, account = requested.split("\\", 1)
        if domain == "." or domain.casefold() == accounts.computer_name(state).casefold():
            found = local.get(account.casefold())
            sid = found.sid if found else None
        else:
            found = accounts.lookup_account_name(state, requested)
            sid = found.sid if found else None
    else:
        found = accounts.lookup_account_name(state, requested)
        sid = found.sid if found else None
    if sid is None:
        return {"requested": requested, "name": None, "sid": None, "object_class": "unknown", "source": "unresolved"}
    return dict(principal(state, local, sid, ""), requested=requested)
