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

HTTPS: the server's certificate is checked against the host's trusted roots and the URL's host name
(winsim.windows.certificates); a failure is the TrustFailure message there. Nothing turns the check off.

Redirects and credentials:
- -Credential sets HttpWebRequest.Credentials, answered to a 401 challenge;
  on a redirect "the Authorization header is cleared on auto-redirects and
  HttpWebRequest automatically tries to re-authenticate to the redirected
  location" (learn.microsoft.com, "HttpWebRequest.AllowAutoRedirect"): the
  credentials answer the challenge of whatever host the redirect names,
  another host's included. -MaximumRedirection defaults to 5.
- -MaximumRedirection 0 sets AllowAutoRedirect to false; the 3xx response is
  then the response, and only for 301 and 302 the cmdlet writes the error
  MaximumRedirectExceeded (InvalidOperationException); a 307 or 308 is written
  to -OutFile like any body (PowerShell/PowerShell
  src/Microsoft.PowerShell.Commands.Utility/commands/utility/WebCmdlet/FullClr/WebRequestPSCmdlet.FullClr.cs,
  the Windows PowerShell code path, ProcessRecord).
"""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from .certificates import TRUST_FAILURE

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TIMEOUT_SECONDS = 30
DEFAULT_MAXIMUM_REDIRECTION = 5
# The redirects after which -MaximumRedirection 0 writes MaximumRedirectExceeded (Found, Moved/MovedPermanently).
REDIRECT_ERROR_CODES = (301, 302)


class WebException(Exception):
    """System.Net.WebException: `message` is Exception.Message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class MaximumRedirectExceeded(Exception):
    """The error -MaximumRedirection 0 writes for a 301 or 302 (FullyQualifiedErrorId MaximumRedirectExceeded)."""

    error_id = "MaximumRedirectExceeded"

    def __init__(self, status: int, location: str):
        super().__init__("Operation is not valid due to the current state of the object.")
        self.status = status
        self.location = location


class _AnyUriPasswords(urllib.request.HTTPPasswordMgr):
    """HttpWebRequest.Credentials holding a NetworkCredential: offered to every URI's challenge."""

    def __init__(self, username: str, password: str):
        super().__init__()
        self._pair = (username, password)

    def find_user_password(self, realm, authuri):
        return self._pair


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows up to `maximum` redirects (none with 0); the target resolves as the first URL does."""

    def __init__(self, maximum: int, proxied: bool):
        super().__init__()
        self.max_redirections = maximum
        self._proxied = proxied

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if self.max_redirections == 0:
            return None
        host = urlsplit(newurl).hostname or ""
        if not self._proxied and host.lower() not in LOOPBACK:
            raise WebException(f"The remote name could not be resolved: '{host}'")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, proxy: str | None = None, username: str | None = None, password: str | None = None,
          wininet_proxy: str | None = None, trusted_roots: list[str] | None = None) -> bytes:
    """The body Invoke-WebRequest -UseBasicParsing receives, following redirects as it does.

    Without -Proxy (`proxy`) it goes through the connecting user's WinINet proxy for the URL
    (`wininet_proxy`, winsim.windows.proxy_settings.wininet_for), or directly.
    """
    return fetch_response(url, proxy, username, password, wininet_proxy, trusted_roots=trusted_roots)[1]


def fetch_response(url: str, proxy: str | None = None, username: str | None = None, password: str | None = None,
                   wininet_proxy: str | None = None,
                   maximum_redirection: int = DEFAULT_MAXIMUM_REDIRECTION,
                   trusted_roots: list[str] | None = None) -> tuple[int, bytes]:
    """(status, body) of Invoke-WebRequest -MaximumRedirection `maximum_redirection`: a 2xx, or with 0 a
    307/308 answered as a body; MaximumRedirectExceeded for a 301/302 with 0. An https:// server must
    present a certificate for its host name issued under one of `trusted_roots` (PEM)."""
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
        # Offered to any host's challenge, the hosts a redirect leads to included (see above).
        handlers.append(urllib.request.HTTPBasicAuthHandler(_AnyUriPasswords(username, password or "")))
    handlers.append(urllib.request.HTTPSHandler(context=_tls_context(trusted_roots or [])))
    handlers.append(_Redirects(maximum_redirection, proxied=bool(proxy)))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(url, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        if maximum_redirection == 0 and 300 <= error.code < 400:
            if error.code in REDIRECT_ERROR_CODES:
                raise MaximumRedirectExceeded(error.code, error.headers.get("Location", "")) from None
            return error.code, error.read()
        raise WebException(f"The remote server returned an error: ({error.code}) {error.reason}.") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, ssl.SSLCertVerificationError):
            raise WebException(TRUST_FAILURE) from None
        if isinstance(error.reason, (ConnectionRefusedError, socket.timeout, OSError)):
            raise WebException("Unable to connect to the remote server") from None
        raise WebException(str(error.reason)) from None
    except (http.client.HTTPException, ConnectionError):
        # A connection closed mid-response: WebExceptionStatus.ReceiveFailure.
        raise WebException("The underlying connection was closed: An unexpected error occurred on a receive.") from None


def _tls_context(trusted_roots: list[str]) -> ssl.SSLContext:
    """Verification on, against the host's roots only: never the roots of the machine running the simulator."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if trusted_roots:
        context.load_verify_locations(cadata="".join(trusted_roots))
    return context
