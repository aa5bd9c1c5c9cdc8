# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Answers to a module's operations that the whole-host action gives it.

The whole-host action runs each module's own code twice: first with a
`ReadRecorder`, which stops the module at its first operation (always its
read) and keeps what it asked; then, once every recorded read ran in one
batch_read, with the `Prefetched` answers. An operation nobody prefetched
goes to the host as usual.
"""

from __future__ import annotations

import json
import typing as t

from .._core.errors import OperationError


class ReadWanted(Exception):
    """Raised by ReadRecorder: the operation a module would run first."""

    def __init__(self, name: str, params: dict[str, t.Any]) -> None:
        super().__init__(name)
        self.name = name
        self.params = params


class ReadRecorder:
    def answer(self, name: str, params: dict[str, t.Any]) -> dict[str, t.Any] | None:
        raise ReadWanted(name, params)


def read_key(name: str, params: dict[str, t.Any]) -> str:
    return json.dumps([name, params], sort_keys=True, separators=(',', ':'))


class Prefetched:
    """Results of a batch, each given once to the operation with the same name and params."""

    def __init__(self, found: dict[str, dict[str, t.Any] | OperationError]) -> None:
        self._found = dict(found)

    def answer(self, name: str, params: dict[str, t.Any]) -> dict[str, t.Any] | None:
        found = self._found.pop(read_key(name, params), None)
        if isinstance(found, OperationError):
            raise found
        return found

    def forget(self) -> None:
        """After a change on the host, what was read before may be stale."""
        self._found.clear()
