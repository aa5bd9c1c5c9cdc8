# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Track what differs between the host and the task, for changed and diff."""

from __future__ import annotations


class DifferenceTracker:
    def __init__(self):
        self._differences = []

    def add(self, name, wanted, actual):
        """Record `name` as differing when wanted != actual."""
        if wanted != actual:
            self._differences.append((name, wanted, actual))

    @property
    def empty(self):
        return not self._differences

    def names(self):
        return [name for name, _wanted, _actual in self._differences]

    def describe(self):
        return ', '.join('%s is %r, wanted %r' % (name, actual, wanted) for name, wanted, actual in self._differences)

    def before_after(self):
        before = dict((name, actual) for name, _wanted, actual in self._differences)
        after = dict((name, wanted) for name, wanted, _actual in self._differences)
        return before, after
