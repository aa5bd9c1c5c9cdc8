"""wcow.buildkit's plug-in for the Windows host simulator (winsim, tests/winsim).

A simulated host knows Windows, not this collection: this plug-in tells its
powershell.exe what the collection's scripts do. `invoke` (winsim.plugin)
recognises the bootstrap the runner starts (bootstrap.py) and runs the
operation it carries with the handler of the same name in operations/.

Registered by module path: `python -m winsim start --plugin wcow_winsim ...`,
`Fleet(directory, plugins=["wcow_winsim"])`, `HostServer(..., plugins=["wcow_winsim"])`;
with tests/ on the Python path.
"""

from __future__ import annotations

from typing import Any

from winsim.host.powershell import run_powershell as _run_powershell
from winsim.plugin import ProcessResult

from . import bootstrap
from .bootstrap import BOOTSTRAP_LINE, invoke
from .operations import HANDLERS, PowerShellError

__all__ = ["BOOTSTRAP_LINE", "HANDLERS", "PowerShellError", "ProcessResult", "invoke", "run_powershell"]


def run_powershell(store: Any, script: str, stdin: bytes) -> ProcessResult:
    """`script` with `stdin` as powershell.exe on the host of `store` runs it with this plug-in."""
    return _run_powershell(store, script, stdin, [bootstrap])
