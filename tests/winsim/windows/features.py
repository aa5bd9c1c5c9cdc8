"""Optional features as `Get-WindowsOptionalFeature -Online` reports them.

state["features"] maps a feature name to its reported State. Enabling without a
reboot leaves `EnablePending` ("enabled, reboot needed"); the reboot settles it
(wcow-facts.md, "Optional features and reboots").
"""

# wcow-facts.md, "Optional features and reboots": the State values.
STATES = (
    "Disabled",
    "DisablePending",
    "Enabled",
    "EnablePending",
    "Superseded",
    "PartiallyInstalled",
    "DisabledWithPayloadRemoved",
)

# wcow-facts.md: "On Server SKUs `Microsoft-Hyper-V-All` does not exist;
# `Microsoft-Hyper-V` and `Containers` do." Client SKUs have the -All parent.
SERVER_FEATURES = ("Containers", "Microsoft-Hyper-V")
CLIENT_FEATURES = ("Containers", "Microsoft-Hyper-V-All", "Microsoft-Hyper-V")


class UnknownFeature(Exception):
    pass


def _key(state: dict, name: str) -> str:
    # DISM feature names match case-insensitively.
    for key in state["features"]:
        if key.lower() == name.lower():
            return key
    # wcow-facts.md: "Unknown name: "Feature name X is unknown.""
    raise UnknownFeature(f"Feature name {name} is unknown.")


def feature_state(state: dict, name: str) -> str:
    return state["features"][_key(state, name)]


def is_enabled(state: dict, name: str) -> bool:
    """Enabled and effective: `EnablePending` does not count until the reboot."""
    try:
        return feature_state(state, name) == "Enabled"
    except UnknownFeature:
        return False


def enable(state: dict, name: str) -> bool:
    """Enable-WindowsOptionalFeature -NoRestart; returns RestartNeeded."""
    key = _key(state, name)
    if state["features"][key] in ("Enabled", "EnablePending"):
        return state["features"][key] == "EnablePending"
    state["features"][key] = "EnablePending"
    return True


def settle_at_boot(state: dict) -> None:
    for key, value in state["features"].items():
        if value == "EnablePending":
            state["features"][key] = "Enabled"
        elif value == "DisablePending":
            state["features"][key] = "Disabled"
