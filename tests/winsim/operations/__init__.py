"""One handler per collection operation, keyed by the operation's name.

A handler is `run(state, params) -> dict`: it applies the operation to the
host state through `winsim.windows` and returns the result hashtable, or
raises `PowerShellError` for what the real script would throw.
"""

from . import hns_network_apply, hns_network_read
from .base import PowerShellError

HANDLERS = {
    "hns_network_read": hns_network_read.run,
    "hns_network_apply": hns_network_apply.run,
}

__all__ = ["HANDLERS", "PowerShellError"]
