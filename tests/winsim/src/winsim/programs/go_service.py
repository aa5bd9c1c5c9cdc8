"""What containerd and buildkitd share as Go Windows services (golang.org/x/sys/windows/svc/mgr).

`run_cli()` is what both do when run as a program (their app.Action up to
running the service); `register()` is their registerService: CreateService
with the running executable, StartAutomatic, own process, no dependencies, LocalSystem, the
arguments `--run-service` plus every other argument of the registering
command line but --register-service / --unregister-service; then the
description and the recovery actions restart 15 s, restart 15 s, none,
reset 24 h (cmd/containerd/command/service_windows.go,
cmd/buildkitd/service_windows.go; docs/windows-facts.md#buildkitd-as-a-windows-service).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable

from ..windows import scm
from ..windows.processes import Completed, Process
from . import goflags


@dataclass(frozen=True)
class Daemon:
    """A Go daemon that registers itself as a Windows service, as run_cli needs it."""

    name: str  # the program, its default service name and the prefix of its own errors
    flags: goflags.Spec
    # (flags, settings): the config loaded, the flags applied over it, the folders created.
    prepare: Callable[[Process], tuple]
    config_error: type  # what prepare raises for a config it cannot use
    version_line: Callable[[Process], str]
    display_name: str
    description: str
    both_flags_message: str  # log.L.Fatal for --register-service with --unregister-service
    executable: Callable[[Process], str]  # the path registerService writes into the ImagePath


def run_cli(process: Process, daemon: Daemon) -> Completed:
    try:
        flags = goflags.parse(process.argv[1:], daemon.flags)
    except goflags.FlagError as error:
        return Completed(1, "", f"Incorrect Usage: {error}\n")
    if flags.get("version"):
        return Completed(0, daemon.version_line(process))
    try:
        flags, _settings = daemon.prepare(process)
    except daemon.config_error as error:
        return Completed(1, "", f"{daemon.name}: {error}\n")
    name = flags.get("service-name") or daemon.name
    try:
        if flags.get("register-service") and flags.get("unregister-service"):
            return Completed(1, "", fatal_line(process.state, daemon.both_flags_message))
        if flags.get("register-service"):
            register(process.state, daemon.executable(process), process.argv, name, daemon.display_name,
                     daemon.description)
            return Completed(0)
        if flags.get("unregister-service"):
            unregister(process.state, name)
            return Completed(0)
    except scm.Win32Error as error:
        return Completed(1, "", fatal_line(process.state, error.message))
    # Run in the foreground: the tests have no use for a console daemon.
    return Completed(1, "", f"{daemon.name}: running in the foreground is not modelled by the simulator\n")


def escape_arg(text: str) -> str:
    """Go's syscall.EscapeArg, with which mgr.CreateService writes the ImagePath."""
    if not text:
        return '""'
    has_space = any(c in " \t" for c in text)
    if not has_space and not any(c in '"\\' for c in text):
        return text
    out, slashes = '"' if has_space else "", 0
    for char in text:
        if char == "\\":
            slashes += 1
        elif char == '"':
            out += "\\" * slashes + "\\"
            slashes = 0
        else:
            slashes = 0
        out += char
    if has_space:
        out += "\\" * slashes + '"'
    return out


def register(state: dict, executable: str, argv: list, service_name: str, display_name: str, description: str) -> None:
    """Raises scm.Win32Error (1073 when the service exists) as mgr.CreateService returns it."""
    args = ["--run-service"] + [a for a in argv[1:] if a not in ("--register-service", "--unregister-service")]
    image_path = " ".join([escape_arg(executable)] + [escape_arg(a) for a in args])
    scm.create_service(state, service_name, image_path, start=scm.START_AUTO, display_name=display_name)
    scm.set_description(state, service_name, description)
    scm.set_failure_actions(state, service_name, 24 * 3600, [(1, 15000), (1, 15000), (0, 0)])


def unregister(state: dict, service_name: str) -> None:
    """OpenService and DeleteService; a running service is only marked (it is not stopped)."""
    scm.delete_service(state, service_name)


def fatal_line(state: dict, message: str) -> str:
    """What log.L.Fatal prints on stderr before exit status 1 (logrus TextFormatter)."""
    stamp = datetime.datetime.strptime(state["boot"]["last_boot_time"], "%Y-%m-%dT%H:%M:%SZ")
    return f'time="{stamp.strftime("%Y-%m-%dT%H:%M:%SZ")}" level=fatal msg="{message}"\n'
