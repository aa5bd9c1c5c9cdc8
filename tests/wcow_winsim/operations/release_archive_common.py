"""What release_archive_read and release_archive_apply share: the snippet
`release_archive` (destination, member paths, hashes, downloads)."""

from __future__ import annotations

import hashlib
import re

from winsim.windows import certificates, downloads, environment, files, proxy_settings

from .base import PowerShellError, param

# The account the collection's WinRM connection runs as on a simulated host.
WINRM_USER = "Administrator"


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


REDIRECT_REFUSED = ("the server answered with a redirect, and with url_username set no redirect is followed, since "
                    "Invoke-WebRequest would send the credentials to wherever it points: set the URL of the final "
                    "location")


def download(state: dict, params, url: str, shown: str) -> bytes:
    """Invoke-WcowDownload: the body, or the error the snippet throws naming the URL.

    Without a `proxy` the snippet passes the machine's WinHTTP proxy for the URL (Get-WcowWinHttpProxy), so the
    connecting user's WinINet settings, which Invoke-WebRequest would use otherwise, never apply.
    """
    web = param(params, "web", (dict,))
    proxy = web.get("proxy") or winhttp_proxy(state, url)
    # "": WinHTTP sends the URL directly, and the snippet makes the download do so too.
    wininet = proxy_settings.wininet_for(state, WINRM_USER, url) if proxy is None else None
    username = web.get("username")
    try:
        # With credentials the snippet passes -MaximumRedirection 0 (and -PassThru).
        status, body = downloads.fetch_response(url, proxy=proxy or None, username=username,
                                                password=web.get("password"), wininet_proxy=wininet,
                                                maximum_redirection=0 if username else
                                                downloads.DEFAULT_MAXIMUM_REDIRECTION,
                                                trusted_roots=certificates.trusted_roots(state))
    except downloads.WebException as error:
        raise PowerShellError(f"Downloading {shown} failed: {error.message}", "OperationStopped") from None
    except downloads.MaximumRedirectExceeded:
        raise PowerShellError(f"Downloading {shown} failed: {REDIRECT_REFUSED}", "OperationStopped") from None
    if 300 <= status < 400:
        raise PowerShellError(f"Downloading {shown} failed: {REDIRECT_REFUSED}", "OperationStopped")
    return body


def winhttp_proxy(state: dict, url: str) -> str | None:
    """Get-WcowWinHttpProxy: the WinHTTP proxy URI for `url`, "" when WinHTTP sends it directly, None when no
    WinHTTP proxy is set."""
    access, proxy, bypass = proxy_settings.winhttp_default(state)
    if access != proxy_settings.NAMED_PROXY or not proxy:
        return None
    return proxy_settings.proxy_for(proxy, bypass, url) or ""


def dotnet_error(call: str, arguments: int, error: files.WindowsIOError) -> PowerShellError:
    """A .NET exception from a static method, as PowerShell reports it."""
    return PowerShellError(f'Exception calling "{call}" with "{arguments}" argument(s): "{error.message}"', "NotSpecified")
