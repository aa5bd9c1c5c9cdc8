"""The kernel32 file functions a script calls through P/Invoke (the W forms), on the host's files.

Each takes the path as the script passes it: `\\\\?\\` + a full path lifts
MAX_PATH, anything else of MAX_PATH characters or more fails with
ERROR_FILENAME_EXCED_RANGE (docs/windows-facts.md#long-paths). Access is
checked against the operations' user token (winsim.windows.ntfs,
docs/windows-facts.md#ntfs-owners-and-dacls). Failures raise Win32Error with
the code GetLastError returns and the text FormatMessage gives for it (as
[ComponentModel.Win32Exception] shows it: no final period).
"""

from __future__ import annotations

from . import files, ntfs

FILE_ATTRIBUTE_READONLY = 0x1
FILE_ATTRIBUTE_DIRECTORY = 0x10
FILE_ATTRIBUTE_ARCHIVE = 0x20
FILE_ATTRIBUTE_REPARSE_POINT = 0x400
INVALID_FILE_ATTRIBUTES = 0xFFFFFFFF
FILE_READ_ATTRIBUTES = 0x80

# learn.microsoft.com, "System Error Codes (0-499)".
MESSAGES = {
    2: "The system cannot find the file specified",
    3: "The system cannot find the path specified",
    5: "Access is denied",
    32: "The process cannot access the file because it is being used by another process",
    145: "The directory is not empty",
    123: "The filename, directory name, or volume label syntax is incorrect",
    206: "The filename or extension is too long",
    267: "The directory name is invalid",
}


class Win32Error(Exception):
    def __init__(self, code: int):
        super().__init__(MESSAGES[code])
        self.code = code
        self.message = MESSAGES[code]


def _resolve(state: dict, path: str) -> str | None:
    """The stored key of a path as a W function receives it, or None."""
    # learn.microsoft.com, "Naming Files, Paths, and Namespaces": the \\?\ prefix turns off path
    # normalisation, so "/" is not turned into "\\" and stays in a name, where NTFS refuses it
    # (docs/windows-facts.md#long-paths).
    if path.startswith("\\\\?\\") and "/" in path:
        raise Win32Error(123)
    try:
        plain = ntfs.win32_path(path)
    except ntfs.PathTooLong:
        raise Win32Error(206) from None
    return files.find_key(state, plain)


def _existing(state: dict, path: str) -> str:
    key = _resolve(state, path)
    if key is None:
        up = files.parent(ntfs.win32_path(path))
        raise Win32Error(2 if up is None or files.is_dir(state, up) else 3)
    return key


def attributes_of(record: dict) -> int:
    if record["type"] == "dir":
        return FILE_ATTRIBUTE_DIRECTORY | (FILE_ATTRIBUTE_REPARSE_POINT if record.get("link_target") else 0)
    return FILE_ATTRIBUTE_ARCHIVE | (FILE_ATTRIBUTE_READONLY if record.get("readonly") else 0)


def get_file_attributes(state: dict, path: str) -> int:
    """GetFileAttributesW: FILE_READ_ATTRIBUTES on the entry, which FILE_LIST_DIRECTORY on its folder also
    grants (learn.microsoft.com, "File Security and Access Rights")."""
    key = _existing(state, path)
    token = ntfs.operator_token(state)
    up = files.find_key(state, files.parent(key) or key)
    if not (ntfs.granted(state, key, token) & FILE_READ_ATTRIBUTES
            or (up is not None and ntfs.granted(state, up, token) & ntfs.FILE_LIST_DIRECTORY)):
        raise Win32Error(5)
    return attributes_of(state["files"][key])


def find_files(state: dict, folder: str) -> list[dict]:
    """FindFirstFileW(folder\\*) and FindNextFileW: {name, attributes, size} of each entry, read from the
    folder's index (no access to the entries needed), FILE_LIST_DIRECTORY on the folder."""
    key = _existing(state, folder)
    if state["files"][key]["type"] != "dir":
        raise Win32Error(3)
    try:
        ntfs.require(state, key, ntfs.FILE_LIST_DIRECTORY)
    except ntfs.AccessDenied:
        raise Win32Error(5) from None
    found = []
    for child in files.children(state, key):
        record = state["files"][child]
        found.append({"name": child.rsplit("\\", 1)[-1], "attributes": attributes_of(record),
                      "size": record.get("size", 0) if record["type"] == "file" else 0})
    return found


def set_file_attributes(state: dict, path: str, attributes: int) -> None:
    """SetFileAttributesW: FILE_WRITE_ATTRIBUTES on the entry; only the read-only bit is modelled."""
    key = _existing(state, path)
    try:
        ntfs.require(state, key, ntfs.FILE_WRITE_ATTRIBUTES)
    except ntfs.AccessDenied:
        raise Win32Error(5) from None
    record = state["files"][key]
    if attributes & FILE_ATTRIBUTE_READONLY:
        record["readonly"] = True
    else:
        record.pop("readonly", None)


def delete_file(state: dict, path: str) -> None:
    """DeleteFileW: a read-only file fails with ERROR_ACCESS_DENIED (learn.microsoft.com, "DeleteFileW"),
    as does one without DELETE on it or FILE_DELETE_CHILD on its folder; an open file with
    ERROR_SHARING_VIOLATION."""
    key = _existing(state, path)
    record = state["files"][key]
    if record["type"] == "dir":
        raise Win32Error(5)
    try:
        ntfs.require_delete(state, key)
    except ntfs.AccessDenied:
        raise Win32Error(5) from None
    if record.get("readonly"):
        raise Win32Error(5)
    if record.get("in_use") or record.get("held_open"):
        raise Win32Error(32)
    del state["files"][key]


def remove_directory(state: dict, path: str) -> None:
    """RemoveDirectoryW: an empty folder, or a junction / directory link (the link goes, never its target:
    MicrosoftDocs/sdk-api#1640); DELETE on it or FILE_DELETE_CHILD on its folder."""
    key = _existing(state, path)
    if state["files"][key]["type"] != "dir":
        raise Win32Error(267)
    if files.children(state, key):
        raise Win32Error(145)
    try:
        ntfs.require_delete(state, key)
    except ntfs.AccessDenied:
        raise Win32Error(5) from None
    del state["files"][key]
