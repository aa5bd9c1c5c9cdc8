"""Boots of a simulated host: boot id, last boot time, what settles at boot."""

import datetime

from . import features, hns
from .guids import new_guid, seeded_int

_EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def first_boot(state: dict) -> None:
    """The boot that brought a fresh host up; times are seeded for reproducibility."""
    offset = datetime.timedelta(seconds=seeded_int("boot", state["hostname"].lower()) % 86400)
    state["boot"] = {"count": 1, "id": new_guid(state), "last_boot_time": (_EPOCH + offset).strftime(_TIME_FORMAT)}
    hns.on_boot(state)


def reboot(state: dict) -> None:
    # ansible.windows win_reboot detects the reboot by a changed
    # Win32_OperatingSystem.LastBootUpTime (wcow-facts.md, "Optional features and reboots").
    last = datetime.datetime.strptime(state["boot"]["last_boot_time"], _TIME_FORMAT)
    state["boot"] = {
        "count": state["boot"]["count"] + 1,
        "id": new_guid(state),
        "last_boot_time": (last + datetime.timedelta(minutes=30)).strftime(_TIME_FORMAT),
    }
    features.settle_at_boot(state)
    hns.on_boot(state)
