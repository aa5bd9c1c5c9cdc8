"""Windows registry keys and values under HKEY_LOCAL_MACHINE, as Microsoft.Win32.RegistryKey reaches them.

state["registry_keys"] maps a key path ("HKEY_LOCAL_MACHINE\\SOFTWARE\\...")
to its values: {name: {"type": "REG_SZ", "data": ...}}. A key exists when its
path is in that map; its subkeys are the paths one level below it. Only keys
that wcow.buildkit writes itself are modelled here: the machine PATH
(environment.py) and the services (scm.py) keep their own models.

Key names and value names compare without regard to case and keep the case
they were created with ("The Registry preserves case as you type it for any
entry but ignores case in evaluating the data. The names are
case-insensitive.", Windows NT Workstation Resource Kit, chapter 11;
RegistryKey.DeleteSubKey: "This string is not case-sensitive",
learn.microsoft.com/dotnet/api/microsoft.win32.registrykey.deletesubkey).
"""

from __future__ import annotations

# Keys every Windows installation has.
BASE_KEYS = ("HKEY_LOCAL_MACHINE", "HKEY_LOCAL_MACHINE\\SOFTWARE", "HKEY_LOCAL_MACHINE\\SYSTEM")


class RegistryError(Exception):
    """A .NET exception thrown by a RegistryKey method: `kind` is its type name."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


def _keys(state: dict) -> dict:
    # Host files written before this model existed have no registry keys yet.
    return state.setdefault("registry_keys", {key: {} for key in BASE_KEYS})


def _find(state: dict, path: str):
    wanted = path.rstrip("\\").casefold()
    for key in _keys(state):
        if key.casefold() == wanted:
            return key
    return None


def key_exists(state: dict, path: str) -> bool:
    """RegistryKey.OpenSubKey returns null for a missing key; it does not throw."""
    return _find(state, path) is not None


def subkeys(state: dict, path: str) -> list:
    key = _find(state, path)
    if key is None:
        return []
    prefix = key.casefold() + "\\"
    return [k for k in _keys(state) if k.casefold().startswith(prefix) and "\\" not in k[len(prefix):]]


def values(state: dict, path: str) -> dict:
    key = _find(state, path)
    return {} if key is None else _keys(state)[key]


def get_value(state: dict, path: str, name: str):
    """RegistryKey.GetValue(name): the data, or None when the value is missing."""
    for stored, value in values(state, path).items():
        if stored.casefold() == name.casefold():
            return value["data"]
    return None


def create_key(state: dict, path: str) -> str:
    """RegistryKey.CreateSubKey: opens the key, creating it and any missing parent."""
    path = path.rstrip("\\")
    key = _find(state, path)
    if key is not None:
        return key
    if "\\" in path:
        create_key(state, path.rsplit("\\", 1)[0])
    _keys(state)[path] = {}
    return path


def set_string(state: dict, path: str, name: str, data: str) -> None:
    """RegistryKey.SetValue(name, data, RegistryValueKind.String) on a key opened with CreateSubKey.

    A value of the same name in another case is overwritten and keeps its
    first spelling (names are case-insensitive).
    """
    stored = _keys(state)[create_key(state, path)]
    for existing in list(stored):
        if existing.casefold() == name.casefold():
            name = existing
    stored[name] = {"type": "REG_SZ", "data": data}


def delete_value(state: dict, path: str, name: str, throw_on_missing: bool = True) -> bool:
    """RegistryKey.DeleteValue(name, throwOnMissingValue): True when a value went."""
    stored = values(state, path)
    for existing in list(stored):
        if existing.casefold() == name.casefold():
            del stored[existing]
            return True
    if throw_on_missing:
        # dotnet/runtime ThrowHelper: ExceptionResource.Arg_RegSubKeyValueAbsent.
        raise RegistryError("ArgumentException", "No value exists with that name.")
    return False


def delete_key(state: dict, path: str, throw_on_missing: bool = True) -> bool:
    """RegistryKey.DeleteSubKey(path, throwOnMissingSubKey): its values go with it; subkeys refuse it."""
    key = _find(state, path)
    if key is None:
        if throw_on_missing:
            # ExceptionResource.Arg_RegSubKeyAbsent.
            raise RegistryError("ArgumentException", "Cannot delete a subkey tree because the subkey does not exist.")
        return False
    if subkeys(state, key):
        # ExceptionResource.InvalidOperation_RegRemoveSubKey; learn.microsoft.com
        # RegistryKey.DeleteSubKey: InvalidOperationException when "The subkey has child subkeys".
        raise RegistryError("InvalidOperationException",
                            "Registry key has subkeys and recursive removes are not supported by this method.")
    del _keys(state)[key]
    return True
