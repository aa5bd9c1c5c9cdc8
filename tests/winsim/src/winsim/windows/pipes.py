"""Named pipes the daemons listen on, their access control, and who may open them.

State: state["named_pipes"] maps a pipe's normalised name (\\\\.\\pipe\\name,
lower case) to {"name", "pid", "service", "sddl", "server": {"program",
"version", "revision"}}. A pipe exists while the process that made it runs.
"""

from __future__ import annotations

import re

from . import accounts

# SDDL SID strings (learn.microsoft.com, "SID Strings").
SDDL_ALIASES = {
    "BA": "S-1-5-32-544",  # BUILTIN\Administrators
    "BU": "S-1-5-32-545",  # BUILTIN\Users
    "SY": "S-1-5-18",  # NT AUTHORITY\SYSTEM
    "AU": "S-1-5-11",  # NT AUTHORITY\Authenticated Users
    "WD": "S-1-1-0",  # Everyone
    "IU": "S-1-5-4",  # NT AUTHORITY\INTERACTIVE
}
# GENERIC_READ | GENERIC_WRITE, or GENERIC_ALL: what a gRPC client needs to open the pipe.
_READ_WRITE = ("GA", "GRGW", "GWGR")
_ACE = re.compile(r"\(([AD]);[^;]*;([A-Z]+|0x[0-9A-Fa-f]+);[^;]*;[^;]*;([^)]+)\)")


class PipeBusy(Exception):
    """CreateNamedPipe with FILE_FLAG_FIRST_PIPE_INSTANCE on a name in use: Access is denied."""


def normalise(name: str) -> str:
    """`//./pipe/x`, `\\\\.\\pipe\\x` and `npipe:////./pipe/x` name the same pipe."""
    name = name[len("npipe://"):] if name.lower().startswith("npipe://") else name
    return name.replace("/", "\\").lower()


def _pipes(state: dict) -> dict:
    return state.setdefault("named_pipes", {})


def listen(state: dict, name: str, pid: int, service: str | None, sddl: str, server: dict) -> None:
    key = normalise(name)
    if key in _pipes(state):
        raise PipeBusy(name)
    _pipes(state)[key] = {"name": name, "pid": pid, "service": service, "sddl": sddl, "server": server}


def lookup(state: dict, name: str) -> dict | None:
    return state.get("named_pipes", {}).get(normalise(name))


def close_all(state: dict, pid: int) -> None:
    for key in [k for k, pipe in _pipes(state).items() if pipe["pid"] == pid]:
        del _pipes(state)[key]


def _ace_sid(text: str) -> str:
    return SDDL_ALIASES.get(text, text).upper()


def may_open(sddl: str, token: set) -> bool:
    """An access check of a DACL given in SDDL for read and write: a deny ACE
    for a token SID refuses, else an allow ACE granting GA or GR+GW admits
    (a protected DACL, "D:P", as the daemons set it)."""
    token = {sid.upper() for sid in token}
    allowed = False
    for kind, rights, sid in _ACE.findall(sddl):
        if _ace_sid(sid) not in token:
            continue
        if kind == "D":
            return False
        if rights in _READ_WRITE:
            allowed = True
    return allowed


def token_sids(state: dict, account: accounts.Account) -> set:
    """The SIDs in a logged-on account's token: its own, Everyone, Authenticated
    Users, and every local group it is a member of, directly or through a
    well-known group such as Authenticated Users (LocalSystem's token holds
    BUILTIN\\Administrators too). Tokens are not filtered: the processes run
    elevated (WinRM, or a task at the highest run level)."""
    sids = {account.sid, "S-1-1-0", "S-1-5-11"}
    if account.sid == "S-1-5-18":
        sids.add("S-1-5-32-544")
    for name in state.get("local_groups", {}):
        members = {sid.upper() for sid in accounts.member_sids(state, name)}
        if members & {sid.upper() for sid in sids}:
            sids.add(state["local_groups"][name]["sid"])
    return sids
