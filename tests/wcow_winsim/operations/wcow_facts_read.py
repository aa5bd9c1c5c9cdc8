"""wcow_facts_read: the OS, features, HNS networks, services, programs, machine PATH and
pending reboot of the simulated host, read in one go; nothing changes."""

from __future__ import annotations

import re

from winsim.windows import boot, environment, features, files, hns

from .base import PowerShellError, param
from .hns_common import hns_output, network_result, unavailable_reason
from .service_common import read_service, run_native

PARTS = ("features", "hns", "services", "binaries", "path", "reboot")

# PROCESSOR_ARCHITECTURE values (the machine's, in the system environment).
_PROCESSOR_ARCHITECTURE = {"amd64": "AMD64", "arm64": "ARM64"}


def run(state: dict, params) -> dict:
    gather = _strings(params, "gather")
    probes: dict = {}
    result = {
        "os": _os(state),
        "directories": [{"given": d, "expanded": environment.expand(d)} for d in _strings(params, "directories") if d],
    }
    result.update((part, None) for part in PARTS)
    if "features" in gather:
        result["features"] = [_feature(state, name) for name in _strings(params, "features")]
    if "hns" in gather:
        result["hns"] = _hns(state)
    if "services" in gather:
        result["services"] = [_service(state, name, probes) for name in _strings(params, "services") if name]
    if "binaries" in gather:
        result["binaries"] = [_probe(state, environment.expand(path), probes)
                              for path in _strings(params, "probe_versions") if path]
    if "path" in gather:
        result["path"] = _machine_path(state)
    if "reboot" in gather:
        result["reboot"] = _reboot(state)
    return result


def _strings(params, name: str) -> list:
    values = param(params, name, (list,))
    if not all(isinstance(value, str) for value in values):
        raise PowerShellError(f"Parameter '{name}' has the wrong type.", "InvalidArgument")
    return values


def _os(state: dict) -> dict:
    os_info = state["os"]
    architecture = _PROCESSOR_ARCHITECTURE[os_info["architecture"]]
    return {
        "caption": os_info["caption"],
        "edition_id": os_info["edition_id"],
        "build": os_info["build"],
        # [int] of an absent UBR value is 0.
        "ubr": int(os_info.get("ubr") or 0),
        "display_version": os_info["display_version"],
        "product_type": os_info["product_type"],
        # The system environment in the SYSTEM hive holds the machine's own value
        # (RegRipper processor_architecture.pl reads the OS architecture there;
        # Wine's wineboot writes it from the native CPU information).
        "machine_architecture": architecture,
        "process_architecture": _process_architecture(os_info["architecture"]),
        "process_architew6432": "",
    }


def _process_architecture(machine: str) -> str:
    """What Windows PowerShell itself sees in $env:PROCESSOR_ARCHITECTURE.

    On amd64 the 64-bit PowerShell runs natively. Windows PowerShell is not an
    arm64 program on Windows on Arm (microsoft/WSL#5871); modelled as the
    strictest plausible case, an emulated x64 process, which sees AMD64 and no
    PROCESSOR_ARCHITEW6432 (DeusData/codebase-memory-mcp#908, microsoft/winml-cli#705).
    """
    return "AMD64" if machine == "arm64" else _PROCESSOR_ARCHITECTURE[machine]


def _feature(state: dict, name: str) -> dict:
    try:
        return {"name": name, "state": features.feature_state(state, name)}
    except features.UnknownFeature:
        # Get-WcowFeatureState catches 0x800F080C "Feature name X is unknown." and returns $null.
        return {"name": name, "state": None}


def _hns(state: dict) -> dict:
    try:
        networks = hns_output(state, "GET", "/networks/")
    except (hns.VmcomputeNotLoadable, PowerShellError) as error:
        # docs/windows-facts.md#hns-networks: no HNS until Containers is enabled and the host
        # restarted, or while its service is stopped (Get-WcowHnsUnavailableReason).
        reason = unavailable_reason(error)
        if reason is None:
            return {"available": True, "error": error.message, "networks": []}
        return {"available": False, "error": reason, "networks": []}
    return {"available": True, "error": "", "networks": [network_result(n) for n in networks or [] if n]}


def _service(state: dict, name: str, probes: dict) -> dict:
    entry = read_service(state, name)
    entry["program"] = _probe(state, _program_path(state, entry["image_path"]), probes) if entry["exists"] else None
    return entry


def _program_path(state: dict, image_path: str) -> str:
    """Resolve-WcowProgramPath: the file CreateProcess runs for a command line
    with no application name (a quoted name as it is; an unquoted one tried
    prefix by prefix, ".exe" appended when it has no extension: CreateProcessW,
    lpCommandLine remarks, learn.microsoft.com), or the first word."""
    line = environment.expand(image_path).lstrip()
    if line.startswith('"'):
        end = line.find('"', 1)
        return line[1:] if end < 0 else line[1:end]
    words = line.split(" ")
    for count in range(1, len(words) + 1):
        candidate = " ".join(words[:count])
        if '"' in candidate:
            break
        tries = [candidate] if re.search(r"\.[^\\/.]+$", candidate) else [candidate + ".exe", candidate]
        for path in tries:
            if _test_file(state, path):
                return path
    return words[0]


def _test_file(state: dict, path: str) -> bool:
    """Test-WcowFile: Test-Path's refusal of a path it cannot hold reads as no file."""
    try:
        return files.test_path_leaf(state, path)
    except files.WindowsIOError:
        return False


def _probe(state: dict, path: str, probes: dict) -> dict:
    """Get-WcowVersionProbe: `<path> --version` when the file exists, once per path (case-insensitive)."""
    key = path.lower()
    if key not in probes:
        probes[key] = _run_probe(state, path)
    return dict(probes[key])


def _run_probe(state: dict, path: str) -> dict:
    probe = {"path": path, "exists": _test_file(state, path), "exit_code": None, "stdout": "", "stderr": "",
             "error": ""}
    if not probe["exists"]:
        return probe
    try:
        completed = run_native(state, path, ["--version"], timeout_s=60)
    except PowerShellError as error:
        return {**probe, "error": error.message}
    return {**probe, "exit_code": completed.exit_code, "stdout": completed.stdout, "stderr": completed.stderr}


def _machine_path(state: dict) -> dict:
    record = environment.path_value(state, "machine")
    if record is None:
        return {"kind": "None", "value": None, "expanded_pieces": []}
    kind = environment.VALUE_KINDS[record["type"]]
    # Only String and ExpandString hold a PATH; another kind is reported, not read.
    value = record["value"] if kind in ("String", "ExpandString") else None
    # String.Split(';') keeps empty pieces; each is expanded on its own.
    pieces = [] if value is None else [environment.expand(piece) for piece in value.split(";")]
    return {"kind": kind, "value": value, "expanded_pieces": pieces}


def _reboot(state: dict) -> dict:
    # docs/windows-facts.md#restarts-and-pending-reboots; the indicators boot.py and features.py keep.
    pending = state.get("reboot_pending") or {}
    return {
        "component_based_servicing": bool(pending.get("component_based_servicing")),
        "windows_update": bool(pending.get("windows_update")),
        "pending_file_rename_operations": bool(pending.get("pending_file_rename_operations")),
        "last_boot_time": boot.last_boot_up_time(state),
    }
