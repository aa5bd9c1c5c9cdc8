"""Many simulated hosts at once: one loopback port each, one background process.

A fleet lives in a directory: `fleet.json` (the hosts and the plug-ins,
winsim.plugin, that their powershell.exe runs), `state/NAME.json` (each
host's state file), `serve.pid` and `serve.log` (the process serving them,
started with `python -m winsim serve --dir DIR`).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterable

from ..plugin import PluginError, import_root, load_plugin
from ..transport.server import DEFAULT_PASSWORD, DEFAULT_USERNAME, HostServer
from ..transport.shells import Limits

CONFIG_FILE = "fleet.json"
PID_FILE = "serve.pid"
LOG_FILE = "serve.log"
STATE_DIR = "state"
# The top-level package (winsim) and the folder it is imported from.
_PACKAGE = __package__.split(".", maxsplit=1)[0]
_PACKAGE_PARENT = Path(__file__).resolve().parents[2]
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_LIMIT_KEYS = ("max_shells_per_user", "max_envelope_kb", "max_concurrent_operations_per_user")
# Loopback control calls must not go through an http_proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class FleetError(RuntimeError):
    pass


class HostSpec:
    """A host to start: `HostSpec("ws2019", "ws2019", containers=True)`.

    Keyword options go to `HostStore.create` except the server's own:
    username, password, latency_ms and the WinRM quotas of `winrs.Limits`
    (max_shells_per_user, max_envelope_kb, max_concurrent_operations_per_user).
    """

    def __init__(self, name: str, profile: str, *, username: str = DEFAULT_USERNAME,
                 password: str = DEFAULT_PASSWORD, latency_ms: float | None = None,
                 max_shells_per_user: int | None = None, max_envelope_kb: int | None = None,
                 max_concurrent_operations_per_user: int | None = None, **options: Any) -> None:
        if not _NAME.match(name):
            raise FleetError(f"host name {name!r} must match {_NAME.pattern}")
        self.name = name
        self.profile = profile
        self.username = username
        self.password = password
        self.latency_ms = latency_ms
        given = {"max_shells_per_user": max_shells_per_user, "max_envelope_kb": max_envelope_kb,
                 "max_concurrent_operations_per_user": max_concurrent_operations_per_user}
        self.limits = {key: getattr(Limits(), key) if value is None else value for key, value in given.items()}
        self.options = options

    @classmethod
    def parse(cls, text: str) -> "HostSpec":
        """``NAME:PROFILE[,key=value...]``; values are JSON when they parse as JSON."""
        name, sep, rest = text.partition(":")
        if not sep or not rest:
            raise FleetError(f"--host {text!r}: expected NAME:PROFILE[,key=value...]")
        profile, *pairs = rest.split(",")
        options: dict[str, Any] = {}
        for pair in pairs:
            key, eq, raw = pair.partition("=")
            if not eq or not key:
                raise FleetError(f"--host {text!r}: {pair!r} is not key=value")
            try:
                options[key] = json.loads(raw)
            except json.JSONDecodeError:
                options[key] = raw
        return cls(name, profile, **options)


class Fleet:
    """The hosts of a directory. `plugins` name the plug-ins (winsim.plugin) that `start` gives the
    hosts, as `pkg.module` or `pkg.module:attribute`: the serving process imports them."""

    def __init__(self, directory: str | os.PathLike, plugins: Iterable[str] = ()) -> None:
        self.dir = Path(directory).resolve()
        self.plugins = list(plugins)
        self._proc: subprocess.Popen | None = None

    # -- lifecycle -------------------------------------------------------
    def start(self, hosts: Iterable[HostSpec], latency_ms: float = 0, timeout: float = 30.0) -> "Fleet":
        """Create fresh state files, serve every host, return once all ports answer."""
        hosts = list(hosts)
        if not hosts:
            raise FleetError("a fleet needs at least one host")
        names = [h.name for h in hosts]
        if len(set(names)) != len(names):
            raise FleetError(f"host names repeat: {names}")
        if self.running():
            raise FleetError(f"a fleet is already running in {self.dir}; stop it first")
        roots = self._plugin_roots()
        (self.dir / STATE_DIR).mkdir(parents=True, exist_ok=True)
        host_store = _host_store_class()
        entries = []
        for spec, port in zip(hosts, _free_ports(len(hosts))):
            state_file = f"{STATE_DIR}/{spec.name}.json"
            (self.dir / state_file).unlink(missing_ok=True)
            host_store.create(self.dir / state_file, spec.profile, **spec.options)
            entries.append({
                "name": spec.name, "port": port, "username": spec.username, "password": spec.password,
                "profile": spec.profile, "state_file": state_file,
                "latency_ms": latency_ms if spec.latency_ms is None else spec.latency_ms,
                "limits": spec.limits, "options": spec.options,
            })
        _write_json(self.dir / CONFIG_FILE, {"hosts": entries, "plugins": self.plugins})
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(_PACKAGE_PARENT), *roots, *filter(None, [env.get("PYTHONPATH")])])
        with open(self.dir / LOG_FILE, "ab") as log:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", _PACKAGE, "serve", "--dir", str(self.dir)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.dir,
                start_new_session=True)
        (self.dir / PID_FILE).write_text(f"{self._proc.pid}\n")
        self._wait_ready(self._proc, timeout)
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the serving process (the one this fleet directory recorded)."""
        pid = self._pid()
        if pid is None:
            return
        if self._proc is not None and self._proc.pid == pid:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout)
            self._proc = None
        elif _alive(pid) and self._served_by(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        (self.dir / PID_FILE).unlink(missing_ok=True)

    def running(self) -> bool:
        pid = self._pid()
        return pid is not None and _alive(pid) and self._served_by(pid)

    def __enter__(self) -> "Fleet":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the fleet holds --------------------------------------------
    def config(self) -> dict:
        try:
            return json.loads((self.dir / CONFIG_FILE).read_text())
        except FileNotFoundError:
            raise FleetError(f"no fleet in {self.dir} ({CONFIG_FILE} is missing)") from None

    def names(self) -> list[str]:
        return [h["name"] for h in self.config()["hosts"]]

    def host(self, name: str) -> dict:
        for entry in self.config()["hosts"]:
            if entry["name"] == name:
                return entry
        raise FleetError(f"no host {name!r} in {self.dir}; hosts: {', '.join(self.names())}")

    def store(self, name: str) -> Any:
        """The host's `HostStore`, to read or change its state between runs."""
        return _host_store_class()(self.dir / self.host(name)["state_file"])

    def inventory(self, fmt: str = "yaml", group: str = "windows") -> str:
        """The hosts, in the group `group`, with their connection variables."""
        hosts = [(h["name"], _host_vars(h)) for h in self.config()["hosts"]]
        if fmt == "yaml":
            lines = ["all:", "  children:", f"    {group}:", "      hosts:"]
            for name, variables in hosts:
                lines.append(f"        {name}:")
                lines += [f"          {key}: {json.dumps(value)}" for key, value in variables.items()]
        elif fmt == "ini":
            lines = [f"[{group}]"]
            for name, variables in hosts:
                lines.append(" ".join([name] + [f"{k}={shlex.quote(str(v))}" for k, v in variables.items()]))
        else:
            raise FleetError(f"inventory format {fmt!r}: use yaml or ini")
        return "\n".join(lines) + "\n"

    def write_inventory(self, path: str | os.PathLike | None = None, fmt: str = "yaml",
                        group: str = "windows") -> Path:
        target = Path(path) if path else self.dir / f"inventory.{'yml' if fmt == 'yaml' else 'ini'}"
        target.write_text(self.inventory(fmt, group))
        return target

    # -- control API -----------------------------------------------------
    def counters(self, name: str | None = None) -> dict:
        """One host's counters, or {name: counters} for all when name is None."""
        if name is not None:
            return self._control(name, "GET", "/winsim/counters")
        return {n: self._control(n, "GET", "/winsim/counters") for n in self.names()}

    def request_log(self, name: str | None = None) -> dict:
        """One host's timed traffic events (`Counters.log`), or {name: log} for all."""
        if name is not None:
            return self._control(name, "GET", "/winsim/counters/log")
        return {n: self._control(n, "GET", "/winsim/counters/log") for n in self.names()}

    def reset_counters(self, name: str | None = None) -> None:
        for target in [name] if name else self.names():
            self._control(target, "POST", "/winsim/counters/reset")

    def set_latency(self, latency_ms: float, name: str | None = None) -> None:
        for target in [name] if name else self.names():
            self._control(target, "POST", "/winsim/latency", {"latency_ms": latency_ms})

    def _control(self, name: str, method: str, path: str, document: dict | None = None) -> dict:
        port = self.host(name)["port"]
        data = json.dumps(document).encode() if document is not None else (b"" if method == "POST" else None)
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
        try:
            with _OPENER.open(request, timeout=10) as reply:
                return json.loads(reply.read() or b"null")
        except (urllib.error.URLError, OSError) as exc:
            raise FleetError(f"host {name!r} (port {port}) did not answer {method} {path}: {exc}") from None

    # -- helpers -----------------------------------------------------------
    def _plugin_roots(self) -> list[str]:
        """Where the serving process imports the plug-ins from; each is loaded here first, to fail early."""
        roots = []
        for name in self.plugins:
            if not isinstance(name, str):
                raise FleetError(f"plug-in {name!r}: a fleet takes plug-ins by name (pkg.module), not as objects")
            try:
                load_plugin(name)
            except PluginError as exc:
                raise FleetError(str(exc)) from None
            root = import_root(name)
            if root is not None and str(root) not in roots:
                roots.append(str(root))
        return roots

    def _pid(self) -> int | None:
        try:
            return int((self.dir / PID_FILE).read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def _served_by(self, pid: int) -> bool:
        """Whether some host port answers from this pid (a pid may be reused)."""
        try:
            hosts = self.config()["hosts"]
        except FleetError:
            return False
        return any(_ping(h["port"]) == pid for h in hosts)

    def _wait_ready(self, proc: subprocess.Popen, timeout: float) -> None:
        ports = {h["port"] for h in self.config()["hosts"]}
        deadline = time.monotonic() + timeout
        while ports:
            if proc.poll() is not None:
                (self.dir / PID_FILE).unlink(missing_ok=True)
                raise FleetError(f"the fleet process exited with {proc.returncode}:\n{self._log_tail()}")
            ports = {p for p in ports if _ping(p) != proc.pid}
            if ports and time.monotonic() > deadline:
                self.stop()
                raise FleetError(f"ports {sorted(ports)} did not answer within {timeout}s:\n{self._log_tail()}")
            if ports:
                time.sleep(0.05)

    def _log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join((self.dir / LOG_FILE).read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


def serve(directory: str | os.PathLike) -> int:
    """Serve every host of a fleet directory until SIGTERM or SIGINT."""
    fleet = Fleet(directory)
    host_store = _host_store_class()
    servers: list[HostServer] = []
    config = fleet.config()
    plugins = [load_plugin(name) for name in config.get("plugins", [])]
    try:
        for entry in config["hosts"]:
            servers.append(HostServer(
                entry["name"], host_store(fleet.dir / entry["state_file"]), port=entry["port"],
                username=entry["username"], password=entry["password"], latency_ms=entry["latency_ms"],
                limits=Limits(**{k: entry["limits"][k] for k in _LIMIT_KEYS if k in entry["limits"]}),
                plugins=plugins,
            ).start())
            print(f"winsim: {entry['name']} ({entry['profile']}) on 127.0.0.1:{entry['port']}", flush=True)
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_unused: stop.set())
        # Also ends when the fleet directory goes away, so a deleted fleet
        # does not leave its ports behind.
        while not stop.wait(0.5) and (fleet.dir / CONFIG_FILE).exists():
            pass
    finally:
        for server in servers:
            server.stop()
    return 0


def _host_vars(entry: dict) -> dict[str, Any]:
    return {
        "ansible_host": "127.0.0.1",
        "ansible_port": entry["port"],
        "ansible_user": entry["username"],
        "ansible_password": entry["password"],
        "ansible_connection": "winrm",
        "ansible_winrm_transport": "basic",
        "ansible_winrm_scheme": "http",
        "ansible_winrm_server_cert_validation": "ignore",
    }


def _host_store_class() -> Any:
    return importlib.import_module(f"{_PACKAGE}.host.store").HostStore


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _unused in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _ping(port: int) -> int | None:
    try:
        with _OPENER.open(f"http://127.0.0.1:{port}/winsim/ping", timeout=1) as reply:
            return json.loads(reply.read()).get("pid")
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie nobody has reaped yet is not serving anything
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _write_json(path: Path, document: dict) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n")
    os.replace(temporary, path)
