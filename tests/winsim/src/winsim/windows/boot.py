"""Boots of a simulated host: boot id, last boot time, scheduled restarts, what settles at boot.

state["boot"] holds `count`, `id` (the simulator's own: Windows has no boot id
that a client reads), `last_boot_time` (UTC, whole seconds), the
restart knobs `reboot_downtime_s` and `shutdown_grace_s`, and `shutdown`: the
restart that shutdown.exe scheduled, or None. state["reboot_pending"] holds
the pending-reboot indicators (docs/windows-facts.md#restarts-and-pending-reboots).

A scheduled restart goes through phases by wall-clock time (epoch seconds):

- `scheduled`, before its time: the host answers; another shutdown.exe /r
  gets 1190;
- `shutting_down`, for shutdown_grace_s: services stop but WinRM still
  answers; shutdown.exe gets 1115;
- `down`, for reboot_downtime_s: WinRM does not answer;
- `due`: the host has booted; `finish_due_restart` applies the boot, which the
  server does at the first request it sees.

Hooks in ON_BOOT run at every boot after the features and HNS settle: the
service control manager registers there, to start automatic services.
"""

import datetime
import importlib
import importlib.util
import random

from . import features, hns
from .guids import new_guid, seeded_int

_EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# How long the host stays unreachable while it restarts, and how long WinRM
# keeps answering once the shutdown has begun (services stop one by one; not
# documented, modelled so that shutdown.exe's 1115, docs/windows-facts.md#restarts-and-pending-reboots, can be met).
# Tests change them per host in state["boot"].
DEFAULT_REBOOT_DOWNTIME_S = 2.0
DEFAULT_SHUTDOWN_GRACE_S = 0.5

PENDING_INDICATORS = ("component_based_servicing", "windows_update", "pending_file_rename_operations")

# Callables hook(state) run at each boot, in order, after features and HNS.
ON_BOOT: list = []


def first_boot(state: dict) -> None:
    """The boot that brought a fresh host up; times are seeded for reproducibility."""
    offset = datetime.timedelta(seconds=seeded_int("boot", state["hostname"].lower()) % 86400)
    state["boot"] = {
        "count": 1,
        "id": new_guid(state),
        "last_boot_time": (_EPOCH + offset).strftime(_TIME_FORMAT),
        "reboot_downtime_s": DEFAULT_REBOOT_DOWNTIME_S,
        "shutdown_grace_s": DEFAULT_SHUTDOWN_GRACE_S,
        "shutdown": None,
    }
    state["reboot_pending"] = {name: False for name in PENDING_INDICATORS}
    hns.on_boot(state)


def reboot(state: dict) -> None:
    # ansible.windows win_reboot detects the reboot by a changed
    # Win32_OperatingSystem.LastBootUpTime (docs/windows-facts.md#restarts-and-pending-reboots).
    last = datetime.datetime.strptime(state["boot"]["last_boot_time"], _TIME_FORMAT)
    state["boot"].update(
        count=state["boot"]["count"] + 1,
        id=new_guid(state),
        last_boot_time=(last + datetime.timedelta(minutes=30)).strftime(_TIME_FORMAT),
        shutdown=None,
    )
    # The restart completes what the indicators were waiting for.
    state["reboot_pending"] = {name: False for name in PENDING_INDICATORS}
    features.settle_at_boot(state)
    hns.on_boot(state)
    for hook in _boot_hooks():
        hook(state)


def _boot_hooks() -> list:
    # The service model registers itself in ON_BOOT when imported; import it
    # here so that a boot starts services even if no service operation ran yet.
    hooks = list(ON_BOOT)
    if importlib.util.find_spec(f"{__package__}.scm") is not None:
        scm = importlib.import_module(f"{__package__}.scm")
        on_boot = getattr(scm, "on_boot", None)
        if callable(on_boot) and on_boot not in hooks:
            hooks.append(on_boot)
    return hooks


def last_boot_up_time(state: dict) -> str:
    """Win32_OperatingSystem.LastBootUpTime in UTC with milliseconds, as the operations print it.

    Windows derives it from the tick count, so two reads of one boot may differ
    by a few milliseconds (elastic/beats#12591; prometheus-community/
    windows_exporter#74): each read here is off by up to 3 ms.
    """
    boot = datetime.datetime.strptime(state["boot"]["last_boot_time"], _TIME_FORMAT)
    read = boot + datetime.timedelta(milliseconds=random.randint(-3, 3))
    return read.strftime("%Y-%m-%dT%H:%M:%S.") + f"{read.microsecond // 1000:03d}Z"


def schedule_restart(state: dict, delay_s: int, comment: str, now: float) -> None:
    state["boot"]["shutdown"] = {"at": now + delay_s, "restart": True, "comment": comment}


def cancel_shutdown(state: dict) -> None:
    state["boot"]["shutdown"] = None


def shutdown_phase(state: dict, now: float) -> str:
    """`none`, `scheduled`, `shutting_down`, `down` or `due` (see the module doc)."""
    boot = state.get("boot") or {}
    shutdown = boot.get("shutdown")
    if not shutdown:
        return "none"
    grace = float(boot.get("shutdown_grace_s", DEFAULT_SHUTDOWN_GRACE_S))
    downtime = float(boot.get("reboot_downtime_s", DEFAULT_REBOOT_DOWNTIME_S))
    if now < shutdown["at"]:
        return "scheduled"
    if now < shutdown["at"] + grace:
        return "shutting_down"
    if now < shutdown["at"] + grace + downtime:
        return "down"
    return "due"


def finish_due_restart(state: dict, now: float) -> bool:
    """Boot the host if its restart is due; True when it booted."""
    if shutdown_phase(state, now) != "due":
        return False
    reboot(state)
    return True
