"""One handler per collection operation, keyed by the operation's name.

Each module here named after an operation defines `run(state, params) -> dict`:
it applies the operation to the host state through `winsim.windows` and
returns the result hashtable, or raises `PowerShellError` for what the real
script would throw. A handler whose `reads_stdin` is true also gets `stdin=`:
the bytes after the payload line. Modules without `run` are shared helpers.
"""

import importlib
import pkgutil

from .base import PowerShellError


def _discover() -> dict:
    handlers = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "run", None)):
            handlers[info.name] = module.run
    return handlers


HANDLERS = _discover()

__all__ = ["HANDLERS", "PowerShellError"]
