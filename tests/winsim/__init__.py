"""A simulated Windows host fleet that speaks WinRM (WS-Management over HTTP).

`Fleet` and `HostSpec` (fleet.py) start hosts in a background process;
`HostServer` (server.py) serves one host in-process.
"""

from __future__ import annotations

__all__ = ["Fleet", "HostSpec", "HostServer"]  # pylint: disable=undefined-all-variable  # lazy: __getattr__


def __getattr__(name: str):
    # Imported lazily: `python -m winsim` and the host model load only what they use.
    if name in ("Fleet", "HostSpec"):
        from . import fleet
        return getattr(fleet, name)
    if name == "HostServer":
        from .server import HostServer
        return HostServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
