"""file_write: stage `<path>.<random>.tmp` beside the file, then Replace or Move it into place; with `protect`
the folder and the file get the acl snippet's protected DACL (the folder first, the staged file before the
swap, the file again after a Replace, which keeps the replaced file's DACL)."""

import base64
import binascii
import datetime
import re

from winsim.windows import environment, files
from winsim.windows.guids import new_guid

from . import acl, data_root_apply

from .base import PowerShellError, param


def run(state: dict, params) -> dict:
    path = environment.expand(param(params, "path", (str,)))
    data = _content(param(params, "content", (str,)), param(params, "content_encoding", (str,)))
    backup = param(params, "backup", (bool,))
    # Optional: $Params.PSObject.Properties['protect'].
    protect = param(params, "protect", (dict,), nullable=True) if "protect" in params else None
    users_read = bool(protect.get("users_read")) if protect else False
    directory = files.parent(path)
    # Optional: the daemon's missing data folders, created and recorded first (New-WcowDataRoots).
    roots = param(params, "data_roots", (list,), nullable=True) if "data_roots" in params else None
    created = data_root_apply.create(state, roots or [])
    readable = {folder.casefold() for folder in (protect or {}).get("readable_folders") or [] if folder}
    for folder in (protect or {}).get("folders") or []:
        if folder:
            acl.protect_directory(state, environment.expand(folder), users_read or folder.casefold() in readable)
    if directory is not None and not files.is_dir(state, directory):
        try:
            files.ensure_dir(state, directory)
        except files.WindowsIOError as error:
            # New-Item -ItemType Directory -Force over an existing file:
            # CategoryInfo ResourceExists, [New-Item], IOException.
            raise PowerShellError(error.message, "ResourceExists") from None
    if directory is not None:
        _remove_stale_staged(state, directory, path)
    token = new_guid(state).replace("-", "").lower()[:8]
    staged = f"{path}.{token}.tmp"
    backup_file = None
    call = "WriteAllBytes", 2
    try:
        files.write_bytes(state, staged, data)
        if protect:
            call = "SetAccessControl", 2
            acl.protect(state, staged, users_read)
            call = "WriteAllBytes", 2
        if files.is_file(state, path):
            call = "Replace", 3
            if backup:
                # Get-Date -Format 'yyyyMMdd-HHmmss': the host's local time.
                backup_file = f"{path}.{datetime.datetime.now():%Y%m%d-%H%M%S}.{token}.bak"
            # A read-only destination: IsReadOnly cleared before the swap, set again after it (finally) on the
            # files that hold the content: the path and the backup, when they exist.
            read_only = bool(files.lookup(state, path).get("readonly"))
            if read_only:
                files.clear_readonly(state, path)
            try:
                files.replace(state, staged, path, backup_file)
            except files.WindowsIOError:
                # The catch: a replace that failed after moving the old file away leaves the new one staged.
                if not files.is_file(state, path) and files.is_file(state, staged):
                    files.move(state, staged, path)
                raise
            finally:
                if read_only:
                    for kept in (path, backup_file):
                        if kept and files.is_file(state, kept):
                            files.set_readonly(state, kept)
        else:
            call = "Move", 2
            files.move(state, staged, path)
        if protect:
            call = "SetAccessControl", 2
            acl.protect(state, path, users_read)
    except files.WindowsIOError as error:
        # The finally block: the staged file never outlives a failure.
        if files.is_file(state, staged):
            files.delete(state, staged)
        # A .NET exception from a static method reaches PowerShell as a
        # MethodInvocationException, category NotSpecified.
        raise PowerShellError(
            f'Exception calling "{call[0]}" with "{call[1]}" argument(s): "{error.message}"', "NotSpecified"
        ) from None
    return {"path": path, "backup_file": backup_file, "data_roots_created": created}


def _remove_stale_staged(state: dict, directory: str, path: str) -> None:
    """Deletes `<leaf>.<8 lower-case hex>.tmp` beside the file (what a killed run of this script left),
    nothing else: the leaf compares case-insensitively as NTFS names do, the suffix exactly
    (-cmatch); a file that cannot be deleted (in use, read-only) stays."""
    leaf = path.replace("/", "\\").rsplit("\\", 1)[-1]
    for key in files.children(state, directory):
        name = key.rsplit("\\", 1)[-1]
        if not (name.lower().startswith(leaf.lower() + ".") and re.fullmatch(r"\.[0-9a-f]{8}\.tmp", name[len(leaf):])):
            continue
        if files.is_file(state, key):
            try:
                files.delete(state, key)
            except files.WindowsIOError:
                pass


def _content(content: str, encoding: str) -> bytes:
    if encoding == "text":
        # UTF8Encoding($false).GetBytes replaces a lone surrogate with U+FFFD.
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in content).encode("utf-8")
    if encoding == "base64":
        # [Convert]::FromBase64String ignores white space anywhere in its input.
        try:
            return base64.b64decode(re.sub(r"[ \t\r\n]", "", content), validate=True)
        except (binascii.Error, ValueError):
            raise PowerShellError(
                'Exception calling "FromBase64String" with "1" argument(s): "The input is not a valid Base-64 '
                "string as it contains a non-base 64 character, more than two padding characters, or an illegal "
                'character among the padding characters. "',
                "NotSpecified",
            ) from None
    raise PowerShellError(f"Unknown content_encoding {encoding}: expected text or base64.", "OperationStopped")
