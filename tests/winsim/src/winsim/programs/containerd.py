"""containerd.exe on a simulated host: --version, --register-service, --unregister-service, the service.

The order of a run follows cmd/containerd/command/main.go app.Action: load
the config (when the file exists or --config was given), apply the flags,
create the root and state folders, then register/unregister and stop, or run
as the service: open --log-file, start, listen on the gRPC pipe.
"""

from __future__ import annotations

import tomllib

from ..windows import files, pipes
from ..windows.processes import Completed, DaemonExit, Process
from . import go_service, goflags
from .daemon_log import Log, LogOpenError

# docs/windows-facts.md#containerd-on-windows: default paths and pipe.
DEFAULT_CONFIG = "C:\\Program Files\\containerd\\config.toml"
DEFAULT_ROOT = "C:\\ProgramData\\containerd\\root"
DEFAULT_STATE = "C:\\ProgramData\\containerd\\state"
DEFAULT_ADDRESS = "\\\\.\\pipe\\containerd-containerd"
# containerd's own pipe: Administrators and SYSTEM (pkg/sys socket_windows.go
# uses the same SDDL as moby's default, D:P(A;;GA;;;BA)(A;;GA;;;SY)).
PIPE_SDDL = "D:P(A;;GA;;;BA)(A;;GA;;;SY)"
# cmd/containerd/command/service_windows.go registerService.
DISPLAY_NAME = "Containerd"
DESCRIPTION = "Container runtime"

# cmd/containerd/command/main.go global flags and serviceFlags().
FLAGS = goflags.Spec(
    kinds={"config": "string", "log-level": "string", "address": "string", "root": "string", "state": "string",
           "service-name": "string", "register-service": "bool", "unregister-service": "bool",
           "run-service": "bool", "log-file": "string", "version": "bool", "help": "bool"},
    aliases={"c": "config", "l": "log-level", "a": "address", "v": "version", "h": "help"},
)


class ConfigError(Exception):
    pass


def version_line(process: Process) -> str:
    """containerd --version (docs/windows-facts.md#tool-output): the Go module path has /v2 from 2.0 on."""
    version = process.program.version
    major = int(version.lstrip("v").split(".")[0])
    package = "github.com/containerd/containerd/v2" if major >= 2 else "github.com/containerd/containerd"
    return f"containerd {package} {version} {process.program.revision}\n"


def _settings(state: dict, flags: goflags.Parsed) -> dict:
    """Config file, then flags (main.go: LoadConfig only if the file exists or --config is set)."""
    path = flags.get("config", DEFAULT_CONFIG)
    settings = {"root": DEFAULT_ROOT, "state": DEFAULT_STATE, "address": DEFAULT_ADDRESS}
    if files.is_file(state, path) or flags.is_set("config"):
        if not files.is_file(state, path):
            raise ConfigError(f"open {path}: The system cannot find the file specified.")
        try:
            document = tomllib.loads(files.read_bytes(state, path).decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            # srvconfig.LoadConfig: "failed to load TOML: <path>: <decoder error>".
            raise ConfigError(f"failed to load TOML: {path}: {error}") from None
        for key in ("root", "state"):
            if isinstance(document.get(key), str):
                settings[key] = document[key]
        grpc = document.get("grpc")
        if isinstance(grpc, dict) and isinstance(grpc.get("address"), str):
            settings["address"] = grpc["address"]
    for key in ("root", "state", "address"):
        if flags.is_set(key):
            settings[key] = flags.get(key)
    return settings


def _prepare(process: Process) -> tuple:
    flags = goflags.parse(process.argv[1:], FLAGS)
    settings = _settings(process.state, flags)
    # server.CreateTopLevelDirectories: sys.MkdirAllWithACL (docs/windows-facts.md#daemon-folders).
    for key in ("root", "state"):
        _mkdir_all_with_acl(process, settings[key])
    return flags, settings


# pkg/sys SddlAdministratorsLocalSystem, the DACL MkdirAllWithACL gives the folder it creates.
ADMINISTRATORS_LOCAL_SYSTEM = "D:P(A;OICI;GA;;;BA)(A;OICI;GA;;;SY)"


def _mkdir_all_with_acl(process: Process, path: str) -> None:
    """An existing folder is left as it is; the missing parents are created as os.Mkdir does (inheriting), the
    folder itself with the protected DACL. The owner is the creating token's default owner: Administrators for
    an elevated administrator, SYSTEM for the service (unchecked)."""
    if files.is_dir(process.state, path):
        return
    files.ensure_dir(process.state, path)
    owner = "SY" if process.service else "BA"
    process.state["files"][files.find_key(process.state, path)]["sddl"] = f"O:{owner}{ADMINISTRATORS_LOCAL_SYSTEM}"


DAEMON = go_service.Daemon(
    name="containerd", flags=FLAGS, prepare=_prepare, config_error=ConfigError, version_line=version_line,
    display_name=DISPLAY_NAME, description=DESCRIPTION,
    both_flags_message="--register-service and --unregister-service cannot be used together: invalid argument",
    # getServicePath: exec.LookPath(os.Args[0]) made absolute: the path as invoked.
    executable=lambda process: process.argv[0],
)


def run_cli(process: Process) -> Completed:
    return go_service.run_cli(process, DAEMON)


def run_service(process: Process) -> dict:
    state = process.state
    try:
        flags, settings = _prepare(process)
    except (goflags.FlagError, ConfigError) as error:
        # Before --log-file is opened: the message goes to the service's null stderr.
        raise DaemonExit(str(error)) from None
    if not flags.get("run-service"):
        # Without --run-service containerd never calls svc.Run: it serves as a
        # console program and the SCM's start times out (service_windows.go launchService).
        raise DaemonExit("not started with --run-service")
    try:
        log = Log(state, flags.get("log-file")).open()
    except LogOpenError as error:
        raise DaemonExit(f'open log file "{flags.get("log-file")}": {error}') from None
    log.line("info", "starting containerd", revision=process.program.revision, version=process.program.version)
    server = {"program": "containerd", "version": process.program.version, "revision": process.program.revision}
    try:
        pipes.listen(state, settings["address"], process.pid, process.service, PIPE_SDDL, server)
    except pipes.PipeBusy:
        log.line("fatal", f"failed to get listener for main endpoint: open {settings['address']}: Access is denied.")
        return {"program": "containerd", "exits_after_start": True}
    log.line("info", "serving...", address=settings["address"])
    log.line("info", "containerd successfully booted in 0.052s")
    return {"program": "containerd", "address": settings["address"], "root": settings["root"]}
