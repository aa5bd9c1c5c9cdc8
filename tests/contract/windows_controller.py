"""Lets the contract suite import the collection's runner under Windows' own Python.

ansible-core runs its controller on POSIX only: `ansible.utils.display` imports fcntl, termios and
tty, which Windows' Python does not have. The runner uses `Display` only for -vvv messages and
warnings, so on Windows (the GitHub Windows runners run the suite against their own WinRM
listener) a silent stand-in takes its place before the runner is imported. Elsewhere nothing changes.
"""

from __future__ import annotations

import sys
import types
import typing as t


class _SilentDisplay:
    def __getattr__(self, name: str) -> t.Callable[..., None]:
        return lambda *args, **kwargs: None


def install() -> None:
    if sys.platform != 'win32' or 'ansible.utils.display' in sys.modules:
        return
    module = types.ModuleType('ansible.utils.display')
    module.Display = _SilentDisplay  # type: ignore[attr-defined]
    sys.modules['ansible.utils.display'] = module
