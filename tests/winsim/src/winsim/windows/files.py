"""The host's file system: state["files"] maps a Windows path to a record.

A record is {"type": "dir"} or {"type": "file", "content_b64", "size",
"sha256", "in_use"} (a running program's file: it cannot be written or deleted, but can be renamed); a file
may carry "held_open": true (another program, a virus scanner reading a file just written, holds it open without
FILE_SHARE_DELETE: it can be read, not renamed, deleted or written; state["scanner_holds"] lists the lower-cased
file names a scanner holds once written, docs/windows-facts.md#files-in-use), "readonly": true (FILE_ATTRIBUTE_READONLY) and a
directory "link_target" (a junction or directory symbolic link: nothing is
stored below it, what it points to is elsewhere). Any record may carry "sddl",
its owner and DACL (winsim.windows.ntfs): the .NET calls below that delete,
list or change attributes check them against the token of the user the
operations run as, and refuse paths of MAX_PATH characters or more as
Windows PowerShell 5.1's System.IO does. Paths compare case-insensitively and accept `/` for `\\`;
keys keep the spelling they were written with. Errors carry the messages of
the .NET System.IO exceptions that PowerShell shows.
"""

from __future__ import annotations

import base64
import hashlib

from ..host import faults
from . import ntfs

# Directories every profile has (a fresh Windows installation).
BASE_DIRECTORIES = (
    "C:\\",
    "C:\\Windows",
    "C:\\Windows\\System32",
    "C:\\Windows\\Temp",
    "C:\\Program Files",
    "C:\\ProgramData",
    "C:\\Users",
    "C:\\Users\\Administrator",
    "C:\\Users\\Administrator\\AppData\\Local\\Temp",
)


class WindowsIOError(Exception):
    """A System.IO exception: `kind` is its .NET type name."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


def normalise(path: str) -> str:
    path = path.replace("/", "\\")
    if len(path) > 3:
        path = path.rstrip("\\")
    if len(path) == 2 and path[1] == ":":
        path += "\\"
    return path.lower()


def find_key(state: dict, path: str):
    """The stored key naming `path`, or None."""
    wanted = normalise(path)
    for key in state["files"]:
        if normalise(key) == wanted:
            return key
    return None


def lookup(state: dict, path: str):
    key = find_key(state, path)
    return None if key is None else state["files"][key]


def parent(path: str):
    """The parent directory of `path`, None for a drive root."""
    path = path.replace("/", "\\").rstrip("\\")
    if len(path) <= 2:
        return None
    head = path.rsplit("\\", 1)[0]
    return head + "\\" if len(head) == 2 else head


def is_dir(state: dict, path: str) -> bool:
    record = lookup(state, path)
    return record is not None and record["type"] == "dir"


def is_file(state: dict, path: str) -> bool:
    record = lookup(state, path)
    return record is not None and record["type"] == "file"


def test_path_leaf(state: dict, path: str) -> bool:
    """`Test-Path -LiteralPath <path> -PathType Leaf` in Windows PowerShell 5.1: a path holding a character
    .NET Framework refuses throws ArgumentException "Illegal characters in path." instead of answering $false
    (PowerShell/PowerShell#16465 with '|', p0w3rsh3ll/AutoRuns#80 with '"'; PowerShell 7 answers $false)."""
    if ntfs.has_illegal_characters(path):
        raise WindowsIOError("ArgumentException", ntfs.ILLEGAL_CHARACTERS)
    return is_file(state, path)


def ensure_dir(state: dict, path: str) -> list:
    """New-Item -ItemType Directory -Force: creates missing parents; returns the created paths."""
    record = lookup(state, path)
    if record is not None:
        if record["type"] != "dir":
            raise WindowsIOError("IOException", f"An item with the specified name {path} already exists.")
        return []
    created = []
    up = parent(path)
    if up is not None:
        created += ensure_dir(state, up)
    state["files"][path.replace("/", "\\").rstrip("\\") or path] = {"type": "dir", "file_id": new_file_id(state)}
    return created + [path]


def new_file_id(state: dict) -> int:
    """The NTFS file id of an entry being created: never one an earlier entry had (win32_files.file_id)."""
    ident = state.get("next_file_id", 0x2A0000)
    state["next_file_id"] = ident + 1
    return ident


def file_record(data: bytes) -> dict:
    return {
        "type": "file",
        "content_b64": base64.b64encode(data).decode("ascii"),
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest().upper(),
        "in_use": False,
    }


def read_bytes(state: dict, path: str) -> bytes:
    record = lookup(state, path)
    if record is None or record["type"] != "file":
        _missing(state, path)
        raise WindowsIOError("UnauthorizedAccessException", f"Access to the path '{path}' is denied.")
    return base64.b64decode(record["content_b64"])


def write_bytes(state: dict, path: str, data: bytes) -> None:
    """[IO.File]::WriteAllBytes: the directory must exist; a file in use cannot be written.

    On a full volume (winsim.host.faults disk_full) the file keeps what fit, and
    the write fails with ERROR_DISK_FULL.
    """
    key = find_key(state, path)
    record = state["files"][key] if key is not None else None
    if record is None:
        _require_parent(state, path)
    elif record["type"] == "dir":
        raise WindowsIOError("UnauthorizedAccessException", f"Access to the path '{path}' is denied.")
    else:
        _refuse_in_use(record, path)
        if record.get("readonly"):
            # CreateFile with CREATE_ALWAYS fails with ERROR_ACCESS_DENIED on a read-only file
            # (learn.microsoft.com, "CreateFileW", CREATE_ALWAYS; "File.WriteAllBytes", Exceptions;
            # docs/windows-facts.md#files-in-use).
            raise WindowsIOError("UnauthorizedAccessException", f"Access to the path '{path}' is denied.")
    fits = faults.before_write(len(data), record.get("size", 0) if record else 0)
    written = file_record(data if fits is None else data[:fits])
    if record is not None and record.get("sddl"):
        # Overwriting (CREATE_ALWAYS on an existing file) keeps its owner and DACL (learn.microsoft.com,
        # "CreateFileW": "the security descriptor ... is ignored" when the file exists).
        written["sddl"] = record["sddl"]
    if path.replace("/", "\\").rsplit("\\", 1)[-1].lower() in state.get("scanner_holds", ()):
        written["held_open"] = True
    state["files"][key or path] = written
    if fits is not None:
        raise WindowsIOError("IOException", faults.DISK_FULL_MESSAGE)


def move(state: dict, source: str, destination: str, long_paths: bool = False) -> None:
    """[IO.File]::Move: fails when the destination exists; a file in use can be renamed
    (docs/windows-facts.md#files-in-use). System.IO's path checks apply to both paths, unless the caller
    passes `\\\\?\\` paths itself (`long_paths`: Go's os.Rename, whose fixLongPath adds the prefix)."""
    if not long_paths:
        _dotnet_path(source)
        _dotnet_path(destination)
    faults.before_move()
    source_key = find_key(state, source)
    if source_key is None or state["files"][source_key]["type"] != "file":
        raise WindowsIOError("FileNotFoundException", f"Could not find file '{source}'.")
    if state["files"][source_key].get("held_open"):
        # MoveFile opens the source for DELETE, which a handle without FILE_SHARE_DELETE refuses; .NET's
        # message names no file (farhadeidi/bookmarks-but-better#66, golang/go#16882).
        raise WindowsIOError("IOException", SHARING_VIOLATION)
    if find_key(state, destination) is not None:
        raise WindowsIOError("IOException", "Cannot create a file when that file already exists.")
    _require_parent(state, destination)
    state["files"][destination] = state["files"].pop(source_key)


# ReplaceFile failing part-way (learn.microsoft.com, "ReplaceFileW", Return value;
# docs/windows-facts.md#files-in-use), set by a test in state["replace_failures"][<destination lower-cased>];
# texts from "System Error Codes (1000-1299)" (unchecked against a host).
ERROR_UNABLE_TO_MOVE_REPLACEMENT = 1176
ERROR_UNABLE_TO_MOVE_REPLACEMENT_2 = 1177
REPLACE_FAILURES = {
    ERROR_UNABLE_TO_MOVE_REPLACEMENT: "Unable to move the replacement file to the file to be replaced. The file to "
                                      "be replaced has retained its original name.",
    ERROR_UNABLE_TO_MOVE_REPLACEMENT_2: "Unable to move the replacement file to the file to be replaced. The file "
                                        "to be replaced has been renamed using the backup name.",
}


def replace(state: dict, source: str, destination: str, backup: str | None = None) -> None:
    """[IO.File]::Replace (ReplaceFile): destination must exist and not be in use; it may fail part-way (above)."""
    for path in (source, destination) + ((backup,) if backup else ()):
        _dotnet_path(path)
    faults.before_move()
    source_key = find_key(state, source)
    if source_key is None:
        raise WindowsIOError("FileNotFoundException", f"Could not find file '{source}'.")
    destination_key = find_key(state, destination)
    if destination_key is None:
        raise WindowsIOError("FileNotFoundException", f"Could not find file '{destination}'.")
    _refuse_in_use(state["files"][destination_key], destination)
    if state["files"][destination_key].get("readonly"):
        # File.Replace: UnauthorizedAccessException when destinationFileName is read-only
        # (learn.microsoft.com, System.IO.File.Replace, Exceptions; docs/windows-facts.md#files-in-use).
        raise WindowsIOError("UnauthorizedAccessException", f"Access to the path '{destination}' is denied.")
    failure = state.get("replace_failures", {}).get(destination_key.lower())
    if failure == ERROR_UNABLE_TO_MOVE_REPLACEMENT and backup is not None:
        # "If lpBackupFileName was specified, the replaced and replacement files retain their original file names."
        raise WindowsIOError("IOException", REPLACE_FAILURES[failure])
    previous = state["files"].pop(destination_key)
    # ReplaceFile keeps the replaced file's DACL and owner on the replacement (learn.microsoft.com,
    # "ReplaceFileW", Remarks: the attributes it preserves; docs/windows-facts.md#protected-dacls).
    replacement = state["files"][source_key]
    replacement.pop("sddl", None)
    if previous.get("sddl"):
        replacement["sddl"] = previous["sddl"]
    if backup is not None:
        backup_key = find_key(state, backup)
        if backup_key is not None:
            del state["files"][backup_key]
        state["files"][backup] = previous
    elif failure == ERROR_UNABLE_TO_MOVE_REPLACEMENT_2:
        # "The file to be replaced still exists with a different name" (which one is not documented).
        state["files"][destination_key + ".replaced~"] = previous
    if failure is not None:
        # 1176 without a backup: "the replaced file no longer exists and the replacement file exists under its
        # original name"; 1177: the replacement keeps its name, with the replaced file's attributes.
        if failure == ERROR_UNABLE_TO_MOVE_REPLACEMENT_2:
            state["files"][source_key]["readonly"] = bool(previous.get("readonly"))
        raise WindowsIOError("IOException", REPLACE_FAILURES[failure])
    state["files"][destination_key] = state["files"].pop(source_key)


def delete(state: dict, path: str) -> None:
    """[IO.File]::Delete: no error when the file is absent; a file in use cannot be deleted."""
    _dotnet_path(path)
    key = find_key(state, path)
    if key is None:
        _require_parent(state, path)
        return
    _dotnet_access(state, key, path, delete=True)
    if state["files"][key].get("readonly"):
        # File.Delete throws UnauthorizedAccessException for a read-only file (System.IO.File.Delete,
        # learn.microsoft.com: "path specified a read-only file"); the attribute must be cleared first.
        raise WindowsIOError("UnauthorizedAccessException", f"Access to the path '{path}' is denied.")
    _refuse_in_use(state["files"][key], path)
    del state["files"][key]


def clear_readonly(state: dict, path: str) -> None:
    """FileSystemInfo.Attributes without ReadOnly (SetFileAttributes): allowed while a process has the file open,
    since sharing modes govern read, write and delete access, not attribute writes."""
    _dotnet_path(path)
    key = find_key(state, path)
    if key is not None:
        _dotnet_access(state, key, path, ntfs.FILE_WRITE_ATTRIBUTES)
        state["files"][key].pop("readonly", None)


def set_readonly(state: dict, path: str) -> None:
    """FileInfo.IsReadOnly = $true (SetFileAttributes): FILE_WRITE_ATTRIBUTES on the file."""
    _dotnet_path(path)
    key = find_key(state, path)
    if key is None:
        _missing(state, path)
    _dotnet_access(state, key, path, ntfs.FILE_WRITE_ATTRIBUTES)
    state["files"][key]["readonly"] = True


def set_access_control(state: dict, path: str, sddl: str) -> None:
    """[IO.File]::SetAccessControl / [IO.Directory]::SetAccessControl (winsim.windows.ntfs.set_security)."""
    _dotnet_path(path)
    key = find_key(state, path)
    if key is None:
        _missing(state, path)
    try:
        ntfs.set_security(state, key, sddl)
    except ntfs.AccessDenied:
        raise WindowsIOError("UnauthorizedAccessException", "Attempted to perform an unauthorized operation.") \
            from None


def write_as(state: dict, path: str, data: bytes, user_sid: str, token: set) -> None:
    """A program of another (non-administrator) user writing a file: FILE_WRITE_DATA on an existing file, or
    FILE_ADD_FILE on its folder for a new one, which that user then owns (learn.microsoft.com, "File Security
    and Access Rights")."""
    key = find_key(state, path)
    if key is not None:
        needed, checked = 0x2, key
    else:
        needed, checked = ntfs.FILE_ADD_FILE, find_key(state, parent(path))
        if checked is None:
            _missing(state, path)
    if ntfs.granted(state, checked, token) & needed != needed:
        raise WindowsIOError("UnauthorizedAccessException", f"Access to the path '{path}' is denied.")
    previous = state["files"].get(key, {}) if key else {}
    record = file_record(data)
    record["sddl"] = previous.get("sddl") or f"O:{user_sid}D:"
    state["files"][key or path] = record


def children(state: dict, path: str) -> list:
    """Keys directly inside directory `path`."""
    wanted = normalise(path)
    return [key for key in state["files"] if parent(key) is not None and normalise(parent(key)) == wanted]


def remove_tree(state: dict, path: str) -> None:
    """Remove-Item -Recurse -Force of Windows PowerShell 5.1; stops at the first file in use, as Windows does.

    It walks into a junction or directory symbolic link and deletes what the link points to, then the link
    (PowerShell/PowerShell#621, fixed in PowerShell 7: "we should not traverse the symlink at remove-time to
    delete the files that it targets"; scriptcs-contrib/svm#48; docs/windows-facts.md#files-in-use).
    """
    key = find_key(state, path)
    target = state["files"][key].get("link_target") if key is not None else None
    for child in children(state, target if target else path):
        if state["files"][child]["type"] == "dir":
            remove_tree(state, child)
        else:
            # -Force removes read-only files too (Remove-Item, learn.microsoft.com).
            clear_readonly(state, child)
            delete(state, child)
    if key is not None:
        del state["files"][key]


def _missing(state: dict, path: str):
    up = parent(path)
    if up is not None and not is_dir(state, up):
        raise WindowsIOError("DirectoryNotFoundException", f"Could not find a part of the path '{path}'.")
    raise WindowsIOError("FileNotFoundException", f"Could not find file '{path}'.")


def _require_parent(state: dict, path: str) -> None:
    up = parent(path)
    if up is not None and not is_dir(state, up):
        raise WindowsIOError("DirectoryNotFoundException", f"Could not find a part of the path '{path}'.")


SHARING_VIOLATION = "The process cannot access the file because it is being used by another process."


def _refuse_in_use(record: dict, path: str) -> None:
    if record.get("in_use") or record.get("held_open"):
        # docs/windows-facts.md#files-in-use: a running .exe cannot be overwritten or deleted.
        raise WindowsIOError(
            "IOException",
            f"The process cannot access the file '{path}' because it is being used by another process.",
        )


def files_below(state: dict, path: str) -> list:
    """Keys of the files anywhere below directory `path` (Get-ChildItem -Recurse -File -Force)."""
    found = []
    for key in children(state, path):
        if state["files"][key]["type"] == "dir":
            found += files_below(state, key)
        else:
            found.append(key)
    return found


def remove_empty_dir(state: dict, path: str) -> None:
    """[IO.Directory]::Delete(path): only an empty directory goes."""
    _dotnet_path(path)
    key = find_key(state, path)
    if key is None or state["files"][key]["type"] != "dir":
        raise WindowsIOError("DirectoryNotFoundException", f"Could not find a part of the path '{path}'.")
    if children(state, key):
        raise WindowsIOError("IOException", "The directory is not empty.")
    _dotnet_access(state, key, path, delete=True)
    del state["files"][key]


def copy(state: dict, source: str, destination: str) -> None:
    """[IO.File]::Copy(source, destination): the destination must not exist. A file in use may be read, so
    copied: a mapped executable image refuses only write access and deletion (Microsoft Learn, "Executable
    Images", windows-hardware/drivers/ifs/executable-images)."""
    _dotnet_path(source)
    _dotnet_path(destination)
    record = lookup(state, source)
    if record is None or record["type"] != "file":
        _missing(state, source)
    if find_key(state, destination) is not None:
        raise WindowsIOError("IOException", f"The file '{destination}' already exists.")
    _require_parent(state, destination)
    state["files"][destination] = {k: v for k, v in record.items() if k != "held_open"} | {"in_use": False}


def move_dir(state: dict, source: str, destination: str) -> None:
    """[IO.Directory]::Move on one volume: a rename of the folder and everything below it; the destination
    must not exist."""
    _dotnet_path(source)
    _dotnet_path(destination)
    source_key = find_key(state, source)
    if source_key is None or state["files"][source_key]["type"] != "dir":
        raise WindowsIOError("DirectoryNotFoundException", f"Could not find a part of the path '{source}'.")
    if find_key(state, destination) is not None:
        raise WindowsIOError("IOException", f"Cannot create '{destination}' because a file or directory with the "
                             "same name already exists.")
    _require_parent(state, destination)
    below = [key for key in state["files"] if normalise(key).startswith(normalise(source_key) + "\\")]
    state["files"][destination] = state["files"].pop(source_key)
    for key in below:
        state["files"][destination + key[len(source_key):]] = state["files"].pop(key)


def list_directory(state: dict, path: str) -> list:
    """DirectoryInfo.GetFileSystemInfos(): the keys inside `path`. Needs FILE_LIST_DIRECTORY on the folder, and
    every entry's full path must pass System.IO's length check, since each becomes a FileSystemInfo."""
    _dotnet_path(path)
    key = find_key(state, path)
    if key is None or state["files"][key]["type"] != "dir":
        raise WindowsIOError("DirectoryNotFoundException", f"Could not find a part of the path '{path}'.")
    _dotnet_access(state, key, path, ntfs.FILE_LIST_DIRECTORY)
    found = children(state, key)
    for child in found:
        _dotnet_path(child)
    return found


def _dotnet_path(path: str) -> None:
    problem = ntfs.dotnet_path_problem(path)
    if problem is not None:
        raise WindowsIOError(*problem)


def _dotnet_access(state: dict, key: str, path: str, rights: int = 0, delete: bool = False) -> None:
    """An access check as a System.IO call meets it: UnauthorizedAccessException naming the path."""
    try:
        if delete:
            ntfs.require_delete(state, key)
        else:
            ntfs.require(state, key, rights)
    except ntfs.AccessDenied:
        raise WindowsIOError("UnauthorizedAccessException", f"Access to the path '{path}' is denied.") from None
