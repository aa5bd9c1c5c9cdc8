"""A service's data folders measured and removed as the data_tree snippet does it.

The snippet calls the kernel32 W functions with `\\\\?\\` paths
(winsim.windows.win32_files: MAX_PATH lifted, owners and DACLs checked) and
vmcompute DestroyLayer for a layer folder of containerd's windows
snapshotter (winsim.windows.hcs_layers: the Host Compute Service removes it
whatever its ACLs). The walk never follows a link: a junction or directory
link inside a folder goes as a link (RemoveDirectory removes a junction,
never its target: MicrosoftDocs/sdk-api#1640), and a link given as the folder
itself is refused before anything is touched. A read-only entry is made
writable first (DeleteFile refuses it). A folder that cannot be listed is
counted as unreadable; an entry that cannot be removed is listed with the
system's message and the walk goes on, so that what it keeps is all a second
run meets.
"""

from __future__ import annotations

from winsim.windows import hcs_layers, win32_files

from .base import PowerShellError

LAYER_PARENTS = ("io.containerd.snapshotter.v1.windows", "snapshots")
DIRECTORY = win32_files.FILE_ATTRIBUTE_DIRECTORY
LINK = win32_files.FILE_ATTRIBUTE_REPARSE_POINT
# SetFileAttributes' settable attributes (hidden, system, archive, temporary, offline, not indexed).
SETTABLE = 0x3126


def _long(path: str) -> str:
    return "\\\\?\\" + path.replace("/", "\\")


def _describe(code: int) -> str:
    """DataTree.Describe: a Win32 code's message, or an HRESULT's (FACILITY_WIN32) message."""
    if code >= 0x80000000:
        if code & 0xFFFF0000 == 0x80070000:
            return win32_files.MESSAGES[code & 0xFFFF]
        return f"HRESULT 0x{code:08X}"
    return win32_files.MESSAGES[code]


def _attributes(state: dict, long_path: str) -> tuple[int, int]:
    try:
        return 0, win32_files.get_file_attributes(state, long_path)
    except win32_files.Win32Error as error:
        return error.code, 0


def _list(state: dict, long_path: str) -> tuple[int, list]:
    try:
        return 0, win32_files.find_files(state, long_path)
    except win32_files.Win32Error as error:
        return error.code, []


class ReadFailed(Exception):
    """Measure-WcowPath's throw: the path itself could not be read."""


def measure(state: dict, path: str) -> dict:
    """Measure-WcowPath: {path, type (missing/file/dir/link), files, dirs, bytes, unreadable}."""
    found = {"path": path, "type": "missing", "files": 0, "dirs": 0, "bytes": 0, "unreadable": 0}
    code, attributes = _attributes(state, _long(path))
    if code in (2, 3):
        return found
    if code:
        raise ReadFailed(f"Reading {path} failed: {_describe(code)}")
    if not attributes & DIRECTORY:
        return dict(found, type="file", files=1, bytes=state["files"][win32_files.key_of(state, _long(path))]["size"])
    if attributes & LINK:
        return dict(found, type="link")
    found["type"] = "dir"
    pending = [_long(path)]
    while pending:
        folder = pending.pop()
        code, entries = _list(state, folder)
        if code:
            found["unreadable"] += 1
            continue
        for entry in entries:
            if entry["attributes"] & DIRECTORY:
                found["dirs"] += 1
                if not entry["attributes"] & LINK:
                    pending.append(folder + "\\" + entry["name"])
            else:
                found["files"] += 1
                found["bytes"] += entry["size"]
    return found


def _fail(failed: list, long_path: str, reason: str) -> bool:
    failed.append(f"{long_path[4:]}: {reason}")
    return False


def _remove_entry(state: dict, long_path: str, attributes: int, failed: list) -> bool:
    """Remove-WcowEntry: a file, a link or an emptied folder, read-only cleared first."""
    try:
        if attributes & win32_files.FILE_ATTRIBUTE_READONLY:
            win32_files.set_file_attributes(state, long_path, attributes & SETTABLE or 0x80)
        if attributes & DIRECTORY:
            win32_files.remove_directory(state, long_path)
        else:
            win32_files.delete_file(state, long_path)
    except win32_files.Win32Error as error:
        return _fail(failed, long_path, _describe(error.code))
    return True


def _is_layer(long_path: str) -> bool:
    parts = long_path.lower().split("\\")
    return len(parts) >= 3 and tuple(parts[-3:-1]) == LAYER_PARENTS


def _remove_tree(state: dict, long_path: str, attributes: int, failed: list) -> bool:
    """Remove-WcowTree: True when the folder went."""
    if _is_layer(long_path):
        home, _sep, layer_id = long_path[4:].rpartition("\\")
        try:
            result = hcs_layers.destroy_layer(state, home, layer_id)
        except (hcs_layers.VmcomputeNotLoadable, hcs_layers.EntryPointMissing):
            result = None  # DataTree.DestroyLayer's two catches: the folder is walked like any other
        if result is not None:
            return True if result == hcs_layers.S_OK else _fail(failed, long_path, f"DestroyLayer: {_describe(result)}")
    code, entries = _list(state, long_path)
    if code:
        return _fail(failed, long_path, _describe(code))
    emptied = True
    for entry in entries:
        child = long_path + "\\" + entry["name"]
        if entry["attributes"] & (DIRECTORY | LINK) == DIRECTORY:
            gone = _remove_tree(state, child, entry["attributes"], failed)
        else:
            gone = _remove_entry(state, child, entry["attributes"], failed)
        emptied = emptied and gone
    return emptied and _remove_entry(state, long_path, attributes, failed)


class LinkRefused(Exception):
    pass


def remove(state: dict, path: str) -> dict:
    """Remove-WcowPath: {existed, failed: ["<path>: <reason>", ...]}."""
    outcome = {"existed": False, "failed": []}
    code, attributes = _attributes(state, _long(path))
    if code in (2, 3):
        return outcome
    outcome["existed"] = True
    if code:
        _fail(outcome["failed"], _long(path), _describe(code))
        return outcome
    if attributes & (DIRECTORY | LINK) == DIRECTORY | LINK:
        raise LinkRefused(f"{path} is a link (junction or symbolic link) to another folder; it is not removed. "
                          "Remove it and the data it points to by hand.")
    if attributes & DIRECTORY:
        _remove_tree(state, _long(path), attributes, outcome["failed"])
    else:
        _remove_entry(state, _long(path), attributes, outcome["failed"])
    return outcome


def remove_discarding_outcome(state: dict, path: str) -> None:
    """`$null = Remove-WcowPath -Path <path>`: what cannot be removed stays for a later run; a link given as the
    path is the snippet's throw."""
    try:
        remove(state, path)
    except LinkRefused as error:
        raise PowerShellError(str(error), "OperationStopped") from None
