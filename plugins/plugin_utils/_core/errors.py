# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two errors every part of the collection's plugins raises.

- `InvalidArgument`: an option's value is wrong, found before anything
  reaches the host; the action base fails the task naming the option.
- `OperationError`: an operation failed on the host, or answered with
  something unusable; the action base fails the task with its message.

Only ansible.errors is imported here, never ansible's plugin classes, so the
pure helpers (checks, rendering, plans) raise these without the action base.
"""

from __future__ import annotations

from ansible.errors import AnsibleError


class InvalidArgument(Exception):
    """An option's value is wrong; raised before anything reaches the host."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__('%s: %s' % (option, message))
        self.option = option
        self.message = message


class OperationError(AnsibleError):
    """An operation failed on the host or answered with something unusable."""

    def __init__(self, operation: str, message: str, rc: int | None = None, stdout: str = '', stderr: str = '') -> None:
        super().__init__('%s: %s' % (operation, message))
        self.operation = operation
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
