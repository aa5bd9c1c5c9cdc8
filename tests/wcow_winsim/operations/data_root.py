"""The data_root snippet: the data roots the collection created, recorded in HKLM, and what a path is on the way.

One REG_SZ value per root under HKLM\\SOFTWARE\\wcow.buildkit\\DataRoots, named
after the root's path, its data the folder's identity when the collection
created it: FILE_ID_INFO's volume serial number and 128-bit file id
(winsim.windows.win32_files.file_id: a folder deleted and created again has
another). `read` is Get-WcowDataRoot: the first reparse point from the drive
down to the path (GetFileAttributesW of each part, intermediate links
followed as Windows follows them), the final path of the opened folder
(GetFinalPathNameByHandleW), its identity and whether the marker agrees
(docs/windows-facts.md#reparse-points-and-final-paths).
"""

from __future__ import annotations

from winsim.windows import win32_files

from . import hklm_marker
from .base import PowerShellError

MARKER_KEY = hklm_marker.key_of("DataRoots")


def marker_get(state: dict, path: str):
    return hklm_marker.get(state, "DataRoots", path)


def marker_set(state: dict, path: str, ident: str) -> None:
    hklm_marker.set_(state, "DataRoots", path, ident)


def marker_remove(state: dict, path: str) -> None:
    hklm_marker.remove(state, "DataRoots", path)


def _read_failed(path: str, code: int) -> PowerShellError:
    # Assert-WcowDataRootRead's throw: a terminating error, category OperationStopped.
    return PowerShellError(f"Reading {path} to check it is a data root of this collection failed: "
                           f"{win32_files.MESSAGES[code]}", "OperationStopped")


def reparse_point_along(state: dict, path: str):
    """Find-WcowReparsePoint."""
    try:
        return win32_files.reparse_point_along(state, "\\\\?\\" + path.replace("/", "\\"))
    except win32_files.Win32Error as error:
        raise _read_failed(path, error.code) from None


def identity(state: dict, path: str) -> str:
    """The "<serial>-<id>" text DataRoot.Identify formats (16 hex digits each, the id's high half first)."""
    serial, low = win32_files.file_id(state, "\\\\?\\" + path)
    return f"{serial:016X}-{0:016X}{low:016X}"


def read(state: dict, path: str) -> dict:
    """Get-WcowDataRoot: {path, exists, link, id, marker, marked}."""
    found = {"path": path, "exists": False, "link": None, "id": None, "marker": marker_get(state, path),
             "marked": False}
    # Get-WcowDataRoot turns "/" into "\\" before the \\?\ calls (which do not normalise).
    path = path.replace("/", "\\").rstrip("\\")
    found["link"] = reparse_point_along(state, path)
    try:
        win32_files.get_file_attributes(state, "\\\\?\\" + path)
    except win32_files.Win32Error as error:
        if error.code in (2, 3):
            return found
    found["exists"] = True
    if found["link"]:
        return found
    try:
        final = win32_files.final_path(state, "\\\\?\\" + path)[4:]
        ident = identity(state, path)
    except win32_files.Win32Error as error:
        raise _read_failed(path, error.code) from None
    # PowerShell's -ne compares strings without regard to case.
    if final.casefold() != path.casefold():
        return dict(found, link=final)
    return dict(found, id=ident, marked=found["marker"] is not None and found["marker"].casefold() == ident.casefold())
