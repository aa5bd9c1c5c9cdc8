"""The plug-in interface: the scripts a simulated host's powershell.exe knows what to do with.

winsim models Windows, not the scripts of any one tool. A plug-in models the
scripts of one tool: the host's powershell.exe (winsim.host.powershell) hands
it each script it is asked to run, decoded from -EncodedCommand or -Command as
powershell.exe sees it, with the standard input; the first plug-in that
claims the script decides the answer. A script no plug-in claims fails as an
uncaught PowerShell error does (exit code 1, an error record on stderr):
never a success the simulator made up.

A plug-in is any object, a module will do, with

    invoke(script: str, stdin: bytes) -> ProcessResult | Operation | None

returning
- None: not one of its scripts;
- a ProcessResult: the answer, for a script that ends before it touches the
  host (its input does not parse, a parameter is missing);
- an Operation: a script that works on the host. The host calls
  `operation.run(state)` with its state document inside one transaction of
  the state file, so what the script changed stays changed, also when it then
  fails, with the host's faults (winsim.host.faults) applied: `name` is what a
  fault's "operation" names, and `params` what its "match" compares (a dict).
  `run` returns the ProcessResult. The host's models (winsim.windows,
  winsim.programs) are what `run` works with.

Registering plug-ins: `python -m winsim start --plugin pkg.module` (or
`pkg.module:attribute`) for a fleet from the command line, `Fleet(directory,
plugins=["pkg.module"])` from Python (by module path, since a background
process serves the fleet), or `HostServer(name, store, plugins=[obj])` for
one host served in-process.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol


@dataclass
class ProcessResult:
    """What a process leaves its caller: its output streams and exit code."""

    stdout: bytes = b""
    stderr: bytes = b""
    rc: int = 0


@dataclass(frozen=True)
class Operation:
    """A script that works on the host: `run(state)` applies it and returns its ProcessResult."""

    name: str
    params: Any
    run: Callable[[dict], ProcessResult]


class Plugin(Protocol):
    def invoke(self, script: str, stdin: bytes) -> ProcessResult | Operation | None:
        """What this plug-in makes of a script, or None when it is not one of its scripts."""


class PluginError(ValueError):
    pass


def load_plugin(plugin: Any) -> Plugin:
    """A plug-in given as an object, or by name: `pkg.module` or `pkg.module:attribute`."""
    if isinstance(plugin, str):
        module_name, _unused, attribute = plugin.partition(":")
        try:
            found = importlib.import_module(module_name)
        except ImportError as exc:
            raise PluginError(f"plug-in {plugin!r}: cannot import {module_name!r}: {exc}") from None
        if attribute:
            try:
                found = getattr(found, attribute)
            except AttributeError:
                raise PluginError(f"plug-in {plugin!r}: {module_name!r} has no attribute {attribute!r}") from None
        plugin = found
    if not callable(getattr(plugin, "invoke", None)):
        raise PluginError(f"plug-in {plugin!r} has no invoke(script, stdin)")
    return plugin


def import_root(plugin: str) -> Path | None:
    """The folder `pkg.module` is imported from (for another process's PYTHONPATH), if it has one."""
    spec = importlib.util.find_spec(plugin.partition(":")[0].split(".")[0])
    if spec is None:
        return None
    if spec.submodule_search_locations:
        locations = list(spec.submodule_search_locations)
        return Path(locations[0]).resolve().parent if len(locations) == 1 else None
    return Path(spec.origin).resolve().parent if spec.origin and spec.has_location else None
