"""The hklm_marker snippet: what the collection created, one REG_SZ value per thing under
HKLM\\SOFTWARE\\wcow.buildkit\\<Kind> (HnsNetworks, DataRoots), opened in the 64-bit view
(plugins/plugin_utils/powershell/snippets/hklm_marker.ps1; RegistryKey.OpenSubKey returns null for a
missing key, GetValue null for a missing value, DeleteValue(name, $false) ignores a missing one)."""

from __future__ import annotations

from winsim.windows import registry_keys

PARENT = "HKEY_LOCAL_MACHINE\\SOFTWARE\\wcow.buildkit"


def key_of(kind: str) -> str:
    return f"{PARENT}\\{kind}"


def get(state: dict, kind: str, name: str):
    """Get-WcowMarker: the value recorded for `name`, or None."""
    value = registry_keys.get_value(state, key_of(kind), name)
    return None if value is None else str(value)


def set_(state: dict, kind: str, name: str, value: str) -> None:
    """Set-WcowMarker: CreateSubKey (parents included), then SetValue as REG_SZ."""
    registry_keys.create_key(state, key_of(kind))
    registry_keys.set_string(state, key_of(kind), name, value)


def remove(state: dict, kind: str, name: str) -> None:
    """Remove-WcowMarker: DeleteValue(name, $false), then each key it leaves empty, innermost first."""
    for key in (key_of(kind), PARENT):
        if not registry_keys.key_exists(state, key):
            continue
        if key == key_of(kind):
            registry_keys.delete_value(state, key, name, throw_on_missing=False)
        if registry_keys.values(state, key) or registry_keys.subkeys(state, key):
            return
        registry_keys.delete_key(state, key, throw_on_missing=False)
