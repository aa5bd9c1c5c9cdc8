"""A simulated Windows host fleet that speaks WinRM (WS-Management over HTTP).

Layers, one folder each: transport (the WinRM listener), fleet (many hosts in
one background process, and the command line), host (a host's state, faults
and power), windows (the operating system's primitives) and programs (the
programs a host runs: containerd, buildkitd, buildctl, tar).

`Fleet` and `HostSpec` (winsim.fleet) start hosts in a background process;
`HostServer` (winsim.transport.server) serves one host in-process.
"""

from __future__ import annotations

__all__ = ["Fleet", "HostSpec", "HostServer"]  # pylint: disable=undefined-all-variable  # lazy: __getattr__


def __getattr__(name: str):
    # Imported lazily: `python -m winsim` and the host model load only what they use.
    if name in ("Fleet", "HostSpec"):
        from . import fleet
        return getattr(fleet, name)
    if name == "HostServer":
        from .transport.server import HostServer
        return HostServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
