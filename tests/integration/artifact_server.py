"""A small HTTP server on loopback that stands in for GitHub releases and internal mirrors.

Serves the files of one directory. Per path, a test can inject a fault (a
404, a 500, or the file with one byte changed), require basic auth, or
answer with a redirect to another URL (another server's, for another host); the
whole server can go down (nothing listens on its port: the hosts' downloads
meet a refused connection) and come back on the same port. With `tls`
(tls_material.create) it serves HTTPS with that server certificate. It also
answers proxy requests (absolute URLs in the request line), so it can play a
proxy in front of a host name the simulated hosts cannot resolve. Every
request is recorded.
"""

from __future__ import annotations

import base64
import dataclasses
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

FAULTS = ('404', '500', 'corrupt')


@dataclasses.dataclass(frozen=True)
class Request:
    path: str
    status: int
    proxied: bool
    authorization: str | None


class ArtifactServer:
    def __init__(self, root, tls=None):
        self.root = Path(root)
        self.tls = tls
        self.root.mkdir(parents=True, exist_ok=True)
        self.requests: list[Request] = []
        self._faults: dict[str, str] = {}
        self._credentials: dict[str, tuple[str, str]] = {}
        self._redirects: dict[str, tuple[int, str]] = {}
        self._lock = threading.Lock()
        self._httpd = None
        self._thread = None
        self._port = 0

    # -- control --------------------------------------------------------------
    def start(self, port: int = 0) -> 'ArtifactServer':
        self._httpd = ThreadingHTTPServer(('127.0.0.1', port), _handler_for(self))
        self._port = self._httpd.server_address[1]
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls.cert_file, self.tls.key_file)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True, name='artifact-server')
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def down(self) -> None:
        """Stop listening; base_url keeps naming the port, which now refuses connections."""
        self.stop()

    def up(self) -> None:
        """Listen again on the port the server had."""
        if self._httpd is None:
            self.start(self._port)

    @property
    def base_url(self) -> str:
        return '%s://127.0.0.1:%d' % ('https' if self.tls is not None else 'http', self._port)

    def url(self, path: str) -> str:
        return '%s/%s' % (self.base_url, path.lstrip('/'))

    def publish(self, path: str, data: bytes) -> str:
        """Serve `data` at `path`; returns its URL."""
        target = self.root / path.lstrip('/')
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return self.url(path)

    def fault(self, path: str, kind: str | None) -> None:
        """Answer `path` with a fault ('404', '500', 'corrupt'), or normally again with None."""
        if kind is not None and kind not in FAULTS:
            raise ValueError('unknown fault %r; known: %s' % (kind, ', '.join(FAULTS)))
        with self._lock:
            if kind is None:
                self._faults.pop('/' + path.lstrip('/'), None)
            else:
                self._faults['/' + path.lstrip('/')] = kind

    def require_auth(self, path: str, username: str, password: str) -> None:
        with self._lock:
            self._credentials['/' + path.lstrip('/')] = (username, password)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        """Answer `path` with `status` (301, 302, 307, 308) and a Location header, before any auth check."""
        with self._lock:
            self._redirects['/' + path.lstrip('/')] = (status, location)

    def served(self, path: str) -> int:
        """How many requests for `path` were answered with 200."""
        wanted = '/' + path.lstrip('/')
        with self._lock:
            return sum(1 for r in self.requests if r.path == wanted and r.status == 200)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- serving --------------------------------------------------------------
    def _answer(self, raw_path: str, authorization: str | None):
        """(status, reason, headers, body) for a GET of raw_path."""
        proxied = raw_path.startswith(('http://', 'https://'))
        path = unquote(urlsplit(raw_path).path)
        with self._lock:
            fault = self._faults.get(path)
            credentials = self._credentials.get(path)
            redirect = self._redirects.get(path)
        if redirect is not None:
            status, reason, headers, body = redirect[0], 'Redirect', {'Location': redirect[1]}, b'moved\n'
        else:
            status, reason, headers, body = self._content(path, fault, credentials, authorization)
        with self._lock:
            self.requests.append(Request(path, status, proxied, authorization))
        return status, reason, headers, body

    def _content(self, path, fault, credentials, authorization):
        if credentials is not None:
            expected = 'Basic ' + base64.b64encode(('%s:%s' % credentials).encode()).decode()
            if authorization != expected:
                return 401, 'Unauthorized', {'WWW-Authenticate': 'Basic realm="artifacts"'}, b'authentication required\n'
        if fault == '404':
            return 404, 'Not Found', {}, b'not found\n'
        if fault == '500':
            return 500, 'Internal Server Error', {}, b'internal error\n'
        target = (self.root / path.lstrip('/')).resolve()
        if self.root.resolve() not in target.parents or not target.is_file():
            return 404, 'Not Found', {}, b'not found\n'
        body = target.read_bytes()
        if fault == 'corrupt' and body:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        return 200, 'OK', {'Content-Type': 'application/octet-stream'}, body


def _handler_for(server: ArtifactServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def do_GET(self):  # noqa: N802 - the name http.server calls
            status, reason, headers, body = server._answer(self.path, self.headers.get('Authorization'))
            self.send_response(status, reason)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 - http.server's signature
            pass

    return Handler
