"""The kernel32 file functions a script calls through P/Invoke (the W forms), on the host's files.

Each takes the path as the script passes it: `\\\\?\\` + a full path lifts
MAX_PATH, anything else of MAX_PATH characters or more fails with
ERROR_FILENAME_EXCED_RANGE (docs/windows-facts.md#long-paths). A junction or
directory link before the last part of a path is always followed; the last
part is the link itself for the functions modelled here
(docs/windows-facts.md#reparse-points-and-final-paths). Access is
checked against the operations' user token (winsim.windows.ntfs,
docs/windows-facts.md#ntfs-owners-and-dacls). Failures raise Win32Error with
the code GetLastError returns and the text FormatMessage gives for it (as
[ComponentModel.Win32Exception] shows it: no final period).
"""

from __future__ import annotations

import hashlib

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
    return files.find_key(state, _through_links(state, plain))


def _through_links(state: dict, path: str) -> str:
    """`path` with each link before its last part replaced by what it points to, as the object manager
    reparses a name ("Symbolic Link Effects on File Systems Functions", learn.microsoft.com)."""
    parts = path.replace("/", "\\").rstrip("\\").split("\\")
    resolved = parts[0] + "\\"
    for name in parts[1:-1]:
        record = files.lookup(state, resolved + name)
        target = record.get("link_target") if record is not None and record["type"] == "dir" else None
        resolved = (target.rstrip("\\") if target else resolved + name) + "\\"
    return resolved + parts[-1] if len(parts) > 1 else path


def _existing(state: dict, path: str) -> str:
    key = _resolve(state, path)
    if key is None:
        up = files.parent(ntfs.win32_path(path))
        raise Win32Error(2 if up is None or files.is_dir(state, up) else 3)
    return key


def key_of(state: dict, path: str) -> str:
    """The stored key a W function reaches for `path` (links before its last part followed)."""
    return _existing(state, path)


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


def reparse_point_along(state: dict, path: str) -> str | None:
    """The first of `path`'s folders, from the drive down to `path` itself, whose GetFileAttributesW shows
    FILE_ATTRIBUTE_REPARSE_POINT (a junction, a directory symbolic link, a mount point); None when none does.
    A missing part ends the walk."""
    plain = ntfs.win32_path(path).rstrip("\\")
    parts = plain.split("\\")
    for end in range(2, len(parts) + 1):
        prefix = "\\".join(parts[:end])
        try:
            attributes = get_file_attributes(state, "\\\\?\\" + prefix)
        except Win32Error as error:
            if error.code in (2, 3):
                return None
            raise
        if attributes & FILE_ATTRIBUTE_REPARSE_POINT:
            return prefix
    return None


def _open_directory(state: dict, path: str) -> str:
    """CreateFileW(path, FILE_READ_ATTRIBUTES, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT): the
    stored key of a folder (the link itself when the last part is one)."""
    key = _existing(state, path)
    token = ntfs.operator_token(state)
    up = files.find_key(state, files.parent(key) or key)
    if not (ntfs.granted(state, key, token) & FILE_READ_ATTRIBUTES
            or (up is not None and ntfs.granted(state, up, token) & ntfs.FILE_LIST_DIRECTORY)):
        raise Win32Error(5)
    return key


def final_path(state: dict, path: str) -> str:
    """GetFinalPathNameByHandleW(FILE_NAME_NORMALIZED | VOLUME_NAME_DOS) of the opened folder: `\\\\?\\` and the
    path with every link resolved, each name spelt as stored (learn.microsoft.com, "GetFinalPathNameByHandleW":
    for a link C:\\tmp\\mydir to D:\\yourdir the final path is D:\\yourdir)."""
    key = _open_directory(state, path)
    return "\\\\?\\" + key


def file_id(state: dict, path: str) -> tuple[int, int]:
    """GetFileInformationByHandleEx(FileIdInfo): (VolumeSerialNumber, FileId) of the opened entry. The pair
    "uniquely identify a file on a single computer" (learn.microsoft.com, "FILE_ID_INFO"): a folder deleted and
    created again under the same name gets another id; a rename keeps it."""
    key = _open_directory(state, path)
    record = state["files"][key]
    # A folder made by files.ensure_dir (New-Item, CreateDirectory, the daemons) has the id given when it was
    # created; one a profile or a test wrote into the state directly has one derived from its path.
    ident = record.get("file_id")
    if ident is None:
        ident = int.from_bytes(hashlib.sha256(files.normalise(key).encode("utf-8")).digest()[:6], "big")
    return 0x5EED0000 + ord(key[0].upper()), ident
