# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the modules that run buildctl on the host: where buildctl is, and which buildkitd it asks."""

from __future__ import annotations

import re

from .._core.errors import InvalidArgument

# The addresses of buildkitd on Windows, and nothing else (moby/buildkit
# cmd/buildkitd/main.go getListener): a named pipe, npipe:////./pipe/<name>
# (or a remote server's, npipe:////<server>/pipe/<name>), or tcp://<host>:<port>.
# Strict, so that no value carries text another program would read as syntax.
_NPIPE = re.compile(r'^npipe:////(?:\.|[A-Za-z0-9][A-Za-z0-9.-]{0,252})/pipe/[A-Za-z0-9][A-Za-z0-9._-]{0,255}$',
                    re.IGNORECASE)
_TCP = re.compile(r'^tcp://(?P<host>[A-Za-z0-9][A-Za-z0-9.-]{0,252}|\[[0-9A-Fa-f:.]{2,45}\]):(?P<port>[0-9]{1,5})$',
                  re.IGNORECASE)
_WINDOWS_ABSOLUTE = re.compile(r'^([A-Za-z]:\\|\\\\)')


def check_buildctl_path(path: str) -> None:
    """InvalidArgument('buildctl_path') unless `path` is an absolute Windows path."""
    if not path or path != path.strip() or not _WINDOWS_ABSOLUTE.match(path):
        raise InvalidArgument('buildctl_path', 'must be an absolute Windows path such as C:\\buildkit\\buildctl.exe')


def address_problem(addr: str) -> str | None:
    """Why `addr` is not npipe:////./pipe/<name> or tcp://<host>:<port>, or None."""
    if not isinstance(addr, str):
        return '%r is not a string' % (addr,)
    if _NPIPE.fullmatch(addr):
        return None
    match = _TCP.fullmatch(addr)
    if match and 1 <= int(match.group('port')) <= 65535:
        return None
    return ('%r is not npipe:////./pipe/<name> (letters, digits, ".", "_", "-") nor tcp://<host>:<port>' % (addr,))


def check_addr(addr: str | None) -> None:
    """InvalidArgument('addr') unless `addr` is None or a buildkitd address (address_problem)."""
    problem = address_problem(addr) if addr is not None else None
    if problem:
        raise InvalidArgument('addr', problem)
