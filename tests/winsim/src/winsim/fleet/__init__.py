"""Many simulated hosts served by one background process (fleet) and the command line
`python -m winsim` (cli), which changes a host's state with dotted paths (statepath)."""

from .fleet import Fleet, FleetError, HostSpec, serve

__all__ = ["Fleet", "FleetError", "HostSpec", "serve"]
