"""Invoke-WebRequest of Windows PowerShell 5.1, fetching for real over HTTP.

A simulated host reaches loopback only: the tests' artifact server stands in
for GitHub and internal mirrors, and no real binary is ever fetched. Any
other host name fails as a host without DNS for it does, which is also what an
air-gapped host sees.

Errors carry the messages of the System.Net.WebException that 5.1 throws
(it wraps HttpWebRequest, not HttpClient as PowerShell 7 does):
- HTTP status >= 400: "The remote server returned an error: (404) Not Found."
  with the server's reason phrase (JeroenBL/HandlingErrorsGracefully README,
  "Response Windows PowerShell", 5.1.22621: System.Net.WebException, that text).
- connection refused: "Unable to connect to the remote server" (Azure docs,
  "Invoke-WebRequest : Unable to connect to the remote server" in the MSI
  error handling guidance).
- unknown host: "The remote name could not be resolved: 'aka.ms'"
  (a `SetupAssist.ps1 -Verbose` transcript of Exchange support docs:
  "System.Net.WebException: The remote name could not be resolved: 'aka.ms'
  at Microsoft.PowerShell.Commands.WebRequestPSCmdlet.GetResponse").
- unknown proxy host: "The proxy name could not be resolved: '<host>'" (the
  WebExceptionStatus.ProxyNameResolutionFailure text; strictest plausible).
"""

from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TIMEOUT_SECONDS = 30


class WebException(Exception):
    """System.Net.WebException: `message` is Exception.Message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def fetch(url: str, proxy: str | None = None, username: str | None = None, password: str | None = None,
          wininet_proxy: str | None = None) -> bytes:
    """The body Invoke-WebRequest -UseBasicParsing receives, following redirects as it does.

    Without -Proxy (`proxy`) it goes through the connecting user's WinINet proxy for the URL
    (`wininet_proxy`, winsim.windows.proxy_settings.wininet_for), or directly.
    """
    proxy = proxy or wininet_proxy
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        # Invoke-WebRequest refuses other schemes before any request.
        raise WebException("The URI prefix is not recognized.")
    handlers: list = []
    if proxy:
        proxy_host = urlsplit(proxy).hostname or ""
        if proxy_host.lower() not in LOOPBACK:
            raise WebException(f"The proxy name could not be resolved: '{proxy_host}'")
        handlers.append(urllib.request.ProxyHandler({"http": proxy, "https": proxy}))
    else:
        if parts.hostname.lower() not in LOOPBACK:
            raise WebException(f"The remote name could not be resolved: '{parts.hostname}'")
        # Windows PowerShell uses the user's WinINet proxy (none here), never
        # the http_proxy variable of the process running the simulator.
        handlers.append(urllib.request.ProxyHandler({}))
    if username:
        # -Credential: HttpWebRequest sends them after the server's 401
        # challenge (PreAuthenticate is false), as urllib's handler does.
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, url, username, password or "")
        handlers.append(urllib.request.HTTPBasicAuthHandler(manager))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(url, timeout=TIMEOUT_SECONDS) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise WebException(f"The remote server returned an error: ({error.code}) {error.reason}.") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, (ConnectionRefusedError, socket.timeout, OSError)):
            raise WebException("Unable to connect to the remote server") from None
        raise WebException(str(error.reason)) from None
    except (http.client.HTTPException, ConnectionError):
        # A connection closed mid-response: WebExceptionStatus.ReceiveFailure.
        raise WebException("The underlying connection was closed: An unexpected error occurred on a receive.") from None
