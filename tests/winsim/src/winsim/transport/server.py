"""One simulated Windows host: a WinRM HTTP listener on a loopback port.

POST /wsman carries WS-Management; GET/POST /winsim/... is the simulator's
own control API (counters, latency), outside WinRM and without auth. The
host's powershell.exe runs what its plug-ins (winsim.plugin) know.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import socket
import struct
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable

from ..host.power import PowerGate
from ..host.powershell import run_powershell
from ..plugin import Operation, load_plugin
from . import answer_faults, cmdline, wsman
from .counters import Counters
from .shells import Limits, WinRSService

DEFAULT_USERNAME = "Administrator"
DEFAULT_PASSWORD = "Winsim-Passw0rd"


class HostServer:
    """Serves one host's WinRM endpoint from a background thread.

    `plugins` (objects, or names as winsim.plugin.load_plugin takes them) are
    asked in turn what a script does; without any, every script fails.
    """

    def __init__(self, name: str, store: Any, *, port: int = 0, username: str = DEFAULT_USERNAME,
                 password: str = DEFAULT_PASSWORD, latency_ms: float = 0, limits: Limits | None = None,
                 plugins: Iterable[Any] = (), bind: str = "127.0.0.1") -> None:
        self.name = name
        self.store = store
        self.username = username
        self.password = password
        self.latency_ms = latency_ms
        self.limits = limits or Limits()
        self.plugins = [load_plugin(plugin) for plugin in plugins]
        self.counters = Counters()
        self._httpd = _HTTPServer((bind, port), _Handler)
        self._httpd.host = self
        self.port = self._httpd.server_address[1]
        self.service = WinRSService(self._execute, self.counters, self.limits,
                                    address=f"http://{bind}:{self.port}/wsman")
        # A restart scheduled in the host's state takes WinRM down for a while.
        self.power = PowerGate(store, self.service.drop_all_shells)
        # Faults a test set for this host (winsim.host.faults) that spoil answers.
        self.faults = answer_faults.Injector(getattr(store, "path", None))
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/wsman"

    def start(self) -> "HostServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True, name=f"winsim-{self.name}")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "HostServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _execute(self, command_id: str, line: str, stdin: bytes) -> cmdline.ResultLike:
        def started(operation: Operation) -> None:
            self.faults.operation_started(command_id, operation.name, operation.params)

        def run_script(script: str, script_stdin: bytes) -> cmdline.ResultLike:
            self.counters.powershell_execution()
            return run_powershell(self.store, script, script_stdin, self.plugins, on_operation=started)

        return cmdline.run_command_line(line, stdin, run_script)

    def authorized(self, header: str | None) -> str | None:
        """The user name if the Basic credentials match; only Basic is offered."""
        if not header or not header.lower().startswith("basic "):
            return None
        try:
            user, _unused, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        # Windows user names compare case-insensitively, passwords do not.
        if user.lower() == self.username.lower() and hmac.compare_digest(password, self.password):
            return user
        return None

    def handle_wsman(self, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        if len(body) > self.limits.max_envelope_kb * 1024:
            # MaxEnvelopeSizekb: Python clients see HTTP 413 (docs/windows-facts.md#winrm-service-limits);
            # pywinrm raises WinRMTransportError(413).
            self.counters.request("TooLarge", len(body))
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {}, b""
        user = self.authorized(headers.get("Authorization"))
        if user is None:
            # pywinrm transport.py turns 401 into InvalidCredentialsError("the
            # specified credentials were rejected by the server").
            self.counters.request("Unauthorized", len(body))
            return HTTPStatus.UNAUTHORIZED, {"WWW-Authenticate": 'Basic realm="WSMAN"'}, b""
        soap = {"Content-Type": "application/soap+xml;charset=UTF-8"}
        try:
            request = wsman.parse_request(body)
        except wsman.Fault as fault:
            self.counters.request("Malformed", len(body))
            return HTTPStatus.INTERNAL_SERVER_ERROR, soap, wsman.render_fault(
                fault, wsman.peek_message_id(body), self.name)
        self.counters.request(request.short_action, len(body))
        try:
            return HTTPStatus.OK, soap, self.faults.around(request, lambda: self.service.handle(request, user))
        except wsman.Fault as fault:
            # Faults travel with HTTP 500, as Windows sends them and as pywinrm
            # protocol.py send_message expects (it parses the error body).
            return HTTPStatus.INTERNAL_SERVER_ERROR, soap, wsman.render_fault(fault, request.message_id, self.name)

    def control(self, method: str, path: str, body: bytes) -> tuple[int, dict | None]:
        if method == "GET" and path == "/winsim/ping":
            return HTTPStatus.OK, {"name": self.name, "pid": os.getpid()}
        if method == "GET" and path == "/winsim/counters":
            return HTTPStatus.OK, {**self.counters.snapshot(), "latency_ms": self.latency_ms,
                                   "open_shells": self.service.open_shells()}
        if method == "GET" and path == "/winsim/counters/log":
            return HTTPStatus.OK, self.counters.log()
        if method == "POST" and path == "/winsim/counters/reset":
            self.counters.reset()
            return HTTPStatus.OK, self.counters.snapshot()
        if method == "POST" and path == "/winsim/latency":
            try:
                value = float(json.loads(body or b"{}")["latency_ms"])
            except (ValueError, KeyError, TypeError):
                return HTTPStatus.BAD_REQUEST, {"error": 'expected {"latency_ms": <number>}'}
            if value < 0:
                return HTTPStatus.BAD_REQUEST, {"error": "latency_ms must not be negative"}
            self.latency_ms = value
            return HTTPStatus.OK, {"latency_ms": value}
        return HTTPStatus.NOT_FOUND, None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    host: HostServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as requests' sessions expect
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self._read_body()
        if body is None:
            return
        path = self.path.split("?", 1)[0]
        if path.lower() == "/wsman" and not self.server.host.power.answering():
            self._drop()
            return
        if path.lower() == "/wsman":
            try:
                status, headers, payload = self.server.host.handle_wsman(self.headers, body)
            except answer_faults.DropConnection:
                self._drop()
                return
            if not self.server.host.power.answering():
                self._drop()  # the host went down while the request waited for its answer
                return
            self.server.host.counters.sent(len(payload))
            self._reply(status, headers, payload)
        else:
            self._control("POST", path, body)

    def do_GET(self) -> None:
        self._control("GET", self.path.split("?", 1)[0], b"")

    def _control(self, method: str, path: str, body: bytes) -> None:
        status, document = self.server.host.control(method, path, body)
        payload = json.dumps(document).encode() if document is not None else b""
        self._reply(status, {"Content-Type": "application/json"} if payload else {}, payload)

    def _read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._reply(HTTPStatus.LENGTH_REQUIRED, {}, b"")
            self.close_connection = True
            return None
        return self.rfile.read(int(length))

    def _drop(self) -> None:
        """Close without an answer, with a reset: the host is restarting."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
