# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restart a Windows host and wait until it has booted again.

The restart is scheduled as ansible.windows win_reboot schedules it,
`shutdown.exe /r /t <delay> /c <message>` (operation host_reboot, or an
operation of the caller that schedules it with its own change, such as
container_features_enable). The new boot is recognised, as win_reboot does,
by `Win32_OperatingSystem.LastBootUpTime` differing from the boot time read
before the restart.

Unlike win_reboot, no command is sent to the old boot while it shuts down:
`shutdown /t` guarantees the host stays up for <delay> seconds, and after that
WinRM keeps answering until the shutdown stops it (packer-plugin-windows-update
#37 shows a command run, and shutdown.exe answer 1115, during a shutdown). So
the controller waits out the delay, then only opens WinRM shells, which start
no PowerShell, until one fails: the host has gone down. Then it waits, longer
after each failure and resetting the connection, until the host answers again
and the caller's read (boot time and whatever else it needs, one execution)
shows a new boot. A read that still finds the old boot (a network failure
taken for the shutdown) sends the wait back to probing, and at the deadline
fails naming that boot time: the guarantee does not depend on the probes.
"""

from __future__ import annotations

import datetime
import random
import time
import typing as t

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.utils.display import Display

from .._core.errors import OperationError

if t.TYPE_CHECKING:
    from ansible.plugins.connection import ConnectionBase

# run(name, params): runs an operation and returns its result.
RunOperation = t.Callable[[str, dict[str, t.Any]], dict[str, t.Any]]

display = Display()

# shutdown.exe /t: seconds between the command and the restart. Long enough
# for the command's reply to reach the controller before WinRM stops.
RESTART_DELAY_S = 2
# Two reads of one boot's LastBootUpTime may differ by milliseconds (Windows
# derives it from the tick count; elastic/beats#12591): a boot is new only
# when its time moved by at least this much.
BOOT_TIME_TOLERANCE_S = 1.0
# Between shell probes while waiting for the host to go down: a restart keeps
# WinRM away for many seconds, so a probe this often cannot miss it.
PROBE_INTERVAL_S = 0.5
FIRST_WAIT_S = 1.0
WAIT_FACTOR = 1.5
MAX_WAIT_S = 10.0
MAX_JITTER_S = 0.5
_BOOT_TIME_FORMAT = '%Y-%m-%dT%H:%M:%S.%fZ'


class RebootError(AnsibleError):
    """The restart could not be scheduled, or the host did not come back in time."""

    def __init__(self, message: str, rebooted: bool = False, elapsed: float = 0.0) -> None:
        super().__init__(message)
        self.rebooted = rebooted
        self.elapsed = elapsed


def parse_boot_time(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, _BOOT_TIME_FORMAT)


def boot_time_changed(before: str, after: str) -> bool:
    """Whether two LastBootUpTime readings belong to different boots."""
    delta = parse_boot_time(after) - parse_boot_time(before)
    return abs(delta.total_seconds()) >= BOOT_TIME_TOLERANCE_S


def shutdown_warnings(scheduled: dict[str, t.Any] | None) -> list[str]:
    """Warnings for a shutdown.exe reply (host_reboot's, or Request-WcowRestart's)."""
    warnings = []
    if scheduled and scheduled['preempted']:
        warnings.append('A shutdown already scheduled on the host was aborted and replaced by this restart.')
    if scheduled and scheduled['in_progress']:
        warnings.append('A shutdown was already in progress on the host; waiting for the host to come back.')
    return warnings


class HostRebooter:
    """Restart the host behind `connection`, running operations through `run(name, params)`.

    `sleep`, `clock` and `jitter` are replaceable for tests.
    """

    def __init__(self, connection: ConnectionBase, run: RunOperation, sleep: t.Callable[[float], None] = time.sleep,
                 clock: t.Callable[[], float] = time.monotonic, jitter: t.Callable[[], float] = random.random) -> None:
        self._connection = connection
        self._run = run
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter

    def reboot(self, previous_boot_time: str, reboot_timeout: float, connect_timeout: float, message: str,
               post_reboot_delay: float = 0, read: t.Callable[[], dict[str, t.Any]] | None = None) -> RebootOutcome:
        """Schedule a restart with host_reboot, then `wait` for the new boot."""
        scheduled = self._schedule(message)
        return self.wait(previous_boot_time, scheduled, reboot_timeout, connect_timeout,
                         post_reboot_delay=post_reboot_delay, read=read)

    def wait(self, previous_boot_time: str, scheduled: dict[str, t.Any] | None, reboot_timeout: float, connect_timeout: float,
             post_reboot_delay: float = 0, read: t.Callable[[], dict[str, t.Any]] | None = None) -> RebootOutcome:
        """Wait for the boot after a restart scheduled `RESTART_DELAY_S` seconds from now.

        `scheduled` is shutdown.exe's reply (keys preempted, in_progress), or
        None when the connection was lost while scheduling: the host may be
        going down already. `read()` returns a dict with `last_boot_time`
        (default: operation boot_time_read); it runs once the host answers
        again, and again after each failure or old boot time, until it shows a
        new boot or `reboot_timeout` seconds have passed. Raises RebootError
        then; returns a RebootOutcome holding read's result.
        """
        read = read or (lambda: self._run('boot_time_read', {}))
        start = self._clock()
        going_down = scheduled is None or scheduled['in_progress']
        # shutdown /t: the host does not begin to shut down before the delay.
        quiet = 0 if going_down else RESTART_DELAY_S
        if max(quiet, post_reboot_delay):
            display.vv('wcow.buildkit: waiting %s s after scheduling the restart' % max(quiet, post_reboot_delay))
            self._sleep(max(quiet, post_reboot_delay))
        timeout = _ConnectTimeout(self, connect_timeout)
        deadline = start + reboot_timeout

        def attempt() -> tuple[bool, t.Any, str | None]:
            # The host answered a connection made with connect_timeout: the
            # read runs with the connection's own timeout again.
            timeout.restore()
            done, result, problem = self._new_boot(previous_boot_time, read)
            if not done and self._clock() < deadline:
                return True, _OLD_BOOT, None  # not down yet after all: probe again
            return done, result, problem

        try:
            # After a longer post_reboot_delay the host may have gone down and
            # come back already: probing for the shutdown would wait in vain.
            probe = post_reboot_delay <= quiet
            result = _OLD_BOOT
            while result is _OLD_BOOT:
                timeout.lower()
                if probe:
                    self._until_down(deadline)
                probe = True
                # The read runs once a new shell opens: the host answers again.
                result = _Waiter(self, start, reboot_timeout, need_reset=True).until(attempt)
        finally:
            timeout.restore()
        return RebootOutcome(self._clock() - start, shutdown_warnings(scheduled), result)

    def _until_down(self, deadline: float) -> bool:
        """Open a new shell every PROBE_INTERVAL_S until that fails; False when the deadline came first."""
        probes = 0
        while True:
            try:
                self._probe()
            except Exception as error:  # refused, timed out or dropped: WinRM has stopped
                display.vv('wcow.buildkit: the host went down for the restart (%s)'
                           % (to_text(error).strip().splitlines() or ['no message'])[-1])
                return True
            probes += 1
            remaining = deadline - self._clock()
            if remaining <= 0:
                display.vv('wcow.buildkit: the host kept answering through %d probes' % probes)
                return False
            self._sleep(min(PROBE_INTERVAL_S, remaining))

    def _probe(self) -> None:
        """Close the connection's shell and open a new one: WinRM answers, and no process starts.

        Closing first leaves no shell behind on a host that does not restart
        (WinRM allows each user 30 shells, MaxShellsPerUser).
        """
        self._connection.close()
        self._connection._connect()

    def _reconnect(self) -> None:
        """A fresh connection: after a failed probe or read, the shell is gone or broken."""
        connection = self._connection
        if getattr(connection, 'connected', True):
            connection.reset()
        else:  # closed by a probe whose reconnection failed; reset() would do nothing
            connection._connect()

    def _new_boot(self, previous_boot_time: str,
                  read: t.Callable[[], dict[str, t.Any]]) -> tuple[bool, dict[str, t.Any] | None, str | None]:
        result = read()
        current = result['last_boot_time']
        if boot_time_changed(previous_boot_time, current):
            display.vv('wcow.buildkit: the host is back, booted at %s' % current)
            return True, result, None
        return False, None, 'its last boot time is still %s' % current

    def _schedule(self, message: str) -> dict[str, t.Any] | None:
        """Run host_reboot: its reply, or None when the host stopped answering before the reply came."""
        display.vv('wcow.buildkit: scheduling a restart of the host')
        try:
            return self._run('host_reboot', {'delay': RESTART_DELAY_S, 'message': message})
        except OperationError as error:
            raise RebootError('the restart could not be scheduled: %s' % error)
        except Exception as error:  # the host may stop answering before the reply arrives
            display.vvv('wcow.buildkit: connection lost while scheduling the restart: %s' % to_text(error))
            return None

    def _swap_connection_timeout(self, value: t.Any) -> t.Any:
        """Set the connection's connection_timeout to value; return the previous one."""
        try:
            previous = self._connection.get_option('connection_timeout')
        except KeyError:
            return _UNSET
        if previous != value:
            self._connection.set_option('connection_timeout', value)
            try:
                self._connection.reset()
            except Exception as error:  # the host may be down; the poll resets again
                display.vvv('wcow.buildkit: reset after changing connection_timeout failed: %s' % to_text(error))
        return previous


class _ConnectTimeout:
    """connect_timeout in place of the connection's connection_timeout while the host is away."""

    def __init__(self, rebooter: HostRebooter, connect_timeout: float) -> None:
        self._rebooter = rebooter
        self._connect_timeout = connect_timeout
        self._original = _UNSET

    def lower(self) -> None:
        if self._original is _UNSET:
            self._original = self._rebooter._swap_connection_timeout(self._connect_timeout)

    def restore(self) -> None:
        if self._original is not _UNSET:
            self._rebooter._swap_connection_timeout(self._original)
            self._original = _UNSET


class _Waiter:
    """Repeat an attempt until it succeeds or the restart's time is up, waiting longer each time.

    An attempt returns (done, value, problem); one that raises is a failure, and
    the connection is reset before the next attempt. With `need_reset`, the
    first attempt runs only once a reset succeeds: the host answers again.
    """

    def __init__(self, rebooter: HostRebooter, start: float, reboot_timeout: float, need_reset: bool) -> None:
        self._rebooter = rebooter
        self._start = start
        self._timeout = reboot_timeout
        self._need_reset = need_reset
        self._attempt = 0

    def until(self, attempt: t.Callable[[], tuple[bool, t.Any, str | None]]) -> t.Any:
        rebooter = self._rebooter
        self._attempt = 0
        while True:
            try:
                if self._need_reset:
                    rebooter._reconnect()
                    self._need_reset = False
                done, value, problem = attempt()
                if done:
                    return value
            except Exception as error:  # unreachable, refused, or an old shell: reconnect next time
                self._need_reset = True
                problem = 'last error: %s' % (to_text(error).strip().splitlines() or ['unknown'])[-1]
            display.vvvvv('wcow.buildkit: host not back yet (%s)' % problem)
            remaining = self._start + self._timeout - rebooter._clock()
            if remaining <= 0:
                raise RebootError('the host did not come back within %s s after the restart was scheduled (%s)'
                                  % (self._timeout, problem), rebooted=True, elapsed=rebooter._clock() - self._start)
            wait = min(MAX_WAIT_S, FIRST_WAIT_S * WAIT_FACTOR ** self._attempt) + rebooter._jitter() * MAX_JITTER_S
            self._attempt += 1
            rebooter._sleep(min(wait, remaining))


class RebootOutcome:
    def __init__(self, elapsed: float, warnings: list[str], read_result: dict[str, t.Any]) -> None:
        self.elapsed = elapsed
        self.warnings = warnings
        self.read_result = read_result


_UNSET = object()
_OLD_BOOT = object()
