# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How long a changing operation waits for the host's lock: the wcow_host_lock_timeout variable.

Every operation that changes a host holds the host's lock, a named mutex
(powershell/bootstrap.ps1, docs/windows-facts.md#named-mutexes), while it
runs, so two runs never change one host at once. A second run waits for it
this many seconds, then fails saying another run is changing the host. It
is a host variable, not an option: it is the same for every task of a run.
"""

from __future__ import annotations

import typing as t

from .errors import InvalidArgument
from .runner import DEFAULT_LOCK_TIMEOUT_S

VARIABLE = 'wcow_host_lock_timeout'
# WaitOne takes milliseconds as an int32; an hour is more than any one change takes.
MAX_LOCK_TIMEOUT_S = 3600


def lock_timeout(value: t.Any) -> int:
    """The seconds to wait for the host's lock, from the variable's value (None: the default)."""
    if value is None:
        return DEFAULT_LOCK_TIMEOUT_S
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LOCK_TIMEOUT_S:
        raise InvalidArgument(VARIABLE, 'must be a whole number of seconds from 0 to %d, got %r'
                              % (MAX_LOCK_TIMEOUT_S, value))
    return value
