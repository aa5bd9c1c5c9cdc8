"""The functions of the `service` snippet (plugins/plugin_utils/powershell/snippets/service.ps1),
applied to the simulated host; messages are the ones the script throws."""

from __future__ import annotations

from winsim.programs import daemon_log
from winsim.windows import files, ntfs, processes, sc_exe, scm

from .base import PowerShellError

# Win32_Service.StartMode for registry Start (docs/windows-facts.md#windows-services).
_START_MODES = {0: "Boot", 1: "System", 2: "Auto", 3: "Manual", 4: "Disabled"}


def fail(message: str) -> PowerShellError:
    # `throw "text"` gives an ErrorRecord of category OperationStopped.
    return PowerShellError(message, "OperationStopped")


def one_line(text: str) -> str:
    return " ".join(text.split())


def absent(name: str) -> dict:
    return {
        "name": name, "exists": False, "service_name": "", "image_path": "", "start": 0,
        "delayed_auto_start": False, "start_mode": "", "dependencies": [], "object_name": "",
        "display_name": "", "description": "", "failure_actions": "", "state": "", "process_id": 0,
        "exit_code": 0, "delete_pending": False, "dependents": [], "environment": [],
    }


def read_service(state: dict, name: str) -> dict:
    """Get-WcowService."""
    listed = scm.wmi_service(state, name)
    if listed is None:
        return absent(name)
    key, service, has_key = listed
    if not has_key:
        # Listed by Win32_Service, its key gone: the script catches Get-Item's ItemNotFoundException and reports
        # the service as gone (docs/windows-facts.md#windows-services).
        return absent(name)
    if not scm.key_readable(service, ntfs.operator_token(state)):
        # Any other Get-Item error is not caught: a key the WinRM user may not read (SecurityException).
        raise PowerShellError(scm.REGISTRY_ACCESS_DENIED, "PermissionDenied")
    return {
        "name": name,
        "exists": True,
        "service_name": key,
        "image_path": service["ImagePath"],
        "start": service["Start"],
        "delayed_auto_start": service["DelayedAutostart"] == 1,
        "start_mode": _START_MODES.get(service["Start"], "Unknown"),
        "dependencies": list(service["DependOnService"]),
        "object_name": service["ObjectName"],
        "display_name": service["DisplayName"],
        "description": service["Description"],
        "failure_actions": service["FailureActions"],
        "state": service["State"],
        "process_id": service["ProcessId"],
        "exit_code": service["ExitCode"],
        "delete_pending": service["DeleteFlag"] == 1,
        "dependents": [{"name": d, "state": state["services"][d]["State"]} for d in scm.dependents(state, key)],
        "environment": [entry for entry in service.get("Environment", []) if entry],
    }


def set_environment(state: dict, name: str, entries: list) -> None:
    """Set-WcowServiceEnvironment (service_apply.ps1)."""
    try:
        scm.set_environment(state, name, entries, ntfs.operator_token(state))
    except PermissionError as error:
        # Set-ItemProperty's SecurityException is not caught.
        raise PowerShellError(str(error), "PermissionDenied") from None


def run_native(state: dict, path: str, args: list, user=None, timeout_s: int = 120) -> processes.Completed:
    """Invoke-WcowNative: a program that outlives the wait is killed (it does nothing more) and the wait throws."""
    try:
        return processes.run_program(state, path, args, user=user, wait_s=timeout_s)
    except processes.StartError as error:
        raise fail(f"Cannot run {path}: {error.message}") from None
    except processes.StillRunning:
        raise fail(f"{path} did not finish within {timeout_s} s and was stopped.") from None


def invoke_sc(state: dict, args: list) -> None:
    """Invoke-WcowSc."""
    code, output = sc_exe.run(state, args)
    if code != 0:
        raise fail(f"sc.exe {args[0]} failed: {one_line(output)}")


def log_tail(state: dict, path: str | None, count: int = 5) -> str:
    """Get-WcowLogTail."""
    if not path:
        return ""
    if not files.is_file(state, path):
        return f" {path} does not exist."
    lines = [line for line in daemon_log.read_lines(state, path)[-count:] if line.strip()]
    if not lines:
        return f" {path} is empty."
    return f" Last lines of {path}: {' | '.join(lines)}"


def start(state: dict, name: str, log_file: str | None, timeout: int) -> None:
    """Start-WcowService: StartService, then wait for Running (and look once more). A service whose program
    reports Start Pending for longer than the wait is left so, and the wait throws."""
    try:
        scm.start_service(state, name)
    except scm.Win32Error as error:
        raise fail(f"Starting service '{name}' failed: {error.message.rstrip('.')} (Win32 error {error.code})."
                   f"{log_tail(state, log_file)}") from None
    key = scm.find(state, name)
    service = state["services"].get(key) if key else None
    if service is not None and service["State"] == "Start Pending":
        if service["StartsAfterS"] > timeout:
            raise fail(f"Service '{key}' did not become Running within {timeout} s; it is Start Pending."
                       f"{log_tail(state, log_file)}")
        processes.finish_start(state, key)
    if service is None or service["State"] == "Stopped":
        code = service["ExitCode"] if service else 1067
        message = scm.MESSAGES.get(code, f"Win32 error {code}").rstrip(".")
        raise fail(f"Service '{key or name}' stopped while starting (exit code {code}: {message})."
                   f"{log_tail(state, log_file)}")


def stop(state: dict, name: str, force: bool) -> list:
    """Stop-WcowService: returns the dependents it stopped."""
    key, service = scm.record(state, name)
    if service["State"] == "Stopped":
        return []
    running = [d for d in scm.dependents(state, key) if state["services"][d]["State"] != "Stopped"]
    if running and not force:
        # Stop-Service's message without -Force (docs/windows-facts.md#windows-services).
        raise fail(f"Cannot stop service '{service['DisplayName']} ({key})' because it has dependent services. "
                   "It can only be stopped if the Force flag is set.")
    for dependent in running:
        _stop_one(state, dependent)
    _stop_one(state, key)
    return running


def _stop_one(state: dict, key: str) -> None:
    if state["services"][key]["State"] == "Stopped":
        return
    try:
        scm.stop_service(state, key)
    except scm.Win32Error as error:
        raise fail(f"Stopping service '{key}' failed: {error.message.rstrip('.')}.") from None


def wait_gone(state: dict, name: str, timeout: int) -> None:
    """Wait-WcowServiceGone (no time passes here: what is still there stays)."""
    if read_service(state, name)["exists"]:
        raise fail(f"Service '{name}' is marked for deletion but still exists after {timeout} s "
                   "(a program holds a handle to it, for example services.msc).")


SC_START = {"auto": "auto", "delayed": "delayed-auto", "manual": "demand", "disabled": "disabled"}


def sc_start_of(service: dict) -> str:
    """ConvertTo-WcowScStartOf."""
    if service["start"] == 2 and service["delayed_auto_start"]:
        return "delayed-auto"
    return {0: "boot", 1: "system", 2: "auto", 3: "demand"}.get(service["start"], "disabled")


def sc_depend(dependencies: list) -> str:
    names = [str(d) for d in dependencies if d]
    return "/".join(names) if names else "/"


def sc_actions(actions: list) -> str:
    parts = []
    for action in actions:
        if action is None:
            continue
        kind = str(action["type"])
        parts += ["" if kind == "none" else kind, str(int(action["delay_ms"]))]
    return "/".join(parts)


def sc_failure_of(encoded: str) -> list:
    """ConvertFrom-WcowFailureActions."""
    import base64
    import struct

    if not encoded:
        return ["reset=", "0", "actions=", ""]
    data = base64.b64decode(encoded)
    names = {0: "", 1: "restart", 2: "reboot", 3: "run"}
    count = struct.unpack_from("<I", data, 12)[0]
    parts = []
    for index in range(count):
        kind, delay = struct.unpack_from("<2I", data, 20 + 8 * index)
        parts += [names.get(kind, ""), str(delay)]
    return ["reset=", str(struct.unpack_from("<I", data, 0)[0]), "actions=", "/".join(parts)]
