"""Microsoft Defender Antivirus as its service and the Defender module's cmdlets show it.

state["defender"] (docs/windows-facts.md#microsoft-defender-antivirus):

- "service": the WinDefend service's Status ("Running", "Stopped"), or None when Defender is
  not installed. Every modelled profile ships with it running: Defender is in active mode on
  Windows 10/11 and Windows Server 2016 and later when it is the only antivirus
  (MicrosoftDocs/defender-docs, microsoft-defender-antivirus-compatibility.md). On Windows
  Server it is removed with `Uninstall-WindowsFeature Windows-Defender` (same page), and set
  to disabled by hand when another antivirus is used; on Windows 10/11 another antivirus
  disables it automatically.
- "mode": AMRunningMode of Get-MpComputerStatus, "Normal" or "Passive" (a non-Microsoft
  antivirus on a host onboarded to Defender for Endpoint, or ForceDefenderPassiveMode on
  Windows Server; same page). In passive mode the service runs and the preferences are read
  and changed as in active mode.
- "hide_exclusions_from_local_admins": the policy HideExclusionsFromLocalAdmins
  (HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender, REG_DWORD 1; DISA STIG and the
  Defender CSP): Get-MpPreference then shows the exclusions to no local administrator.
- "exclusion_process", "exclusion_path": the local exclusions, in the order they were added.
  They are the value names of HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Exclusions\\Processes
  and ...\\Paths; registry value names are not case sensitive (learn.microsoft.com, "Structure
  of the Registry"), so an entry differing from another only in case is the same entry. A
  trailing backslash makes another name: the model keeps "C:\\data\\" and "C:\\data" apart.
"""

from __future__ import annotations

from . import ntfs

# Get-MpPreference shows this in place of each exclusion list to a user who is not an
# administrator (Defender platform 4.18.23070 and later: directorcia/office365#24), and to
# administrators too under HideExclusionsFromLocalAdmins. Reports quote it with "an" and
# with "and"; the collection relies only on its "N/A:" start, which no path can have.
HIDDEN = "N/A: Must be an administrator to view exclusions"

# HRESULT 0x800106BA (FACILITY_RPC, 1722 RPC_S_SERVER_UNAVAILABLE): what Get-MpPreference
# and Add-MpPreference fail with, as a CimException, while Defender's service does not run
# (disabled by a third-party antivirus or by policy): ScoopInstaller/Scoop#6745,
# MultiPoolMiner/MultiPoolMiner#351, UnamSanctam/SilentCryptoMiner#2384. The record's
# FullyQualifiedErrorId is "HRESULT 0x800106ba,<cmdlet>"; its message is the one below for
# Add-MpPreference, and for Get-MpPreference sometimes the unformatted "0x%1!x!" text.
NOT_RUNNING_HRESULT = 0x800106BA
# WBEM_E_PROVIDER_LOAD_FAILURE: Defender's WMI provider (MSFT_MpPreference) could not be loaded;
# "Provider load failure" from Add-MpPreference on servers whose WMI was damaged
# (MicrosoftDocs/windows-powershell-docs#1135). state["defender"]["provider_load_failure"] makes it.
PROVIDER_LOAD_FAILURE_HRESULT = 0x80041013
LISTS = ("exclusion_process", "exclusion_path")


class DefenderError(Exception):
    """The CimException a Defender cmdlet throws."""

    def __init__(self, cmdlet: str, hresult: int, message: str):
        super().__init__(message)
        self.message = message
        self.hresult = hresult
        self.error_id = f"HRESULT 0x{hresult:08x},{cmdlet}"


class NotModelled(Exception):
    """A call the model has no source for: it fails loudly rather than invent an answer."""


def fresh() -> dict:
    return {"service": "Running", "mode": "Normal", "hide_exclusions_from_local_admins": False,
            "exclusion_process": [], "exclusion_path": []}


def model(state: dict) -> dict:
    """state["defender"], made as a fresh host has it when the state file is older than the model."""
    return state.setdefault("defender", fresh())


def service_status(state: dict) -> str | None:
    """Get-Service WinDefend: its Status, or None when there is no such service."""
    return model(state)["service"]


def _require_running(state: dict, cmdlet: str) -> dict:
    found = model(state)
    if found["service"] is None:
        # Without the feature the Defender module is gone too; no source shows what its
        # cmdlets would answer, so the operations ask the service first.
        raise NotModelled(f"{cmdlet} on a host without Microsoft Defender Antivirus is not modelled")
    if found.get("provider_load_failure"):
        raise DefenderError(cmdlet, PROVIDER_LOAD_FAILURE_HRESULT, "Provider load failure ")
    if found["service"] != "Running":
        raise DefenderError(cmdlet, NOT_RUNNING_HRESULT, "Operation failed with the following error: 0x800106ba. "
                            "Operation: MpPreference. Target: ConfigListExtension.")
    return found


def get_preference(state: dict, token: set) -> dict:
    """Get-MpPreference's ExclusionProcess and ExclusionPath: None for an empty list (the CIM
    property is null), [HIDDEN] when the caller may not see them."""
    found = _require_running(state, "Get-MpPreference")
    hidden = ntfs.ADMINISTRATORS not in token or found["hide_exclusions_from_local_admins"]
    result = {}
    for name in LISTS:
        if hidden:
            result[name] = [HIDDEN]
        else:
            result[name] = list(found[name]) or None
    return result


def _changed(state: dict, token: set, cmdlet: str) -> dict:
    found = _require_running(state, cmdlet)
    if ntfs.ADMINISTRATORS not in token:
        # learn.microsoft.com, Defender module: Add-MpPreference and Remove-MpPreference need an
        # elevated PowerShell; what they answer without one is not documented.
        raise NotModelled(f"{cmdlet} without administrator rights is not modelled")
    return found


def add(state: dict, token: set, kind: str, values: list[str]) -> None:
    """Add-MpPreference -ExclusionProcess / -ExclusionPath: an entry already there (in any case) stays as it is."""
    found = _changed(state, token, "Add-MpPreference")
    for value in values:
        if value.casefold() not in {entry.casefold() for entry in found[kind]}:
            found[kind].append(value)


def remove(state: dict, token: set, kind: str, values: list[str]) -> None:
    """Remove-MpPreference -ExclusionProcess / -ExclusionPath, matching without regard to case."""
    found = _changed(state, token, "Remove-MpPreference")
    gone = {value.casefold() for value in values}
    found[kind] = [entry for entry in found[kind] if entry.casefold() not in gone]
