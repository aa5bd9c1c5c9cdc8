"""The service control manager: the services database and starting and stopping services.

State: state["services"] maps a service name (as created) to its record, the
values of HKLM\\SYSTEM\\CurrentControlSet\\Services\\<name> plus run-time status
(docs/windows-facts.md#windows-services):

    {"ImagePath": str (REG_EXPAND_SZ, unexpanded), "Type": 16, "Start": 2 | 3 | 4,
     "DelayedAutostart": 0 | 1, "ErrorControl": 1, "DependOnService": [names],
     "ObjectName": str, "DisplayName": str, "Description": str,
     "FailureActions": base64 of the REG_BINARY, or "",
     "DeleteFlag": 0 | 1, "State": "Running" | "Stopped", "ProcessId": int,
     "ExitCode": int (Win32_Service.ExitCode), "Runtime": what the program keeps while it runs, or None,
     "Environment": [NAME=value, ...] (REG_MULTI_SZ; absent when the key has no such value)}

Service names compare case-insensitively. Failures raise Win32Error with the
code and system message the Win32 service API returns.

A removed service's key goes before the SCM's database forgets it:
state["services_listed_without_key"] holds the records Win32_Service still
lists once more, with no registry key behind them (`wmi_service`;
docs/windows-facts.md#windows-services). A boot clears them.
"""

from __future__ import annotations

import base64
import struct

from ..host import faults
from . import ntfs

OWN_PROCESS = 16
ERROR_NORMAL = 1
START_AUTO, START_DEMAND, START_DISABLED = 2, 3, 4
LOCAL_SYSTEM = "LocalSystem"

# System messages of the Win32 errors the service API returns (docs/windows-facts.md#service-control-errors;
# winerror.h for 2, 3, 87, 123, 193, 1053, 1059, 1061, 1062, 1067, 1078).
MESSAGES = {
    2: "The system cannot find the file specified.",
    3: "The system cannot find the path specified.",
    5: "Access is denied.",
    87: "The parameter is incorrect.",
    123: "The filename, directory name, or volume label syntax is incorrect.",
    193: "%1 is not a valid Win32 application.",
    1051: "A stop control has been sent to a service that other running services are dependent on.",
    1053: "The service did not respond to the start or control request in a timely fashion.",
    1056: "An instance of the service is already running.",
    1058: "The service cannot be started, either because it is disabled or because it has no enabled devices "
          "associated with it.",
    1059: "Circular service dependency was specified.",
    1060: "The specified service does not exist as an installed service.",
    1061: "The service cannot accept control messages at this time.",
    1062: "The service has not been started.",
    1067: "The process terminated unexpectedly.",
    1068: "The dependency service or group failed to start.",
    1072: "The specified service has been marked for deletion.",
    1073: "The specified service already exists.",
    1075: "The dependency service does not exist or has been marked for deletion.",
    1078: "The name is already in use as either a service name or a service display name.",
}


class Win32Error(Exception):
    def __init__(self, code: int, api: str = ""):
        super().__init__(MESSAGES.get(code, f"Win32 error {code}"))
        self.code = code
        self.api = api
        self.message = MESSAGES.get(code, f"Win32 error {code}")


def _services(state: dict) -> dict:
    return state.setdefault("services", {})


def find(state: dict, name: str) -> str | None:
    """The stored name of service `name` (names compare case-insensitively), or None."""
    wanted = name.casefold()
    return next((key for key in _services(state) if key.casefold() == wanted), None)


def record(state: dict, name: str, api: str = "OpenService") -> tuple[str, dict]:
    key = find(state, name)
    if key is None:
        raise Win32Error(1060, api)
    return key, _services(state)[key]


def _refuse_duplicate_names(state: dict, name: str, display_name: str, except_key: str | None = None) -> None:
    # CreateService / ChangeServiceConfig: ERROR_DUPLICATE_SERVICE_NAME when the
    # display name is another service's name or display name (learn.microsoft.com).
    for key, other in _services(state).items():
        if key == except_key:
            continue
        if display_name.casefold() in (key.casefold(), other["DisplayName"].casefold()) or (
                except_key is None and name.casefold() == other["DisplayName"].casefold()):
            raise Win32Error(1078, "CreateService" if except_key is None else "ChangeServiceConfig")


def _refuse_cycle(state: dict, key: str, dependencies: list, api: str) -> None:
    # ERROR_CIRCULAR_DEPENDENCY (CreateService, ChangeServiceConfig).
    seen, todo = set(), list(dependencies)
    while todo:
        name = todo.pop()
        if name.casefold() == key.casefold():
            raise Win32Error(1059, api)
        other = find(state, name)
        if other is None or other in seen:
            continue
        seen.add(other)
        todo.extend(_services(state)[other]["DependOnService"])


def create_service(state: dict, name: str, image_path: str, start: int = START_DEMAND, display_name: str = "",
                   dependencies: list | None = None, object_name: str = "", delayed: bool = False) -> str:
    """CreateService: fails with 1073 when the name exists, 1072 while it is marked for deletion."""
    faults.before_scm_change()
    existing = find(state, name)
    if existing is not None:
        raise Win32Error(1072 if _services(state)[existing]["DeleteFlag"] else 1073, "CreateService")
    if not name or "/" in name or "\\" in name or len(name) > 256:
        # CreateService: ERROR_INVALID_NAME; names hold no slashes, 256 characters at most.
        raise Win32Error(123, "CreateService")
    if start not in (START_AUTO, START_DEMAND, START_DISABLED):
        raise Win32Error(87, "CreateService")
    display_name = display_name or name
    _refuse_duplicate_names(state, name, display_name)
    dependencies = list(dependencies or [])
    _refuse_cycle(state, name, dependencies, "CreateService")
    _services(state)[name] = {
        "ImagePath": image_path,
        "Type": OWN_PROCESS,
        "Start": start,
        "DelayedAutostart": 1 if delayed and start == START_AUTO else 0,
        "ErrorControl": ERROR_NORMAL,
        "DependOnService": dependencies,
        # No account given: the service runs as LocalSystem (CreateService lpServiceStartName).
        "ObjectName": object_name or LOCAL_SYSTEM,
        "DisplayName": display_name,
        "Description": "",
        "FailureActions": "",
        "DeleteFlag": 0,
        "State": "Stopped",
        "ProcessId": 0,
        "ExitCode": 1077,  # ERROR_SERVICE_NEVER_STARTED, what Win32_Service shows before a first start
        "Runtime": None,
    }
    return name


def delete_service(state: dict, name: str) -> None:
    """DeleteService: a stopped service goes at once; a running one is marked
    and goes when it stops (docs/windows-facts.md#service-control-errors: 1072 "marked for deletion").
    service["OpenHandles"], set by a test: another program (services.msc, a monitoring agent) holds handles to
    it, and "the database entry is not removed until all open handles to the service have been closed ... and
    the service is not running" (learn.microsoft.com, "DeleteService"); a restart closes them."""
    faults.before_scm_change()
    key, service = record(state, name)
    if service["DeleteFlag"]:
        raise Win32Error(1072, "DeleteService")
    if service["State"] == "Stopped" and not service.get("OpenHandles"):
        _remove(state, key)
    else:
        service["DeleteFlag"] = 1


def change_config(state: dict, name: str, image_path: str | None = None, start: int | None = None,
                  delayed: bool | None = None, dependencies: list | None = None,
                  display_name: str | None = None, object_name: str | None = None) -> None:
    """ChangeServiceConfig (and the delayed-auto-start part of ChangeServiceConfig2).

    A new command line takes effect at the next start; a running service keeps
    the process it has."""
    key, service = record(state, name)
    if service["DeleteFlag"]:
        raise Win32Error(1072, "ChangeServiceConfig")
    if start is not None and start not in (START_AUTO, START_DEMAND, START_DISABLED):
        raise Win32Error(87, "ChangeServiceConfig")
    if display_name is not None:
        _refuse_duplicate_names(state, key, display_name, except_key=key)
    if dependencies is not None:
        _refuse_cycle(state, key, list(dependencies), "ChangeServiceConfig")
        service["DependOnService"] = list(dependencies)
    if image_path is not None:
        service["ImagePath"] = image_path
    if start is not None:
        service["Start"] = start
    if delayed is not None:
        service["DelayedAutostart"] = 1 if delayed else 0
    if display_name is not None:
        service["DisplayName"] = display_name or key
    if object_name is not None:
        service["ObjectName"] = object_name


def set_description(state: dict, name: str, description: str) -> None:
    _key, service = record(state, name)
    if service["DeleteFlag"]:
        raise Win32Error(1072, "ChangeServiceConfig2")
    service["Description"] = description


SC_ACTION_TYPES = {"none": 0, "restart": 1, "reboot": 2, "run": 3}


def encode_failure_actions(reset_period: int, actions: list) -> str:
    """The FailureActions REG_BINARY (base64) for [(type_code, delay_ms), ...]: reset
    period, two placeholders, count, a placeholder, then type/delay pairs
    (docs/windows-facts.md#windows-services; the SCM writes 0x14 as the array placeholder)."""
    if not actions:
        return ""
    data = struct.pack("<5I", reset_period, 0, 0, len(actions), 0x14)
    for kind, delay in actions:
        data += struct.pack("<2I", kind, delay)
    return base64.b64encode(data).decode("ascii")


def set_failure_actions(state: dict, name: str, reset_period: int, actions: list) -> None:
    """ChangeServiceConfig2(SERVICE_CONFIG_FAILURE_ACTIONS); no actions deletes them
    (SERVICE_FAILURE_ACTIONS: cActions 0 deletes the reset period and the actions)."""
    _key, service = record(state, name)
    if service["DeleteFlag"]:
        raise Win32Error(1072, "ChangeServiceConfig2")
    service["FailureActions"] = encode_failure_actions(reset_period, actions)


def dependents(state: dict, name: str) -> list[str]:
    """EnumDependentServices: every service that depends on `name`, directly or
    not, in reverse start order (deepest first), as ServiceController.DependentServices lists them."""
    key = find(state, name)
    if key is None:
        return []
    order: list[str] = []

    def visit(target: str) -> None:
        for other, service in _services(state).items():
            if any(dep.casefold() == target.casefold() for dep in service["DependOnService"]) and other not in order:
                visit(other)
                order.append(other)

    visit(key)
    return order


def start_service(state: dict, name: str, _starting: tuple = ()) -> None:
    """StartService: dependencies first; a missing one fails with 1075, a failing
    one with 1068 (docs/windows-facts.md#windows-services: Start-Service starts dependencies first)."""
    from . import processes

    key, service = record(state, name)
    if service["DeleteFlag"]:
        raise Win32Error(1072, "StartService")
    if service["State"] != "Stopped":
        raise Win32Error(1056, "StartService")
    if service["Start"] == START_DISABLED:
        raise Win32Error(1058, "StartService")
    for dependency in service["DependOnService"]:
        if dependency.startswith("+"):
            continue  # a load-order group (SC_GROUP_IDENTIFIER): nothing to start here
        other = find(state, dependency)
        if other is None or _services(state)[other]["DeleteFlag"]:
            raise Win32Error(1075, "StartService")
        if _services(state)[other]["State"] == "Running" or other in _starting:
            continue
        try:
            start_service(state, other, _starting + (key,))
        except Win32Error:
            raise Win32Error(1068, "StartService") from None
    processes.launch_service(state, key)


def stop_service(state: dict, name: str) -> None:
    """ControlService(SERVICE_CONTROL_STOP): 1051 while a dependent runs, 1062 when not running, 1061 while
    starting or stopping."""
    from . import processes

    key, service = record(state, name)
    if service["State"] == "Stopped":
        raise Win32Error(1062, "ControlService")
    if service["State"] in ("Start Pending", "Stop Pending"):
        # ControlService: ERROR_SERVICE_CANNOT_ACCEPT_CTRL "because the state of the service is SERVICE_STOPPED,
        # SERVICE_START_PENDING, or SERVICE_STOP_PENDING" (learn.microsoft.com, "ControlService").
        raise Win32Error(1061, "ControlService")
    if any(_services(state)[d]["State"] != "Stopped" for d in dependents(state, key)):
        raise Win32Error(1051, "ControlService")
    processes.end_service(state, key, exit_code=0)


def service_stopped(state: dict, key: str, exit_code: int) -> None:
    """Bookkeeping once a service's process is gone; a service marked for deletion goes now."""
    service = _services(state)[key]
    service.update(State="Stopped", ProcessId=0, ExitCode=exit_code, Runtime=None)
    if service["DeleteFlag"] and not service.get("OpenHandles"):
        _remove(state, key)


def _remove(state: dict, key: str) -> None:
    """The SCM removes a deleted service: its registry key at once, its listing one read later."""
    record_ = _services(state).pop(key)
    state.setdefault("services_listed_without_key", {})[key] = record_


# KEY_QUERY_VALUE: what RegistryKey needs to open a key for reading (learn.microsoft.com, "Registry Key Security and
# Access Rights").
KEY_QUERY_VALUE = 0x1
KEY_SET_VALUE = 0x2
REGISTRY_ACCESS_DENIED = "Requested registry access is not allowed."


def key_readable(record_: dict, token: set) -> bool:
    """Whether the token may read the service's key; record["KeySddl"] is its DACL, absent meaning the default
    (Administrators and SYSTEM full control). A key locked down by hand or by security software refuses."""
    sddl = record_.get("KeySddl")
    return sddl is None or bool(ntfs.sddl_granted(sddl, token) & KEY_QUERY_VALUE)


def set_environment(state: dict, name: str, entries: list, token: set) -> None:
    """New-ItemProperty -PropertyType MultiString -Force / Remove-ItemProperty of the key's Environment value: the NAME=value
    strings the SCM gives the process when it next starts the service (a running process keeps the environment
    it was started with). Refused, as Get-Item is, when the key's DACL denies the token KEY_SET_VALUE
    (docs/windows-facts.md#service-environment)."""
    _key, service = record(state, name)
    sddl = service.get("KeySddl")
    if sddl is not None and not ntfs.sddl_granted(sddl, token) & KEY_SET_VALUE:
        raise PermissionError(REGISTRY_ACCESS_DENIED)
    if any("\0" in entry for entry in entries):
        # REG_MULTI_SZ: each string ends at its NUL (learn.microsoft.com, "Registry value types").
        raise ValueError("a REG_MULTI_SZ string cannot hold a NUL")
    if entries:
        service["Environment"] = list(entries)
    else:
        service.pop("Environment", None)


def wmi_service(state: dict, name: str) -> tuple[str, dict, bool] | None:
    """Win32_Service's instance of `name`: (stored name, record, whether its registry key exists), or None.

    A service removed a moment ago is listed once more without its key (MicrosoftDocs/windowsserverdocs#3238:
    services.msc lists services whose keys are gone); that read is its last.
    """
    key = find(state, name)
    if key is not None:
        return key, _services(state)[key], True
    lingering = state.get("services_listed_without_key", {})
    wanted = name.casefold()
    for stored in list(lingering):
        if stored.casefold() == wanted:
            return stored, lingering.pop(stored), False
    return None


def on_boot(state: dict) -> None:
    """A boot: every service process is gone, services marked for deletion go,
    then the SCM starts the automatic ones, dependencies first, and leaves a
    failing one stopped ("Automatically Starting Services", Microsoft Learn:
    the SCM starts auto-start services and the services they depend on at
    boot; a failed start is logged and boot goes on). Delayed automatic ones
    start after the others (SERVICE_CONFIG_DELAYED_AUTO_START_INFO)."""
    from . import processes

    state.pop("services_listed_without_key", None)
    for key in list(_services(state)):
        # Every process is gone, and the handles they held with it.
        _services(state)[key].pop("OpenHandles", None)
        if _services(state)[key]["State"] != "Stopped":
            processes.end_service(state, key, exit_code=0)
        elif _services(state)[key]["DeleteFlag"]:
            _services(state).pop(key)
    automatic = [key for key, service in _services(state).items() if service["Start"] == START_AUTO]
    ordered = sorted(automatic, key=lambda key: _services(state)[key]["DelayedAutostart"])
    for key in ordered:
        if key in _services(state) and _services(state)[key]["State"] == "Stopped":
            try:
                start_service(state, key)
            except Win32Error:
                pass
            if key in _services(state) and _services(state)[key]["State"] == "Start Pending":
                processes.finish_start(state, key)  # a boot outlasts any start
