"""Environment variables: expansion, and the registry values that hold the machine and user PATH.

State: `state["machine_path"]` is the value `Path` of
HKLM:\\System\\CurrentControlSet\\Control\\Session Manager\\Environment and
`state["user_environment"][USER]["Path"]` the value `Path` of that user's
HKCU:\\Environment, each `{"type": "REG_EXPAND_SZ" | "REG_SZ" | ..., "value": text}`
or None when the value does not exist. A user with no entry in
`user_environment` has the Path of a fresh profile (DEFAULT_USER_PATH).
`state["settingchange_broadcasts"]` counts WM_SETTINGCHANGE "Environment" broadcasts.
"""

from __future__ import annotations

import copy
import re

# Default values of a Windows installation on drive C:.
SYSTEM_VARIABLES = {
    "SystemDrive": "C:",
    "SystemRoot": "C:\\Windows",
    "windir": "C:\\Windows",
    "ProgramFiles": "C:\\Program Files",
    "ProgramData": "C:\\ProgramData",
    "ALLUSERSPROFILE": "C:\\ProgramData",
    "USERPROFILE": "C:\\Users\\Administrator",
    "TEMP": "C:\\Users\\Administrator\\AppData\\Local\\Temp",
    "TMP": "C:\\Users\\Administrator\\AppData\\Local\\Temp",
}

MACHINE_KEY = "HKLM:\\System\\CurrentControlSet\\Control\\Session Manager\\Environment"
USER_KEY = "HKCU:\\Environment"

# A new user profile's HKCU\Environment\Path, REG_EXPAND_SZ, ending with ';':
# "the default User path value is actually %USERPROFILE%\AppData\Local\Microsoft\WindowsApps;"
# (MicrosoftDocs/WSL#359, about Windows Server); the same entry shows at the
# end of PATH in servercore ltsc2022 containers (moby/buildkit#4895) and as
# REG_EXPAND_SZ in `reg query HKCU\Environment /v Path` (ofek/userpath#27).
DEFAULT_USER_PATH = "%USERPROFILE%\\AppData\\Local\\Microsoft\\WindowsApps;"


class NotAStringValue(Exception):
    """The Path value exists but is not REG_SZ or REG_EXPAND_SZ."""


# RegistryKey.GetValueKind names of the registry types.
VALUE_KINDS = {
    "REG_SZ": "String",
    "REG_EXPAND_SZ": "ExpandString",
    "REG_MULTI_SZ": "MultiString",
    "REG_BINARY": "Binary",
    "REG_DWORD": "DWord",
    "REG_QWORD": "QWord",
}


def expand(text: str) -> str:
    """[Environment]::ExpandEnvironmentVariables: %NAME% case-insensitively; unknown names stay."""
    lowered = {name.lower(): value for name, value in SYSTEM_VARIABLES.items()}
    return re.sub(r"%([^%]+)%", lambda m: lowered.get(m.group(1).lower(), m.group(0)), text)


def session_user(state: dict) -> str:
    """The user whose HKCU a WinRM command sees.

    The simulated host serves every command as the fleet's configured user,
    whose name operation handlers are not told; every profile's only account
    is Administrator (winsim.host.profiles), the simulator's default user.
    """
    return "Administrator"


# -- the registry values ------------------------------------------------------
def path_value(state: dict, scope: str, user: str | None = None):
    """The Path value record of `scope` ('machine' or 'user'), or None when absent."""
    if scope == "machine":
        return copy.deepcopy(state.get("machine_path"))
    user = user or session_user(state)
    environment = state.get("user_environment", {}).get(user)
    if environment is None:
        return {"type": "REG_EXPAND_SZ", "value": DEFAULT_USER_PATH}
    return copy.deepcopy(environment.get("Path"))


def set_path_value(state: dict, scope: str, value: str | None, reg_type: str = "REG_EXPAND_SZ",
                   user: str | None = None) -> None:
    """Write (or with value None delete) the Path value: RegistryKey.SetValue / DeleteValue."""
    if reg_type not in VALUE_KINDS:
        raise ValueError(f"unknown registry type {reg_type!r}")
    record = None if value is None else {"type": reg_type, "value": value}
    if scope == "machine":
        state["machine_path"] = record
        return
    if scope != "user":
        raise ValueError(f"unknown scope {scope!r}")
    user = user or session_user(state)
    state.setdefault("user_environment", {}).setdefault(user, {})["Path"] = record


def read_raw(state: dict, scope: str) -> tuple[str, str | None]:
    """(GetValueKind name or 'None', value read with DoNotExpandEnvironmentNames).

    Raises NotAStringValue for a Path of another type: the operation
    scripts refuse those rather than guess.
    """
    record = path_value(state, scope)
    if record is None:
        return "None", None
    kind = VALUE_KINDS[record["type"]]
    if kind not in ("String", "ExpandString"):
        raise NotAStringValue(
            f"The {scope} Path value is of kind {kind}; only String (REG_SZ) and ExpandString "
            "(REG_EXPAND_SZ) hold a PATH."
        )
    return kind, record["value"]


def broadcast_setting_change(state: dict) -> bool:
    """SendMessageTimeout(HWND_BROADCAST, WM_SETTINGCHANGE, 0, "Environment", SMTO_ABORTIFHUNG, 5000).

    Counted so tests can see that a write was announced (ansible.windows
    win_path.ps1 Register-EnvironmentChange; docs/windows-facts.md#machine-path).
    """
    state["settingchange_broadcasts"] = state.get("settingchange_broadcasts", 0) + 1
    return True


# -- what other programs do to PATH -------------------------------------------
def get_environment_variable(state: dict, scope: str) -> str | None:
    """[Environment]::GetEnvironmentVariable('Path', scope): RegistryKey.GetValue, which
    expands a REG_EXPAND_SZ value (dotnet/runtime Environment.Win32.cs,
    GetEnvironmentVariableFromRegistry)."""
    record = path_value(state, scope)
    if record is None:
        return None
    return expand(record["value"]) if record["type"] == "REG_EXPAND_SZ" else record["value"]


def set_environment_variable(state: dict, scope: str, value: str) -> None:
    """[Environment]::SetEnvironmentVariable('Path', value, scope): RegistryKey.SetValue
    with a string writes REG_SZ, by design (dotnet/runtime#89695; docs/windows-facts.md#machine-path),
    then broadcasts WM_SETTINGCHANGE (Environment.Win32.cs,
    SetEnvironmentVariableFromRegistry)."""
    set_path_value(state, scope, value, "REG_SZ")
    broadcast_setting_change(state)


def edit_path_by_hand(state: dict, scope: str, edit) -> str:
    """The usual hand edit: read with GetEnvironmentVariable, change, write with
    SetEnvironmentVariable. Every %VAR% ends up expanded and the type REG_SZ
    (dotnet/runtime#1438). `edit(value) -> value`; returns the written value."""
    written = edit(get_environment_variable(state, scope) or "")
    set_environment_variable(state, scope, written)
    return written


# -- a concurrent writer ------------------------------------------------------
def queue_write_after_next_read(state: dict, scope: str, value: str, reg_type: str = "REG_SZ") -> None:
    """Make another process write the Path of `scope` right after the next path_entry_read.

    Models a write that lands between the module's read and its write (an
    installer, or a person with SetEnvironmentVariable); one-shot.
    """
    state.setdefault("pending_path_writes", []).append({"scope": scope, "value": value, "type": reg_type})


def apply_writes_after_read(state: dict) -> None:
    for write in state.pop("pending_path_writes", []):
        set_path_value(state, write["scope"], write["value"], write["type"])
        broadcast_setting_change(state)
