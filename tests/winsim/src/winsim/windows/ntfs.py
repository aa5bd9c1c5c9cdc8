"""NTFS security and path lengths of the host's files, as an access check and the Windows API see them.

Security (docs/windows-facts.md#ntfs-owners-and-dacls): a file or folder
record may carry "sddl", its security descriptor in SDDL ("O:<owner>D:[P](ace)..."):
an owner and a DACL. A record without one, or a DACL not protected ("D:" without
"P"), inherits the inheritable ACEs of its parent folder (OI to files, CI to
folders), up to the drive root, whose DACL is DEFAULT_ROOT_SDDL. The access
check walks the DACL as AccessCheck does: the first ACE that names a right
for one of the token's SIDs decides it, explicit ACEs before inherited ones.
The owner is granted READ_CONTROL and WRITE_DAC implicitly, nothing else:
deleting still needs DELETE on the entry or FILE_DELETE_CHILD on its folder.
Privileges an administrator's token holds (SeBackupPrivilege,
SeRestorePrivilege, SeTakeOwnershipPrivilege) are disabled until a program
enables them and opens with backup semantics; DeleteFile, RemoveDirectory,
FindFirstFile, SetFileAttributes and the .NET System.IO calls do neither, so
they are never applied here.

Path lengths (docs/windows-facts.md#long-paths): the Win32 file functions
refuse a path of MAX_PATH (260) characters or more, unless it starts with
`\\\\?\\`; the .NET Framework System.IO calls of Windows PowerShell 5.1 refuse
it too (PathTooLongException) and do not take the `\\\\?\\` prefix at all
("Illegal characters in path."). LongPathsEnabled is not modelled: it lifts the
limit only for programs whose manifest declares longPathAware, so a host
with the value set behaves here as one without it.
"""

from __future__ import annotations

import re

from . import accounts

TRUSTED_INSTALLER = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
SYSTEM = "S-1-5-18"
ADMINISTRATORS = "S-1-5-32-544"
# SDDL SID strings (learn.microsoft.com, "SID Strings").
ALIASES = {"BA": ADMINISTRATORS, "BU": "S-1-5-32-545", "SY": SYSTEM, "AU": "S-1-5-11", "WD": "S-1-1-0",
           "CO": "S-1-3-0", "TI": TRUSTED_INSTALLER}

# File access rights (learn.microsoft.com, "File Security and Access Rights", "File Access Rights Constants").
FILE_LIST_DIRECTORY = 0x1
FILE_DELETE_CHILD = 0x40
FILE_WRITE_ATTRIBUTES = 0x100
DELETE = 0x10000
READ_CONTROL = 0x20000
WRITE_DAC = 0x40000
RIGHTS = {"FA": 0x1F01FF, "FR": 0x120089, "FW": 0x120116, "FX": 0x1200A0, "GA": 0x1F01FF, "GR": 0x120089,
          "GW": 0x120116, "GX": 0x1200A0, "SD": DELETE, "RC": READ_CONTROL, "WD": WRITE_DAC,
          # Registry keys (learn.microsoft.com, "ACE Strings": KEY_ALL_ACCESS, KEY_READ).
          "KA": 0xF003F, "KR": 0x20019}
CREATOR_OWNER = "S-1-3-0"
FILE_ADD_FILE = 0x2
FILE_ADD_SUBDIRECTORY = 0x4
WRITE_OWNER = 0x80000
# What Windows puts on a system drive's root (docs/windows-facts.md#protected-dacls): Administrators and
# SYSTEM full control, Users read and execute, Authenticated Users Modify on what is created below
# (inherit-only) and the right to create folders in the root itself: a folder made in C:\ (C:\buildkit)
# is writable by every signed-in user (PowerShellMafia/PowerSploit#259, itm4n/PrivescCheck#53).
DEFAULT_ROOT_SDDL = ("O:SYD:(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)(A;OICIIO;0x1301bf;;;AU)"
                     "(A;;0x4;;;AU)")
# C:\ProgramData, protected: CREATOR OWNER full control below, Users read and execute, and Users may
# create files and folders in it and in every subfolder (CI only: (CI)(WD,AD,WEA,WA)); a subfolder an
# application creates inherits that (learn.microsoft.com, microsoft-windows-shell-setup-folderlocations-
# programdata: "can be used by applications to store data for standard users", quoted in
# PSAppDeployToolkit/PSAppDeployToolkit#540; aelassas/servy#357).
DEFAULT_PROGRAMDATA_SDDL = ("O:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICIIO;FA;;;CO)(A;OICI;0x1200a9;;;BU)"
                            "(A;CI;0x116;;;BU)")
DEFAULT_SDDLS = {"c:\\programdata": DEFAULT_PROGRAMDATA_SDDL}
# The owner of what an elevated administrator creates: BUILTIN\Administrators (the token's default owner).
DEFAULT_OWNER = ADMINISTRATORS

MAX_PATH = 260
MAX_DIRECTORY = 248
EXTENDED_PREFIX = "\\\\?\\"
_ACE = re.compile(r"\(([AD]);([A-Z]*);([A-Z]+|0x[0-9A-Fa-f]+);[^;]*;[^;]*;([^)]+)\)")


class AccessDenied(Exception):
    """ERROR_ACCESS_DENIED (5)."""


class PathTooLong(Exception):
    """The path is MAX_PATH characters or longer and has no `\\\\?\\` prefix."""


def sid_of(text: str) -> str:
    return ALIASES.get(text, text).upper()


def _mask(text: str) -> int:
    if text.lower().startswith("0x"):
        return int(text, 16)
    return sum(RIGHTS[text[i:i + 2]] for i in range(0, len(text), 2))


def parse(sddl: str) -> dict:
    """{"owner", "protected", "aces": [(kind, flags, mask, sid)]} of an SDDL string."""
    owner = re.match(r"O:([^D]+?)(?=D:|$)", sddl)
    dacl = sddl[sddl.index("D:") + 2:] if "D:" in sddl else ""
    flags = dacl.split("(", 1)[0]
    aces = [(kind, ace_flags, _mask(rights), sid_of(sid)) for kind, ace_flags, rights, sid in _ACE.findall(dacl)]
    return {"owner": sid_of(owner.group(1)) if owner else None, "protected": "P" in flags, "aces": aces}


def _files():
    from . import files  # files imports this module

    return files


def _parent_key(state: dict, key: str):
    up = _files().parent(key)
    return None if up is None else _files().find_key(state, up)


def _inherited(parent_aces: list, is_dir: bool) -> list:
    """The ACEs a new entry inherits from its folder's (learn.microsoft.com, "ACE Inheritance Rules")."""
    out = []
    for kind, flags, mask, sid in parent_aces:
        if not is_dir and "OI" in flags:
            out.append((kind, "ID", mask, sid))
        elif is_dir and "CI" in flags:
            # NP: to the folder's own children only, not further down.
            kept = "" if "NP" in flags else flags.replace("IO", "").replace("ID", "")
            out.append((kind, kept + "ID", mask, sid))
        elif is_dir and "OI" in flags and "NP" not in flags:
            out.append((kind, "OIIOID", mask, sid))
    return out


def descriptor(state: dict, key: str) -> dict:
    """The effective owner and DACL of a stored entry: its own ACEs, then those it inherits. An inherited
    CREATOR OWNER ACE names the entry's owner (learn.microsoft.com, "ACE Inheritance Rules")."""
    record = state["files"][key]
    sddl = record.get("sddl") or DEFAULT_SDDLS.get(_files().normalise(key))
    own = parse(sddl) if sddl else {"owner": None, "protected": False, "aces": []}
    owner = own["owner"] or DEFAULT_OWNER
    aces = [ace for ace in own["aces"] if "ID" not in ace[1]]
    if not own["protected"]:
        up = _parent_key(state, key)
        if up is not None:
            inherited = _inherited(descriptor(state, up)["aces"], record["type"] == "dir")
        elif _files().parent(key) is None:
            # A drive root holds the default DACL itself.
            inherited = parse(DEFAULT_ROOT_SDDL)["aces"]
        else:
            inherited = _inherited(parse(DEFAULT_ROOT_SDDL)["aces"], record["type"] == "dir")
        aces += [(kind, flags, mask, owner if sid == CREATOR_OWNER and "IO" not in flags else sid)
                 for kind, flags, mask, sid in inherited]
    return {"owner": owner, "protected": own["protected"], "aces": aces}


_NAMES = {sid: alias for alias, sid in ALIASES.items()}
_RIGHT_NAMES = {0x1F01FF: "FA", 0x120089: "FR", 0x120116: "FW", 0x1200A0: "FX"}


def render(found: dict) -> str:
    """The SDDL GetSecurityDescriptorSddlForm(Owner, Access) writes for a descriptor: aliases for the
    well-known SIDs, "P" for a protected DACL, "ID" on inherited ACEs ("SID Strings", "ACE Strings")."""
    def sid(value: str) -> str:
        return _NAMES.get(value.upper(), value.upper())
    aces = "".join(f"({kind};{flags};{_RIGHT_NAMES.get(mask, hex(mask))};;;{sid(who)})"
                   for kind, flags, mask, who in found["aces"])
    return f"O:{sid(found['owner'])}D:{'P' if found['protected'] else 'AI'}{aces}"


def set_security(state: dict, key: str, sddl: str, token: set | None = None) -> None:
    """FileSystemInfo SetAccessControl with an owner and a protected DACL (SetNamedSecurityInfo): WRITE_DAC,
    and WRITE_OWNER for a new owner, which must be the caller or a group of its token (ERROR_INVALID_OWNER
    without SeRestorePrivilege, which .NET does not enable). Entries below inherit the new ACEs at once
    (the descriptor here is computed from the parent, as SetNamedSecurityInfo propagates them)."""
    token = operator_token(state) if token is None else token
    wanted = parse(sddl)
    needed = WRITE_DAC
    if wanted["owner"] is not None and wanted["owner"] != descriptor(state, key)["owner"]:
        needed |= WRITE_OWNER
        if wanted["owner"] not in {sid.upper() for sid in token}:
            raise AccessDenied(key)
    require(state, key, needed, token)
    state["files"][key]["sddl"] = sddl


def sddl_granted(sddl: str, token: set) -> int:
    """The rights a token gets from an object's own SDDL (nothing inherited): deny ACEs first, as AccessCheck."""
    return _access_check(parse(sddl), token)


def granted(state: dict, key: str, token: set) -> int:
    """The rights the token gets on a stored entry (AccessCheck over the effective DACL)."""
    return _access_check(descriptor(state, key), token)


def _access_check(found: dict, token: set) -> int:
    """AccessCheck over a parsed descriptor: ACEs in order, a right denied before it is allowed stays denied;
    an inherit-only ACE does not apply to the object it is on (learn.microsoft.com, "ACE_HEADER",
    INHERIT_ONLY_ACE); the owner always gets READ_CONTROL and WRITE_DAC ("How AccessCheck Works")."""
    token = {sid.upper() for sid in token}
    allowed = denied = 0
    for kind, flags, mask, sid in found["aces"]:
        if "IO" in flags or sid not in token:
            continue
        if kind == "D":
            denied |= mask & ~allowed
        else:
            allowed |= mask & ~denied
    if found["owner"] in token:
        allowed |= READ_CONTROL | WRITE_DAC
    return allowed


def operator_token(state: dict) -> set:
    """The token of the WinRM user the operations run as: the built-in Administrator, elevated."""
    from . import pipes

    account = accounts.lookup_account_name(state, "Administrator")
    return pipes.token_sids(state, account) | {ADMINISTRATORS}


def require(state: dict, key: str, rights: int, token: set | None = None) -> None:
    token = operator_token(state) if token is None else token
    if granted(state, key, token) & rights != rights:
        raise AccessDenied(key)


def require_delete(state: dict, key: str, token: set | None = None) -> None:
    """DELETE on the entry, or FILE_DELETE_CHILD on its folder (learn.microsoft.com, "File Security and
    Access Rights")."""
    token = operator_token(state) if token is None else token
    if granted(state, key, token) & DELETE:
        return
    up = _parent_key(state, key)
    if up is not None and granted(state, up, token) & FILE_DELETE_CHILD:
        return
    raise AccessDenied(key)


def win32_path(path: str) -> str:
    """The path a Win32 W function works on: `\\\\?\\` lifts MAX_PATH (up to 32,767 characters); without it a
    path of MAX_PATH characters or more fails with ERROR_FILENAME_EXCED_RANGE."""
    if path.startswith(EXTENDED_PREFIX):
        return path[len(EXTENDED_PREFIX):]
    if len(path) >= MAX_PATH:
        raise PathTooLong(path)
    return path


DOTNET_TOO_LONG = ("The specified path, file name, or both are too long. The fully qualified file name must be less "
                   "than 260 characters, and the directory name must be less than 248 characters.")


# The characters .NET Framework's Path.CheckInvalidPathChars refuses (referencesource mscorlib
# system/io/path.cs RealInvalidPathChars, PathInternal.HasIllegalCharacters): '"', '<', '>', '|' and the
# control characters 0-31 (docs/windows-facts.md#illegal-path-characters).
ILLEGAL_PATH_CHARACTERS = frozenset('"<>|') | frozenset(chr(code) for code in range(32))
ILLEGAL_CHARACTERS = "Illegal characters in path."


def has_illegal_characters(path: str) -> bool:
    return any(character in ILLEGAL_PATH_CHARACTERS for character in path)


def dotnet_path_problem(path: str) -> tuple[str, str] | None:
    """(exception type, message) when System.IO of Windows PowerShell 5.1 refuses the path, else None."""
    if path.startswith(EXTENDED_PREFIX) or has_illegal_characters(path):
        return "ArgumentException", ILLEGAL_CHARACTERS
    directory = path.replace("/", "\\").rstrip("\\").rsplit("\\", 1)[0]
    if len(path) >= MAX_PATH or len(directory) >= MAX_DIRECTORY:
        return "PathTooLongException", DOTNET_TOO_LONG
    return None
