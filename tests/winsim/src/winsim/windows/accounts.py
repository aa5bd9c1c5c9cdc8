"""Local users and groups (the SAM database) and how Windows names accounts.

State:
- state["local_users"]: name -> {"sid", "enabled"};
- state["local_groups"]: name -> {"sid", "members", "description" (optional)};
  a member is an account name as Windows prints it (DOMAIN\\name: the
  computer's name for its own users, "NT AUTHORITY" for well-known accounts,
  a declared domain's name) or, for an account that no longer exists, its SID;
- state["domain"] (absent unless a test declares one): {"name", "sid",
  "accounts": name -> {"rid", "class"}, "dns_name" (optional)}; with none,
  every DOMAIN\\name but this computer's is "not found";
- state["sam_next_rid"]: the next relative ID for a new account.

Errors that Windows reports as Win32 / NET API codes are raised as
AccountsError with the system message; callers wrap them as PowerShell would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .guids import machine_sid

# Win32 / NET API messages (winerror.h, lmerr.h; NetLocalGroupAdd,
# NetLocalGroupAddMembers and NetLocalGroupDelMembers on learn.microsoft.com).
ERROR_INVALID_PARAMETER = "The parameter is incorrect."
ERROR_SPECIAL_ACCOUNT = "Cannot perform this operation on built-in accounts."
ERROR_MEMBER_NOT_IN_ALIAS = "The specified account name is not a member of the group."
ERROR_MEMBER_IN_ALIAS = "The specified account name is already a member of the group."
ERROR_ALIAS_EXISTS = "The specified local group already exists."
ERROR_NO_SUCH_MEMBER = (
    "A member could not be added to or removed from the local group because the member does not exist.")
ERROR_INVALID_MEMBER = "A new member could not be added to a local group because the member has the wrong account type."
NERR_GROUP_NOT_FOUND = "The group name could not be found."
NERR_USER_EXISTS = "The account already exists."
# Get-LocalGroupMember on a group holding a SID that maps to no account
# (docs/windows-facts.md#local-groups-and-accounts; PowerShell/PowerShell#2996).
GET_LOCAL_GROUP_MEMBER_ORPHAN = "Failed to compare two elements in the array."

# Well-known SIDs and the names LookupAccountSid gives them (learn.microsoft.com,
# "Well-known SIDs"; "Security Identifiers Technical Overview"). LookupAccountSid
# reports them as SidTypeWellKnownGroup, hence the class "group".
WELL_KNOWN = {
    "S-1-1-0": ("", "Everyone"),
    "S-1-5-2": ("NT AUTHORITY", "NETWORK"),
    "S-1-5-4": ("NT AUTHORITY", "INTERACTIVE"),
    "S-1-5-6": ("NT AUTHORITY", "SERVICE"),
    "S-1-5-11": ("NT AUTHORITY", "Authenticated Users"),
    "S-1-5-18": ("NT AUTHORITY", "SYSTEM"),
    "S-1-5-19": ("NT AUTHORITY", "LOCAL SERVICE"),
    "S-1-5-20": ("NT AUTHORITY", "NETWORK SERVICE"),
}
BUILTIN_DOMAIN_SID = "S-1-5-32"

# LOCALGROUP_INFO_0 / NetLocalGroupAdd remarks: group names up to 256 (GNLEN)
# characters, none of " / \ [ ] : | < > + = ; ? * or commas nor 1-31, and no
# trailing period; the "New Group" dialog help adds @ and names made only of
# periods or spaces. MAXCOMMENTSZ (lmcons.h) bounds a description.
GROUP_NAME_MAX = 256
GROUP_NAME_FORBIDDEN = set('"/\\[]:|<>+=;,?*@') | {chr(c) for c in range(1, 32)}
DESCRIPTION_MAX = 256

# Administrator-created accounts take relative IDs from 1000 up; a SID once
# issued is never issued again ("Security Identifiers Technical Overview").
FIRST_ACCOUNT_RID = 1000

_SID = re.compile(r"^S-1-\d+(-\d+)+$")


class AccountsError(Exception):
    """A Windows account API failed with this system message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StoredStateError(ValueError):
    """The host state holds something Windows could not: a test wrote it wrong."""


@dataclass(frozen=True)
class Account:
    domain: str
    name: str
    sid: str
    object_class: str  # "user" or "group"
    kind: str  # "local" (SAM of this computer, BUILTIN included), "well_known" or "domain"

    @property
    def qualified(self) -> str:
        """The name NTAccount / LookupAccountSid gives: DOMAIN\\name, or name alone."""
        return f"{self.domain}\\{self.name}" if self.domain else self.name


def computer_name(state: dict) -> str:
    # %COMPUTERNAME% is the NetBIOS name: the DNS host name cut to 15
    # characters, in upper case (learn.microsoft.com, "Computer Names").
    return state["hostname"][:15].upper()


def is_sid(text: str) -> bool:
    return bool(_SID.match(text))


# -- the SAM database of this computer -------------------------------------------------

def local_accounts(state: dict) -> list[Account]:
    """Users and groups of this computer, as the WinNT provider lists its children."""
    found = []
    for name, user in state.get("local_users", {}).items():
        found.append(Account(computer_name(state), name, user["sid"], "user", "local"))
    for name, group in state.get("local_groups", {}).items():
        # Built-in groups (S-1-5-32-...) belong to the BUILTIN domain.
        domain = "BUILTIN" if group["sid"].startswith(BUILTIN_DOMAIN_SID + "-") else computer_name(state)
        found.append(Account(domain, name, group["sid"], "group", "local"))
    return found


def find_local(state: dict, name: str) -> Account | None:
    """The local user or group of that name; SAM names compare without case."""
    for account in local_accounts(state):
        if account.name.casefold() == name.casefold():
            return account
    return None


def _group(state: dict, name: str) -> tuple[str, dict]:
    for key, group in state.get("local_groups", {}).items():
        if key.casefold() == name.casefold():
            return key, group
    raise AccountsError(NERR_GROUP_NOT_FOUND)


def _next_sid(state: dict) -> str:
    prefix = machine_sid(state["hostname"])
    used = [int(a.sid.rsplit("-", 1)[1]) for a in local_accounts(state) if a.sid.startswith(prefix + "-")]
    rid = max([state.get("sam_next_rid", FIRST_ACCOUNT_RID)] + [r + 1 for r in used if r >= FIRST_ACCOUNT_RID])
    state["sam_next_rid"] = rid + 1
    return f"{prefix}-{rid}"


def _refuse_taken_name(state: dict, name: str) -> None:
    taken = find_local(state, name)
    if taken is not None:
        # NetLocalGroupAdd: ERROR_ALIAS_EXISTS when a local group has the
        # name, NERR_UserExists when a user has it.
        raise AccountsError(ERROR_ALIAS_EXISTS if taken.object_class == "group" else NERR_USER_EXISTS)


def create_group(state: dict, name: str, description: str = "") -> Account:
    bad = (not name or len(name) > GROUP_NAME_MAX or any(c in GROUP_NAME_FORBIDDEN for c in name)
           or not name.strip(". ") or name.endswith("."))
    if bad or len(description) > DESCRIPTION_MAX:
        # NetLocalGroupAdd: ERROR_INVALID_PARAMETER for an invalid name or comment.
        raise AccountsError(ERROR_INVALID_PARAMETER)
    _refuse_taken_name(state, name)
    sid = _next_sid(state)
    state.setdefault("local_groups", {})[name] = {"sid": sid, "members": [], "description": description}
    return Account(computer_name(state), name, sid, "group", "local")


def create_user(state: dict, name: str, enabled: bool = True) -> Account:
    """A local user, as New-LocalUser would make it (for tests to set a host up)."""
    _refuse_taken_name(state, name)
    sid = _next_sid(state)
    state.setdefault("local_users", {})[name] = {"sid": sid, "enabled": enabled}
    return Account(computer_name(state), name, sid, "user", "local")


def delete_group(state: dict, name: str) -> None:
    key, group = _group(state, name)
    if group["sid"].startswith(BUILTIN_DOMAIN_SID + "-"):
        # Built-in groups cannot be deleted (ERROR_SPECIAL_ACCOUNT, winerror.h).
        raise AccountsError(ERROR_SPECIAL_ACCOUNT)
    # Deleting a group ends its memberships; the member accounts stay.
    del state["local_groups"][key]


def group_description(state: dict, name: str) -> str:
    return _group(state, name)[1].get("description", "")


def set_group_description(state: dict, name: str, description: str) -> None:
    _key, group = _group(state, name)
    if len(description) > DESCRIPTION_MAX:
        raise AccountsError(ERROR_INVALID_PARAMETER)
    group["description"] = description


# -- names and SIDs ---------------------------------------------------------------------

def _domain(state: dict) -> dict | None:
    return state.get("domain")


def _domain_accounts(state: dict) -> list[Account]:
    domain = _domain(state)
    if not domain:
        return []
    return [Account(domain["name"], name, f"{domain['sid']}-{spec['rid']}", spec.get("class", "user"), "domain")
            for name, spec in domain.get("accounts", {}).items()]


def _well_known() -> list[Account]:
    return [Account(domain, name, sid, "group", "well_known") for sid, (domain, name) in WELL_KNOWN.items()]


def _named(accounts, name: str) -> Account | None:
    return next((a for a in accounts if a.name.casefold() == name.casefold()), None)


def lookup_account_name(state: dict, text: str) -> Account | None:
    """NTAccount(text).Translate(SecurityIdentifier), that is LookupAccountName; None when not mapped.

    An isolated name is looked up in well-known SIDs, then the built-in and
    local accounts, then the primary domain (LookupAccountName remarks,
    learn.microsoft.com). A qualified name only in its domain. `.` is no
    domain name: ansible.windows module_utils/_SecurityIdentifier.psm1 swaps
    it for the computer name before translating, and also drops the computer
    name before a local group, which NTAccount does not find with it.
    """
    domain, sep, name = text.partition("\\")
    if not sep:
        account_name, at, dns_name = text.rpartition("@")
        declared = _domain(state)
        if at:
            if declared and dns_name.casefold() == declared.get("dns_name", "").casefold():
                return _named(_domain_accounts(state), account_name)
            return None
        return (_named(_well_known(), text) or _named(local_accounts(state), text)
                or _named(_domain_accounts(state), text))
    wanted = domain.casefold()
    if wanted == "nt authority":
        return _named([a for a in _well_known() if a.domain], name)
    if wanted == "builtin":
        return _named([a for a in local_accounts(state) if a.domain == "BUILTIN"], name)
    if wanted in (computer_name(state).casefold(), state["hostname"].casefold()):
        return _named([a for a in local_accounts(state) if a.domain != "BUILTIN" and a.object_class == "user"], name)
    declared = _domain(state)
    if declared and wanted == declared["name"].casefold():
        return _named(_domain_accounts(state), name)
    return None


def lookup_account_sid(state: dict, sid: str) -> Account | None:
    """SecurityIdentifier(sid).Translate(NTAccount): None for a SID that maps to no account."""
    sid = sid.upper()
    for account in _well_known() + local_accounts(state) + _domain_accounts(state):
        if account.sid.upper() == sid:
            return account
    return None


def _stored_member(state: dict, entry: str) -> tuple[str, Account | None]:
    """(SID, account) of a member entry of state["local_groups"][...]["members"]."""
    if is_sid(entry):
        return entry, lookup_account_sid(state, entry)
    domain, sep, name = entry.partition("\\")
    if not sep:
        domain, name = "", entry
    candidates = _well_known() + local_accounts(state) + _domain_accounts(state)
    for account in candidates:
        # The profile writes its own computer's members with the full host name.
        own = account.kind == "local" and account.domain != "BUILTIN"
        same_domain = account.domain.casefold() == domain.casefold() or (
            own and domain.casefold() == state["hostname"].casefold())
        if same_domain and account.name.casefold() == name.casefold():
            return account.sid, account
    # Windows keeps members by SID: a name that maps to nothing cannot be one.
    raise StoredStateError(f"group member {entry!r} names no account; store a SID for an orphaned member")


def member_sids(state: dict, group_name: str) -> list[str]:
    _key, group = _group(state, group_name)
    return [_stored_member(state, entry)[0] for entry in group["members"]]


class RawComObject:
    """A member as `$group.psbase.Invoke('Members')` yields it: a raw System.__ComObject (IADs), not a DirectoryEntry.

    PowerShell 5.x cannot reliably reflect on it: `$member.GetType()` fails ("Error while invoking GetType"), and
    ansible.windows casts each member to `[ADSI]` before reading it, "this solves an random issue where multiple
    casts could fail once the raw object is invoked at least once" (plugins/modules/win_group_membership.ps1,
    Get-GroupMember; docs/windows-facts.md#local-groups-and-accounts). Nothing but the cast is modelled.
    """

    def __init__(self, properties: dict):
        self._properties = properties

    def get_type(self):
        raise AccountsError("Error while invoking GetType.")


class DirectoryEntry:
    """`[ADSI]$member`: the member wrapped in a DirectoryEntry; `InvokeGet(name)` reads an IADs property
    (`ADsPath`, `Class`, `objectSID`; names compare without case). objectSID is given here as its SID string."""

    def __init__(self, member: RawComObject):
        self._properties = {name.casefold(): value for name, value in member._properties.items()}

    def invoke_get(self, name: str):
        if name.casefold() not in self._properties:
            # E_ADS_PROPERTY_NOT_FOUND (0x8000500D), the text ADSI gives.
            raise AccountsError("The directory property cannot be found in the cache.")
        return self._properties[name.casefold()]


def adsi_members(state: dict, group_name: str) -> list[RawComObject]:
    """What `$group.psbase.Invoke('Members')` yields: raw COM objects with ADsPath, Class and objectSID.

    A SID that maps to no account comes back as `WinNT://<SID>` (the ADSI
    workaround in PowerShell/PowerShell#2996 lists such members by that path).
    """
    _key, group = _group(state, group_name)
    found = []
    for entry in group["members"]:
        sid, account = _stored_member(state, entry)
        if account is None:
            found.append(RawComObject({"ADsPath": f"WinNT://{sid}", "Class": "", "objectSID": sid}))
            continue
        own = account.kind == "local" and account.domain != "BUILTIN"
        where = f"WORKGROUP/{account.domain}" if own else account.domain
        found.append(RawComObject({"ADsPath": f"WinNT://{where}/{account.name}",
                                   "Class": account.object_class.capitalize(), "objectSID": sid}))
    return found


def get_local_group_member(state: dict, group_name: str) -> list[Account]:
    """Get-LocalGroupMember: fails outright when any member's SID maps to no account."""
    resolved = [_stored_member(state, entry)[1] for entry in _group(state, group_name)[1]["members"]]
    if any(account is None for account in resolved):
        raise AccountsError(GET_LOCAL_GROUP_MEMBER_ORPHAN)
    return resolved


# -- membership (IADsGroup::Add / Remove, which take WinNT://<SID>) ----------------------

def add_member(state: dict, group_name: str, sid: str) -> None:
    _key, group = _group(state, group_name)
    account = lookup_account_sid(state, sid)
    if account is None:
        raise AccountsError(ERROR_NO_SUCH_MEMBER)
    if account.kind == "local" and account.object_class == "group":
        # NetLocalGroupAddMembers adds users and global groups: local groups do not nest.
        raise AccountsError(ERROR_INVALID_MEMBER)
    if sid.upper() in (s.upper() for s in member_sids(state, group_name)):
        raise AccountsError(ERROR_MEMBER_IN_ALIAS)
    group["members"].append(account.qualified)


def remove_member(state: dict, group_name: str, sid: str) -> None:
    _key, group = _group(state, group_name)
    for entry in list(group["members"]):
        if _stored_member(state, entry)[0].upper() == sid.upper():
            group["members"].remove(entry)
            return
    raise AccountsError(ERROR_MEMBER_NOT_IN_ALIAS)
