"""container_features_read: feature states, OS product type and edition, pending reboot, last boot time."""

from winsim.windows import boot, features

from .base import PowerShellError, param


def feature_names(params) -> list:
    names = param(params, "names", (list,))
    if not all(isinstance(name, str) for name in names):
        raise PowerShellError("Parameter 'names' has the wrong type.", "InvalidArgument")
    return names


def feature_states(state: dict, names: list) -> list:
    """Get-WcowFeatureState for each name: None where the edition has no such feature."""
    found = []
    for name in names:
        try:
            found.append({"name": name, "state": features.feature_state(state, name)})
        except features.UnknownFeature:
            # The script catches 0x800F080C, "Feature name X is unknown.".
            found.append({"name": name, "state": None})
    return found


def run(state: dict, params) -> dict:
    names = feature_names(params)
    os_info = state["os"]
    pending = state.get("reboot_pending") or {}
    return {
        "features": feature_states(state, names),
        "os": {
            "caption": os_info["caption"],
            "product_type": os_info["product_type"],
            "edition_id": os_info["edition_id"],
            "build": os_info["build"],
        },
        "reboot_pending": {name: bool(pending.get(name)) for name in boot.PENDING_INDICATORS},
        "last_boot_time": boot.last_boot_up_time(state),
    }
