"""buildkitd.exe on a simulated host: --version, --register-service, --unregister-service, the service.

The order follows cmd/buildkitd/main.go app.Action: load the config file,
apply the flags (on Windows `--group` is turned into the pipe's security
descriptor here, so an unknown group fails registration and start alike),
create the root, then register/unregister and stop, or run as the service:
open --log-file, take the root's lock, set up the containerd worker and its
network, connect to the SCM, listen on the pipe.
"""

from __future__ import annotations

import json
import re
import tomllib

from ..windows import accounts, files, pipes
from ..windows.guids import seeded_int
from ..windows.processes import Completed, DaemonExit, Process
from . import go_service, goflags
from .daemon_log import Log, LogOpenError

# util/appdefaults/appdefaults_windows.go (docs/windows-facts.md#buildkitd-defaults).
DEFAULT_ROOT = "C:\\ProgramData\\buildkitd\\.buildstate"
DEFAULT_CONFIG = "C:\\ProgramData\\buildkitd\\buildkitd.toml"
DEFAULT_ADDRESS = "npipe:////./pipe/buildkitd"
DEFAULT_CONTAINERD_ADDRESS = "\\\\.\\pipe\\containerd-containerd"
# CNI defaults: v0.22.0 and newer use containerd's folders, older ones
# buildkitd's own (docs/windows-facts.md#buildkitd-defaults).
CNI_DEFAULTS_V22 = ("C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf",
                    "C:\\Program Files\\containerd\\cni\\bin")
CNI_DEFAULTS_OLD = ("C:\\ProgramData\\buildkitd\\cni.json", "C:\\ProgramData\\buildkitd\\bin")
# Pipe ACL without --group: Administrators and SYSTEM (cmd/buildkitd/main_windows.go
# groupToSecurityDescriptor; docs/windows-facts.md#buildkitd-pipe-access-and-groups, since v0.14.0).
DEFAULT_SDDL = "D:P(A;;GA;;;BA)(A;;GA;;;SY)"
# cmd/buildkitd/service_windows.go registerService.
DISPLAY_NAME = "Buildkitd"
DESCRIPTION = "Container image build engine"

_STRINGS = ("config", "root", "log-format", "group", "debugaddr", "tlscert", "tlskey", "tlscacert", "otel-socket-path",
            "containerd-worker", "containerd-worker-addr", "containerd-worker-namespace", "containerd-worker-runtime",
            "containerd-worker-net", "containerd-cni-config-path", "containerd-cni-binary-dir",
            "containerd-worker-snapshotter", "containerd-worker-apparmor-profile", "containerd-worker-gc-keepstorage",
            "service-name", "log-file")
_BOOLS = ("debug", "trace", "rootless", "containerd-worker-selinux", "containerd-worker-rootless",
          "containerd-worker-gc", "register-service", "unregister-service", "run-service", "version", "help")
_SLICES = ("addr", "allow-insecure-entitlement", "containerd-worker-labels", "containerd-worker-platform")
# cmd/buildkitd/main.go, main_containerd_worker.go, service_windows.go.
FLAGS = goflags.Spec(
    kinds={**{n: "string" for n in _STRINGS}, **{n: "bool" for n in _BOOLS}, **{n: "slice" for n in _SLICES},
           "containerd-cni-pool-size": "int"},
    aliases={"v": "version", "h": "help"},
)


class StartupError(Exception):
    """app.Action returned an error: buildkitd prints `buildkitd: <error>` and exits 1."""


def version_line(process: Process, name: str = "buildkitd") -> str:
    # cli.VersionPrinter: app name, version.Package, version, revision (docs/windows-facts.md#tool-output).
    return f"{name} github.com/moby/buildkit {process.program.version} {process.program.revision}\n"


def _version_tuple(version: str) -> tuple:
    match = re.match(r"v?(\d+)\.(\d+)\.(\d+)", version)
    return tuple(int(p) for p in match.groups()) if match else (0, 0, 0)


def _load_config(state: dict, flags: goflags.Parsed) -> dict:
    # main(): defaultConf() loads the default path before the flags are parsed, whatever --config says, and
    # fails on anything but a missing file; its [grpc] values (tlscert, tlskey, tlscacert, group) become the
    # flags' defaults (moby/buildkit cmd/buildkitd/main.go; docs/windows-facts.md#protected-dacls). A file at
    # the default path is read even with --config elsewhere: only its folder's DACL keeps it out.
    if files.is_file(state, DEFAULT_CONFIG) and flags.get("config", DEFAULT_CONFIG).lower() != DEFAULT_CONFIG.lower():
        try:
            tomllib.loads(files.read_bytes(state, DEFAULT_CONFIG).decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise StartupError(f"failed to parse config: {error}") from None
    path = flags.get("config", DEFAULT_CONFIG)
    if not files.is_file(state, path):
        if flags.is_set("config"):
            # config.LoadFile: "failed to load config from <path>: open <path>: ...".
            raise StartupError(f"failed to load config from {path}: open {path}: The system cannot find the file specified.")
        return {}
    try:
        return tomllib.loads(files.read_bytes(state, path).decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        # config.Load: errors.Wrap(err, "failed to parse config").
        raise StartupError(f"failed to parse config: {error}") from None


def group_sddl(state: dict, group: str) -> str:
    """groupToSecurityDescriptor: each comma-separated name resolved with LookupAccountName."""
    sddl = DEFAULT_SDDL
    for name in group.split(","):
        account = accounts.lookup_account_name(state, name) if name else None
        if account is None:
            # go-winio AccountLookupError for ERROR_NONE_MAPPED / an empty name.
            detail = f"lookup account {name}: not found" if name else "lookup account: empty account name specified"
            raise StartupError(f"failed to lookup sid for group {name}: {detail}")
        sddl += f"(A;;GRGW;;;{account.sid})"
    return sddl


def settings_of(process: Process, flags: goflags.Parsed) -> dict:
    state = process.state
    config = _load_config(state, flags)
    worker = (config.get("worker") or {}).get("containerd") or {}
    grpc = config.get("grpc") or {}
    cni_config, cni_bin = CNI_DEFAULTS_V22 if _version_tuple(process.program.version) >= (0, 22, 0) else CNI_DEFAULTS_OLD
    settings = {
        "root": config.get("root") or DEFAULT_ROOT,
        "debug": bool(config.get("debug", False)),
        "addresses": list(grpc.get("address") or [DEFAULT_ADDRESS]),
        "sddl": grpc.get("securityDescriptor") or DEFAULT_SDDL,
        "containerd_address": worker.get("address") or DEFAULT_CONTAINERD_ADDRESS,
        "network_mode": worker.get("networkMode") or "auto",
        "cni_config": worker.get("cniConfigPath") or cni_config,
        "cni_bin": worker.get("cniBinaryPath") or cni_bin,
        "containerd_worker": worker.get("enabled", "auto"),
    }
    for flag, key in (("root", "root"), ("containerd-worker-addr", "containerd_address"),
                      ("containerd-worker-net", "network_mode"), ("containerd-cni-config-path", "cni_config"),
                      ("containerd-cni-binary-dir", "cni_bin")):
        if flags.is_set(flag):
            settings[key] = flags.get(flag)
    if flags.is_set("containerd-worker"):
        settings["containerd_worker"] = flags.get("containerd-worker")
    if flags.is_set("debug"):
        settings["debug"] = flags.get("debug")
    if flags.is_set("addr"):
        settings["addresses"] = flags.get("addr")
    if flags.get("group"):
        settings["sddl"] = group_sddl(state, flags.get("group"))
    return settings


def _prepare(process: Process) -> tuple:
    flags = goflags.parse(process.argv[1:], FLAGS)
    settings = settings_of(process, flags)
    files.ensure_dir(process.state, settings["root"])
    return flags, settings


DAEMON = go_service.Daemon(
    name="buildkitd", flags=FLAGS, prepare=_prepare, config_error=StartupError, version_line=version_line,
    display_name=DISPLAY_NAME, description=DESCRIPTION,
    both_flags_message="--register-service and --unregister-service cannot be used together",
    # os.Executable(): the path of the file as stored.
    executable=lambda process: process.path,
)


def run_cli(process: Process) -> Completed:
    return go_service.run_cli(process, DAEMON)


def _go_quote(text: str) -> str:
    return json.dumps(text)


def _other_instance(state: dict, process: Process, root: str) -> bool:
    for key, service in state.get("services", {}).items():
        runtime = service.get("Runtime") or {}
        if key != process.service and service["State"] == "Running" and runtime.get("program") == "buildkitd" \
                and files.normalise(runtime.get("root", "")) == files.normalise(root):
            return True
    return False


def _cni_network(state: dict, settings: dict, log: Log) -> str:
    """util/network/netproviders Providers and cniprovider.New; returns the network kind."""
    mode, config, bindir = settings["network_mode"], settings["cni_config"], settings["cni_bin"]
    if mode in ("auto", ""):
        if files.lookup(state, config) is None:
            # moby/buildkit#4960: no CNI config, no network, no error.
            log.line("warning", "using null network as the default")
            return "null"
    elif mode == "host":
        # netproviders/network_windows.go getHostProvider reports no host networking.
        raise StartupError("no host network support on this platform")
    elif mode != "cni":
        raise StartupError(f"invalid network mode: {_go_quote(mode)}")
    if files.lookup(state, config) is None:
        raise StartupError(f"failed to read cni config {_go_quote(config)}: CreateFile {config}: "
                           "The system cannot find the file specified.")
    if files.lookup(state, bindir) is None:
        raise StartupError(f"failed to read cni binary dir {_go_quote(bindir)}: CreateFile {bindir}: "
                           "The system cannot find the file specified.")
    for plugin in _cni_plugins(state, config):
        # libcni FindInPath tries <dir>\<type>.exe and <dir>\<type> (pkg/invoke/find.go).
        found = any(files.is_file(state, f"{bindir.rstrip(chr(92))}\\{plugin['type']}{ext}") for ext in (".exe", ""))
        if not found:
            described = f"type={_go_quote(plugin['type'])}" + (f" name={_go_quote(plugin['name'])}" if plugin["name"] else "")
            # cniprovider newNS "CNI setup error", libcni "plugin %s failed (add)".
            raise StartupError(f"CNI setup error: plugin {described} failed (add): failed to find plugin "
                               f"{_go_quote(plugin['type'])} in path [{bindir}]")
    return "cni"


def _cni_plugins(state: dict, path: str) -> list:
    """The plugins of a .conf (one) or .conflist (its "plugins"), as libcni parses them."""
    try:
        document = json.loads(files.read_bytes(state, path).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, files.WindowsIOError) as error:
        raise StartupError(f"error parsing configuration: {error}") from None
    if not isinstance(document, dict):
        raise StartupError("error parsing configuration: json: cannot unmarshal into Go value of type types.NetConf")
    if path.lower().endswith(".conflist"):
        entries = document.get("plugins")
        if not isinstance(entries, list) or not entries:
            raise StartupError(f"error parsing configuration list: no 'plugins' key in {path}")
        name = document.get("name", "")
    else:
        entries, name = [document], document.get("name", "")
    plugins = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str) or not entry["type"]:
            raise StartupError("error parsing configuration: missing 'type'")
        plugins.append({"type": entry["type"], "name": entry.get("name") or name})
    return plugins


def run_service(process: Process) -> dict:
    state = process.state
    try:
        flags, settings = _prepare(process)
    except (goflags.FlagError, StartupError) as error:
        # Before registerUnregisterService redirects output: the error goes to the
        # service's null stderr and only the failed start shows.
        raise DaemonExit(str(error)) from None
    try:
        log = Log(state, flags.get("log-file")).open()
    except LogOpenError as error:
        raise DaemonExit(f'open log file "{flags.get("log-file")}": {error}') from None
    try:
        if _other_instance(state, process, settings["root"]):
            lock = settings["root"].rstrip("\\") + "\\buildkitd.lock"
            raise StartupError(f"could not lock {lock}, another instance running?")
        if str(settings["containerd_worker"]).lower() == "false":
            # The containerd worker is the only one on Windows.
            raise StartupError("no worker found, rebuild the buildkit daemon?")
        if pipes.lookup(state, settings["containerd_address"]) is None:
            # main_containerd_worker.go validContainerdSocket, then newWorkerController.
            log.line("warning", f"skipping containerd worker, as {_go_quote(settings['containerd_address'])} does not exist")
            raise StartupError("no worker found, rebuild the buildkit daemon?")
        network = _cni_network(state, settings, log)
    except StartupError as error:
        # os.Stderr is the log file by now: main prints "buildkitd: <error>".
        log.raw(f"buildkitd: {error}")
        raise DaemonExit(str(error)) from None
    worker = format(seeded_int("buildkit-worker", state["hostname"].lower()), "x")[:25]
    log.line("info", f"found worker {_go_quote(worker)}, labels=map[org.mobyproject.buildkit.worker.executor:containerd "
                     f"org.mobyproject.buildkit.worker.network:{network if network == 'cni' else ''} "
                     f"org.mobyproject.buildkit.worker.snapshotter:windows], platforms=[windows/amd64]")
    log.line("info", f"found 1 workers, default={_go_quote(worker)}")
    server = {"program": "buildkitd", "version": process.program.version, "revision": process.program.revision}
    runtime = {"program": "buildkitd", "root": settings["root"], "sddl": settings["sddl"], "network": network,
               "addresses": [], "log_file": flags.get("log-file"),
               "containerd_address": settings["containerd_address"]}
    for address in settings["addresses"]:
        if not address.lower().startswith("npipe://"):
            continue  # tcp:// listeners are not modelled
        try:
            pipes.listen(state, address, process.pid, process.service, settings["sddl"], server)
        except pipes.PipeBusy:
            # serveGRPC runs after launchService: the service was Running, then the process exits.
            log.raw(f"buildkitd: creating listener: open {pipes.normalise(address)}: Access is denied.")
            return {**runtime, "exits_after_start": True}
        runtime["addresses"].append(address)
        log.line("info", f"running server on {address[len('npipe://'):]}")
    return runtime
