"""The host's lock as the scripts take it: powershell/snippets/host_lock.ps1 and the bootstrap.

The runner puts the snippet and the line CALL at the start of every operation
that changes the host; the bootstrap's finally releases the mutex. The
bootstrap model (wcow_winsim.bootstrap) takes it when the script has CALL,
and tells the handlers whether it holds it (`held()`), for
Assert-WcowHostLock.
"""

from __future__ import annotations

import contextvars

from winsim.windows import mutexes

from .base import PowerShellError

NAME = "Global\\wcow.buildkit.host-changes"
CALL = "$WcowHostLock = Enter-WcowHostLock -TimeoutSeconds $payload.lock.timeout_s"
_held = contextvars.ContextVar("wcow_host_lock_held", default=False)


def takes_lock(script: str) -> bool:
    return any(line.strip() == CALL for line in script.splitlines())


def timeout_of(lock) -> int:
    # [int]$payload.lock.timeout_s: a missing lock reads as $null, [int]$null is 0.
    value = lock.get("timeout_s") if isinstance(lock, dict) else None
    return int(value or 0)


def enter(state: dict, owner: dict, timeout_s: int) -> None:
    """Enter-WcowHostLock: wait; an abandoned mutex is acquired (the catch); a timeout throws."""
    if mutexes.wait_one(state, NAME, owner, timeout_s) == mutexes.TIMED_OUT:
        raise PowerShellError(
            f"Another run is changing this host: it held the lock {NAME} for all of the {timeout_s} s this run "
            "waited (wcow_host_lock_timeout). Nothing was changed; run the play again once the other run has finished.",
            "OperationStopped")


def holding(held: bool):
    """Set what `held()` answers while a handler runs; returns the token for `release_holding`."""
    return _held.set(held)


def release_holding(token) -> None:
    _held.reset(token)


def assert_held(folder: str) -> None:
    """Assert-WcowHostLock: a staging folder is created, or a failed run's removed, only under the lock."""
    if not _held.get():
        raise PowerShellError(
            f"{folder} is left alone: this operation does not hold the host's lock, and the folder may be "
            "another run's.", "OperationStopped")
