# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Track what differs between the host and the task, for changed and diff."""

from __future__ import annotations

import typing as t


class DifferenceTracker:
    def __init__(self) -> None:
        self._differences: list[tuple[str, t.Any, t.Any]] = []

    def add(self, name: str, wanted: t.Any, actual: t.Any) -> None:
        """Record `name` as differing when wanted != actual."""
        if wanted != actual:
            self._differences.append((name, wanted, actual))

    @property
    def empty(self) -> bool:
        return not self._differences

    def names(self) -> list[str]:
        return [name for name, _wanted, _actual in self._differences]

    def describe(self) -> str:
        return ', '.join('%s is %r, wanted %r' % (name, actual, wanted) for name, wanted, actual in self._differences)

    def before_after(self) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
        before = dict((name, actual) for name, _wanted, actual in self._differences)
        after = dict((name, wanted) for name, wanted, _actual in self._differences)
        return before, after
