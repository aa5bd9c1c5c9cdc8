"""What release_archive_read and release_archive_apply share: the snippet
`release_archive` (destination, member paths, hashes, downloads)."""

from __future__ import annotations

import hashlib
import re

from winsim.windows import downloads, environment, files

from .base import PowerShellError, param


def destination(params) -> str:
    """Resolve-WcowDestination: %VARS% expanded, trailing `\\` trimmed, below a drive root."""
    given = param(params, "dest", (str,))
    expanded = environment.expand(given).rstrip("\\")
    if not re.match(r"^[A-Za-z]:\\[^\\]", expanded):
        raise PowerShellError(
            f"dest {given} expands to {expanded}, which is not a directory below a drive root.", "OperationStopped"
        )
    return expanded


def manifest_path(dest: str, name: str) -> str:
    return f"{dest}\\.wcow-{name}.manifest.json"


def previous_dir(dest: str, name: str) -> str:
    """Where the previous version is kept: inside dest, so on its volume, and in no folder on PATH."""
    return f"{dest}\\.wcow-{name}.previous"


def is_member_path(relative) -> bool:
    """Test-WcowMemberPath: relative, no empty, `.` or `..` segment, no drive or stream colon."""
    if not isinstance(relative, str) or not relative:
        return False
    if relative[0] in "\\/" or ":" in relative:
        return False
    return all(segment not in ("", ".", "..") for segment in re.split(r"[\\/]", relative))


def join_member(root: str, relative: str) -> str:
    """Join-WcowMember: [IO.Path]::Combine after the path is checked."""
    if not is_member_path(relative):
        raise PowerShellError(
            f"Refusing the member path {relative}: it is not a plain path below {root}.", "OperationStopped"
        )
    return root + "\\" + relative.replace("/", "\\")


def sha256_of(state: dict, path: str) -> str:
    """Get-WcowSha256: Get-FileHash -Algorithm SHA256, lower-cased."""
    try:
        return hashlib.sha256(files.read_bytes(state, path)).hexdigest()
    except files.WindowsIOError as error:
        # Get-FileHash reports a missing file as a non-terminating error, which
        # 'Stop' makes terminating; the message is the .NET one.
        raise PowerShellError(error.message, "ReadError") from None


def download(params, url: str, shown: str) -> bytes:
    """Invoke-WcowDownload: the body, or the error the snippet throws naming the URL."""
    web = param(params, "web", (dict,))
    try:
        return downloads.fetch(url, proxy=web.get("proxy"), username=web.get("username"), password=web.get("password"))
    except downloads.WebException as error:
        raise PowerShellError(f"Downloading {shown} failed: {error.message}", "OperationStopped") from None


def dotnet_error(call: str, arguments: int, error: files.WindowsIOError) -> PowerShellError:
    """A .NET exception from a static method, as PowerShell reports it."""
    return PowerShellError(f'Exception calling "{call}" with "{arguments}" argument(s): "{error.message}"', "NotSpecified")
