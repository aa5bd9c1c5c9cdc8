"""plugin_utils/_reboot.py: scheduling the restart, waiting for the new boot, timeouts, connection resets."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleConnectionFailure

from ansible_collections.wcow.buildkit.plugins.plugin_utils import _reboot
from ansible_collections.wcow.buildkit.plugins.plugin_utils._reboot import (
    HostRebooter,
    RebootError,
    boot_time_changed,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._runner import OperationError

OLD = '2024-01-01T04:12:56.001Z'
NEW = '2024-01-01T04:42:56.000Z'
SCHEDULED = {'rc': 0, 'output': '', 'preempted': False, 'in_progress': False}


class Clock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Connection:
    """Records resets and connection_timeout changes; `options` None: no such option."""

    def __init__(self, options=None, reset_failures=0):
        self.options = options
        self.resets = 0
        self.reset_failures = reset_failures
        self.timeouts_set = []

    def get_option(self, name):
        if self.options is None or name not in self.options:
            raise KeyError(name)
        return self.options[name]

    def set_option(self, name, value):
        self.options[name] = value
        self.timeouts_set.append(value)

    def reset(self):
        self.resets += 1
        if self.reset_failures:
            self.reset_failures -= 1
            raise AnsibleConnectionFailure('winrm connection error: refused')


class Host:
    """Answers host_reboot once, then boot_time_read from a script of answers (or exceptions)."""

    def __init__(self, boots, reboot=None):
        self.boots = list(boots)
        self.reboot_reply = SCHEDULED if reboot is None else reboot
        self.calls = []

    def __call__(self, name, params):
        self.calls.append((name, params))
        if name == 'host_reboot':
            if isinstance(self.reboot_reply, Exception):
                raise self.reboot_reply
            return self.reboot_reply
        assert name == 'boot_time_read' and params == {}
        answer = self.boots.pop(0) if len(self.boots) > 1 else self.boots[0]
        if isinstance(answer, Exception):
            raise answer
        return {'last_boot_time': answer}


def reboot(host, connection=None, clock=None, timeout=600, **kwargs):
    clock = clock or Clock()
    rebooter = HostRebooter(connection or Connection(), host, sleep=clock.sleep, clock=clock, jitter=lambda: 0.0)
    outcome = rebooter.reboot(OLD, timeout, 5, 'Reboot initiated by Ansible', **kwargs)
    return (outcome.elapsed, outcome.warnings), clock


def down():
    return AnsibleConnectionFailure('winrm connection error: refused')


def test_boot_times_that_differ_by_milliseconds_are_one_boot():
    assert not boot_time_changed('2024-01-01T04:12:56.001Z', '2024-01-01T04:12:55.998Z')
    assert not boot_time_changed('2024-01-01T04:12:56.001Z', '2024-01-01T04:12:56.999Z')
    assert boot_time_changed('2024-01-01T04:12:56.001Z', '2024-01-01T04:12:57.002Z')
    assert boot_time_changed(NEW, OLD), 'a clock set back still means a new boot'


def test_the_restart_is_scheduled_with_two_seconds_and_the_message():
    host = Host([NEW])
    (elapsed, warnings), _clock = reboot(host)
    assert host.calls[0] == ('host_reboot', {'delay': 2, 'message': 'Reboot initiated by Ansible'})
    assert [name for name, _unused in host.calls].count('host_reboot') == 1
    assert warnings == [] and elapsed == 0


def test_polls_until_the_boot_time_changes_resetting_only_after_failures():
    host = Host([OLD, '2024-01-01T04:12:56.003Z', down(), down(), NEW])
    connection = Connection()
    (elapsed, _unused), clock = reboot(host, connection)
    assert [name for name, _unused in host.calls] == ['host_reboot'] + ['boot_time_read'] * 5
    assert connection.resets == 2, 'one reset before each attempt that follows a failure'
    assert clock.sleeps == [1.0, 1.5, 2.25, 3.375]
    assert elapsed == sum(clock.sleeps)


def test_the_wait_grows_up_to_ten_seconds():
    host = Host([down()] * 12 + [NEW])
    _unused, clock = reboot(host)
    assert clock.sleeps[:3] == [1.0, 1.5, 2.25]
    assert max(clock.sleeps) == _reboot.MAX_WAIT_S
    assert clock.sleeps[-1] == 10.0


def test_a_failed_reset_is_retried_before_the_next_read():
    host = Host([down(), NEW])
    connection = Connection(reset_failures=2)
    reboot(host, connection)
    assert connection.resets == 3
    assert [name for name, _unused in host.calls] == ['host_reboot', 'boot_time_read', 'boot_time_read']


def test_a_host_that_stays_down_fails_clearly_at_the_timeout():
    host = Host([down()])
    with pytest.raises(RebootError, match=r'^the host did not come back within 30 s after the restart was scheduled '
                                          r'\(last error: winrm connection error: refused\)$') as caught:
        reboot(host, timeout=30)
    assert caught.value.rebooted is True
    assert caught.value.elapsed == 30


def test_a_host_that_never_restarts_fails_naming_its_boot_time():
    host = Host([OLD])
    clock = Clock()
    with pytest.raises(RebootError, match=r'did not come back within 20 s .*its last boot time is still '
                                          r'2024-01-01T04:12:56\.001Z'):
        reboot(host, clock=clock, timeout=20)
    assert sum(clock.sleeps) == 20, 'the last wait is cut to the deadline and the host asked once more'


def test_the_restart_failing_on_the_host_fails_without_waiting():
    refused = OperationError('host_reboot', 'failed on the host: shutdown.exe /r failed with exit code 1314: '
                                            'A required privilege is not held')
    host = Host([NEW], reboot=refused)
    with pytest.raises(RebootError, match=r'^the restart could not be scheduled: host_reboot: .*1314') as caught:
        reboot(host)
    assert caught.value.rebooted is False
    assert [name for name, _unused in host.calls] == ['host_reboot']


def test_a_connection_lost_while_scheduling_is_taken_as_the_host_going_down():
    host = Host([down(), NEW], reboot=down())
    connection = Connection()
    reboot(host, connection)
    assert connection.resets == 2, 'before the first read, and after its failure'


@pytest.mark.parametrize(('reply', 'warning'), [
    (dict(SCHEDULED, preempted=True), 'A shutdown already scheduled on the host was aborted and replaced by this '
                                      'restart.'),
    (dict(SCHEDULED, rc=1115, in_progress=True), 'A shutdown was already in progress on the host; waiting for the '
                                                 'host to come back.'),
])
def test_preempted_or_in_progress_shutdowns_are_warned_about(reply, warning):
    (_unused, warnings), _unused = reboot(Host([NEW], reboot=reply))
    assert warnings == [warning]


def test_the_connection_timeout_is_lowered_while_waiting_and_restored():
    connection = Connection(options={'connection_timeout': 30})
    reboot(Host([down(), NEW]), connection)
    assert connection.timeouts_set == [5, 30]
    assert connection.options['connection_timeout'] == 30


def test_the_connection_timeout_is_restored_after_a_timeout_too():
    connection = Connection(options={'connection_timeout': None})
    with pytest.raises(RebootError):
        reboot(Host([down()]), connection, timeout=5)
    assert connection.timeouts_set == [5, None]


def test_a_connection_without_the_option_is_left_alone():
    connection = Connection(options=None)
    reboot(Host([NEW]), connection)
    assert connection.timeouts_set == [] and connection.resets == 0


def test_post_reboot_delay_comes_before_the_first_read_and_counts_in_elapsed():
    (elapsed, _unused), clock = reboot(Host([NEW]), post_reboot_delay=7)
    assert clock.sleeps == [7]
    assert elapsed == 7


def test_ready_runs_after_the_new_boot_and_is_retried_until_it_works():
    clock = Clock()
    host = Host([down(), NEW])
    answers = [OperationError('container_features_read', 'failed on the host: the service is starting'), 'ready']
    calls = []

    def ready():
        calls.append(clock.now)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    connection = Connection()
    rebooter = HostRebooter(connection, host, sleep=clock.sleep, clock=clock, jitter=lambda: 0.0)
    outcome = rebooter.reboot(OLD, 600, 5, 'msg', ready=ready)
    assert outcome.ready_result == 'ready'
    assert len(calls) == 2 and calls[1] - calls[0] == 1.0, 'the wait starts again from one second'
    assert connection.resets == 2, 'after the failed boot read and after the failed probe'


def test_ready_that_keeps_failing_ends_at_the_same_deadline():
    host = Host([NEW])

    def ready():
        raise OperationError('container_features_read', 'failed on the host: not yet')

    clock = Clock()
    rebooter = HostRebooter(Connection(), host, sleep=clock.sleep, clock=clock, jitter=lambda: 0.0)
    with pytest.raises(RebootError, match=r'within 30 s .*last error: container_features_read: failed on the host: '
                                          r'not yet'):
        rebooter.reboot(OLD, 30, 5, 'msg', ready=ready)
    assert sum(clock.sleeps) == 30


def test_the_connection_timeout_is_restored_before_ready_runs():
    connection = Connection(options={'connection_timeout': 30})
    seen = []
    clock = Clock()
    rebooter = HostRebooter(connection, Host([NEW]), sleep=clock.sleep, clock=clock, jitter=lambda: 0.0)
    rebooter.reboot(OLD, 600, 5, 'msg', ready=lambda: seen.append(connection.options['connection_timeout']))
    assert seen == [30] and connection.timeouts_set == [5, 30]
