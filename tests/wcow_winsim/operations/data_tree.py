"""A service's data folders measured and removed as the data_tree snippet does it.

The walk never follows a link: a junction or directory symbolic link inside a
folder goes as a link (RemoveDirectory removes a junction, never its target:
MicrosoftDocs/sdk-api#1640), and a link given as the folder itself is
refused. Each entry's read-only attribute is cleared before it is deleted,
since [IO.File]::Delete refuses a read-only file (files.delete). The first
failure stops the walk: a file a process holds open gives the sharing
violation (files.delete), and what was removed before stays removed.
"""

from __future__ import annotations

import base64

from winsim.windows import files


def _is_link(record: dict) -> bool:
    return record["type"] == "dir" and bool(record.get("link_target"))


def measure(state: dict, path: str) -> dict:
    """Measure-WcowPath: {path, type (missing/file/dir/link), files, dirs, bytes}."""
    found = {"path": path, "type": "missing", "files": 0, "dirs": 0, "bytes": 0}
    record = files.lookup(state, path)
    if record is None:
        return found
    if record["type"] == "file":
        return dict(found, type="file", files=1, bytes=len(base64.b64decode(record["content_b64"])))
    if _is_link(record):
        return dict(found, type="link")
    found["type"] = "dir"
    pending = [files.find_key(state, path)]
    while pending:
        for key in files.children(state, pending.pop()):
            entry = state["files"][key]
            if entry["type"] == "dir":
                found["dirs"] += 1
                if not _is_link(entry):
                    pending.append(key)
            else:
                found["files"] += 1
                found["bytes"] += len(base64.b64decode(entry["content_b64"]))
    return found


class RemoveError(Exception):
    """A .NET call failed: `call` and `count` name the method as PowerShell's message does."""

    def __init__(self, call: str, count: int, error: files.WindowsIOError):
        super().__init__(error.message)
        self.message = f'Exception calling "{call}" with "{count}" argument(s): "{error.message}"'


def _delete_file(state: dict, key: str) -> None:
    files.clear_readonly(state, key)
    try:
        files.delete(state, key)
    except files.WindowsIOError as error:
        raise RemoveError("Delete", 1, error) from None


def _delete_dir(state: dict, key: str) -> None:
    try:
        files.remove_empty_dir(state, key)
    except files.WindowsIOError as error:
        raise RemoveError("Delete", 2, error) from None


def _remove_entries(state: dict, folder: str) -> None:
    for key in files.children(state, folder):
        record = state["files"].get(key)
        if record is None:
            continue
        if record["type"] == "dir":
            if not _is_link(record):
                _remove_entries(state, key)
            _delete_dir(state, key)
        else:
            _delete_file(state, key)


class LinkRefused(Exception):
    pass


def remove(state: dict, path: str) -> bool:
    """Remove-WcowPath: a file, or a folder and all below it; True when something was there."""
    key = files.find_key(state, path)
    if key is None:
        return False
    record = state["files"][key]
    if record["type"] == "file":
        _delete_file(state, key)
        return True
    if _is_link(record):
        raise LinkRefused(f"{path} is a link (junction or symbolic link) to another folder; it is not removed. "
                          "Remove it and the data it points to by hand.")
    _remove_entries(state, key)
    _delete_dir(state, key)
    return True
