# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restart a Windows host and wait until it has booted again.

The steps are those of ansible.windows win_reboot: schedule the restart with
`shutdown.exe /r /t <delay> /c <message>` (operation host_reboot), then read
`Win32_OperatingSystem.LastBootUpTime` (operation boot_time_read) until it
differs from the boot time read before the restart, waiting longer after each
attempt and resetting the connection after every failure, since the old WinRM
shell does not survive the restart.
"""

from __future__ import annotations

import datetime
import random
import time

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.utils.display import Display

from ._runner import OperationError

display = Display()

# shutdown.exe /t: seconds between the command and the restart. Long enough
# for the command's reply to reach the controller before WinRM stops.
RESTART_DELAY_S = 2
# Two reads of one boot's LastBootUpTime may differ by milliseconds (Windows
# derives it from the tick count; elastic/beats#12591): a boot is new only
# when its time moved by at least this much.
BOOT_TIME_TOLERANCE_S = 1.0
FIRST_WAIT_S = 1.0
WAIT_FACTOR = 1.5
MAX_WAIT_S = 10.0
MAX_JITTER_S = 0.5
_BOOT_TIME_FORMAT = '%Y-%m-%dT%H:%M:%S.%fZ'


class RebootError(AnsibleError):
    """The restart could not be scheduled, or the host did not come back in time."""

    def __init__(self, message, rebooted=False, elapsed=0.0):
        super().__init__(message)
        self.rebooted = rebooted
        self.elapsed = elapsed


def parse_boot_time(text):
    return datetime.datetime.strptime(text, _BOOT_TIME_FORMAT)


def boot_time_changed(before, after):
    """Whether two LastBootUpTime readings belong to different boots."""
    delta = parse_boot_time(after) - parse_boot_time(before)
    return abs(delta.total_seconds()) >= BOOT_TIME_TOLERANCE_S


class HostRebooter:
    """Restart the host behind `connection`, running operations through `run(name, params)`.

    `sleep`, `clock` and `jitter` are replaceable for tests.
    """

    def __init__(self, connection, run, sleep=time.sleep, clock=time.monotonic, jitter=random.random):
        self._connection = connection
        self._run = run
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter

    def reboot(self, previous_boot_time, reboot_timeout, connect_timeout, message, post_reboot_delay=0, ready=None):
        """Restart once and wait for the new boot.

        `ready()`, when given, runs once the new boot is seen, and again after
        each failure until it succeeds or the time is up (as ansible.windows
        runs its post-reboot test command): a host that has just booted may not
        run everything yet. Raises RebootError when the restart cannot be
        scheduled or the host is not back within `reboot_timeout` seconds.
        """
        warnings = []
        need_reset = self._schedule(message, warnings)
        start = self._clock()
        if post_reboot_delay:
            display.vv('wcow.buildkit: waiting %s s after scheduling the restart' % post_reboot_delay)
            self._sleep(post_reboot_delay)
        original_timeout = self._swap_connection_timeout(connect_timeout)
        waiter = _Waiter(self, start, reboot_timeout, need_reset)
        try:
            waiter.until(lambda: self._new_boot(previous_boot_time))
            if original_timeout is not _UNSET:
                self._swap_connection_timeout(original_timeout)
                original_timeout = _UNSET
            ready_result = waiter.until(lambda: (True, ready(), None)) if ready else None
        finally:
            if original_timeout is not _UNSET:
                self._swap_connection_timeout(original_timeout)
        return RebootOutcome(self._clock() - start, warnings, ready_result)

    def _new_boot(self, previous_boot_time):
        current = self._run('boot_time_read', {})['last_boot_time']
        if boot_time_changed(previous_boot_time, current):
            display.vv('wcow.buildkit: the host is back, booted at %s' % current)
            return True, current, None
        return False, None, 'its last boot time is still %s' % current

    def _schedule(self, message, warnings):
        """Run host_reboot; True when the connection must be reset before the next command."""
        display.vv('wcow.buildkit: scheduling a restart of the host')
        try:
            reply = self._run('host_reboot', {'delay': RESTART_DELAY_S, 'message': message})
        except OperationError as error:
            raise RebootError('the restart could not be scheduled: %s' % error)
        except Exception as error:  # the host may stop answering before the reply arrives
            display.vvv('wcow.buildkit: connection lost while scheduling the restart: %s' % to_text(error))
            return True
        if reply['preempted']:
            warnings.append('A shutdown already scheduled on the host was aborted and replaced by this restart.')
        if reply['in_progress']:
            warnings.append('A shutdown was already in progress on the host; waiting for the host to come back.')
        return False

    def _swap_connection_timeout(self, value):
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


class _Waiter:
    """Repeat an attempt until it succeeds or the restart's time is up, waiting longer each time.

    An attempt returns (done, value, problem); one that raises is a failure, and
    the connection is reset before the next attempt.
    """

    def __init__(self, rebooter, start, reboot_timeout, need_reset):
        self._rebooter = rebooter
        self._start = start
        self._timeout = reboot_timeout
        self._need_reset = need_reset
        self._attempt = 0

    def until(self, attempt):
        rebooter = self._rebooter
        self._attempt = 0
        while True:
            try:
                if self._need_reset:
                    rebooter._connection.reset()
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
    def __init__(self, elapsed, warnings, ready_result):
        self.elapsed = elapsed
        self.warnings = warnings
        self.ready_result = ready_result


_UNSET = object()
