"""boot_time_read: Win32_OperatingSystem.LastBootUpTime, UTC with milliseconds."""

from winsim.windows import boot


def run(state: dict, params) -> dict:
    return {"last_boot_time": boot.last_boot_up_time(state)}
