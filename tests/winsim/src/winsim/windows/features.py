"""Optional features as `Get-WindowsOptionalFeature -Online` reports them.

state["features"] maps a feature name to its reported State. Enabling without a
reboot leaves `EnablePending` ("enabled, reboot needed") and marks Component
Based Servicing's RebootPending in state["reboot_pending"]; the reboot settles
both (docs/windows-facts.md#optional-features).
"""

# docs/windows-facts.md#optional-features: the State values.
STATES = (
    "Disabled",
    "DisablePending",
    "Enabled",
    "EnablePending",
    "Superseded",
    "PartiallyInstalled",
    "DisabledWithPayloadRemoved",
)

# docs/windows-facts.md#optional-features: On Server SKUs `Microsoft-Hyper-V-All` does not exist;
# `Microsoft-Hyper-V` and `Containers` do. Client SKUs have the -All parent.
SERVER_FEATURES = ("Containers", "Microsoft-Hyper-V")
CLIENT_FEATURES = ("Containers", "Microsoft-Hyper-V-All", "Microsoft-Hyper-V")


# HRESULTs of the cmdlets' COMException: 0x800F080C "Feature name X is unknown."
# (microsoft/WSL#4661 and #5635), 0x800F081F "The source files could not be
# found." (the message DISM prints with that code, fwlink 243077 included).
UNKNOWN_FEATURE_HRESULT = 0x800F080C
SOURCE_MISSING_HRESULT = 0x800F081F


class UnknownFeature(Exception):
    pass


class SourceFilesNotFound(Exception):
    pass


def _key(state: dict, name: str) -> str:
    # DISM feature names match case-insensitively.
    for key in state["features"]:
        if key.lower() == name.lower():
            return key
    # docs/windows-facts.md#optional-features: Unknown name: "Feature name X is unknown."
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
    if state["features"][key] == "DisabledWithPayloadRemoved":
        # The payload must come from Windows Update or -Source; modelled as a host
        # without either (strictest plausible). DISM's text for 0x800f081f.
        raise SourceFilesNotFound(
            "The source files could not be found. Use the \"Source\" option to specify the location of the "
            "files that are required to restore the feature. For more information on specifying a source location, "
            "see http://go.microsoft.com/fwlink/?LinkId=243077.")
    state["features"][key] = "EnablePending"
    # docs/windows-facts.md#restarts-and-pending-reboots: servicing that needs a restart
    # leaves ...\Component Based Servicing\RebootPending.
    state.setdefault("reboot_pending", {})["component_based_servicing"] = True
    return True


def settle_at_boot(state: dict) -> None:
    for key, value in state["features"].items():
        if value == "EnablePending":
            state["features"][key] = "Enabled"
        elif value == "DisablePending":
            state["features"][key] = "Disabled"
