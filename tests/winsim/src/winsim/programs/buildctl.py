"""buildctl.exe on a simulated host: --version, `debug info` and `build` (winsim.programs.buildctl_build).

`debug info` connects to buildkitd's named pipe: it answers only while a
buildkitd serves the pipe and the caller's token passes the pipe's DACL
(docs/windows-facts.md#buildkitd-pipe-access-and-groups and docs/windows-facts.md#tool-output;
cmd/buildctl/debug/info.go prints "BuildKit:\\t<package> <version> <revision>"
through a tabwriter with one space of padding).
"""

from __future__ import annotations

from ..windows import accounts, pipes
from ..windows.processes import Completed, Process
from . import buildctl_build, goflags

DEFAULT_ADDRESS = "npipe:////./pipe/buildkitd"
# cmd/buildctl/main.go global flags.
FLAGS = goflags.Spec(
    kinds={"debug": "bool", "addr": "string", "log-format": "string", "tlsservername": "string",
           "tlscacert": "string", "tlscert": "string", "tlskey": "string", "tlsdir": "string", "timeout": "int",
           "wait": "bool", "version": "bool", "help": "bool"},
    aliases={"v": "version", "h": "help"},
)


def caller(state: dict, process: Process) -> accounts.Account:
    if process.user is not None:
        return process.user
    return accounts.lookup_account_name(state, "Administrator")


def _dial_error(address: str, reason: str) -> Completed:
    # docs/windows-facts.md#tool-output: buildctl cannot reach the daemon.
    path = address[len("npipe://"):] if address.lower().startswith("npipe://") else address
    return Completed(1, "", f'error: Unavailable: connection error: desc = "transport: Error while dialing: '
                            f'open {path}: {reason}"\n')


def run_cli(process: Process) -> Completed:
    state = process.state
    try:
        flags = goflags.parse(process.argv[1:], FLAGS)
    except goflags.FlagError as error:
        return Completed(1, "", f"Incorrect Usage: {error}\n")
    if flags.get("version"):
        return Completed(0, f"buildctl github.com/moby/buildkit {process.program.version} {process.program.revision}\n")
    command = flags.positional[:2] if flags.positional[:1] != ["build"] else ["build"]
    if command not in (["debug", "info"], ["build"]):
        return Completed(1, "", "buildctl: only `debug info` and `build` are modelled by the simulator\n")
    address = flags.get("addr", DEFAULT_ADDRESS)
    pipe = pipes.lookup(state, address)
    if pipe is None:
        return _dial_error(address, "The system cannot find the file specified.")
    if not pipes.may_open(pipe["sddl"], pipes.token_sids(state, caller(state, process))):
        return _dial_error(address, "Access is denied.")
    server = pipe["server"]
    if server.get("program") != "buildkitd":
        return Completed(1, "", "error: Unimplemented: unknown service moby.buildkit.v1.Control\n")
    if command == ["build"]:
        service = state.get("services", {}).get(pipe.get("service") or "", {})
        return buildctl_build.run(process, service.get("Runtime") or {}, flags.positional[1:])
    return Completed(0, f"BuildKit: github.com/moby/buildkit {server['version']} {server['revision']}\n")
