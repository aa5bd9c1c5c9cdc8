"""What defender_exclusion_read and defender_exclusion_apply share: the snippet `defender`'s view of the lists."""

from winsim.windows import defender

from .base import PowerShellError


def exclusions(preference: dict) -> dict:
    """Get-WcowDefenderExclusions: the lists, or hidden with none when Defender shows its placeholder."""
    processes = [value for value in preference["exclusion_process"] or [] if value is not None]
    paths = [value for value in preference["exclusion_path"] or [] if value is not None]
    if any(value.startswith("N/A:") for value in processes + paths):
        return {"hidden": True, "processes": [], "paths": []}
    return {"hidden": False, "processes": processes, "paths": paths}


def not_modelled(error: defender.NotModelled) -> PowerShellError:
    return PowerShellError(f"winsim: {error}", "NotImplemented")
