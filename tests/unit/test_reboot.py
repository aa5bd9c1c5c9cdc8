"""plugin_utils/_windows/reboot.py: scheduling the restart, waiting for the host to go down and come back, timeouts,
connection resets, and how many commands reach the host."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleConnectionFailure

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import OperationError
from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows import reboot as reboot_module
from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows.reboot import (
    HostRebooter,
    RebootError,
    boot_time_changed,
)

OLD = '2024-01-01T04:12:56.001Z'
NEW = '2024-01-01T04:42:56.000Z'
SCHEDULED = {'rc': 0, 'output': '', 'preempted': False, 'in_progress': False}
START = 1000.0


class Clock:
    def __init__(self):
        self.now = START
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def refused():
    return AnsibleConnectionFailure('winrm connection error: refused')


class Host:
    """A host restarting on the fake clock: up, then shutting down from START + delay (WinRM still answering for
    `grace` s), down for `downtime` s, then up with a new boot. `down_at` None: it never goes down."""

    def __init__(self, clock, grace=0.5, downtime=3.0, down_at=START + 2, reboot_reply=None, glitches=()):
        self.clock = clock
        self.grace = grace
        self.downtime = downtime
        self.down_at = down_at
        self.reboot_reply = SCHEDULED if reboot_reply is None else reboot_reply
        self.glitches = set(glitches)  # clock times at which one connection attempt fails anyway
        self.calls = []

    def phase(self):
        now = self.clock.now
        if self.down_at is None or now < self.down_at + self.grace:
            return 'old'
        if now < self.down_at + self.grace + self.downtime:
            return 'down'
        return 'new'

    def connect(self):
        if self.phase() == 'down' or self.clock.now in self.glitches:
            self.glitches.discard(self.clock.now)
            raise refused()

    def run(self, name, params):
        self.connect()
        self.calls.append((name, params))
        if name == 'host_reboot':
            if isinstance(self.reboot_reply, Exception):
                raise self.reboot_reply
            return self.reboot_reply
        assert name == 'boot_time_read' and params == {}
        return {'last_boot_time': NEW if self.phase() == 'new' else OLD}

    def names(self):
        return [name for name, _unused in self.calls]


class Connection:
    """A connection plugin's surface: close/_connect/reset/connected and connection_timeout (`options` None: no
    such option). Every connection attempt asks `host`."""

    def __init__(self, host, options=None):
        self.host = host
        self.options = options
        self.connected = True
        self.opened = 0
        self.closed = 0
        self.timeouts_set = []
        self.timeout_at_open = []

    def get_option(self, name):
        if self.options is None or name not in self.options:
            raise KeyError(name)
        return self.options[name]

    def set_option(self, name, value):
        self.options[name] = value
        self.timeouts_set.append(value)

    def _open(self):
        self.timeout_at_open.append(None if self.options is None else self.options.get('connection_timeout'))
        self.host.connect()
        self.opened += 1
        self.connected = True

    def close(self):
        self.host.connect()  # deleting the shell is a request too
        self.closed += 1
        self.connected = False

    def _connect(self):
        self._open()

    def reset(self):
        if self.connected:
            self._open()


def rebooter_for(host, connection=None):
    clock = host.clock
    connection = connection or Connection(host)
    return HostRebooter(connection, host.run, sleep=clock.sleep, clock=clock, jitter=lambda: 0.0), connection


def reboot(host, connection=None, timeout=600, **kwargs):
    rebooter, connection = rebooter_for(host, connection)
    outcome = rebooter.reboot(OLD, timeout, 5, 'Reboot initiated by Ansible', **kwargs)
    return outcome, connection


def test_boot_times_that_differ_by_milliseconds_are_one_boot():
    assert not boot_time_changed('2024-01-01T04:12:56.001Z', '2024-01-01T04:12:55.998Z')
    assert not boot_time_changed('2024-01-01T04:12:56.001Z', '2024-01-01T04:12:56.999Z')
    assert boot_time_changed('2024-01-01T04:12:56.001Z', '2024-01-01T04:12:57.002Z')
    assert boot_time_changed(NEW, OLD), 'a clock set back still means a new boot'


def test_the_restart_is_scheduled_with_two_seconds_and_the_message():
    host = Host(Clock())
    outcome, _unused = reboot(host)
    assert host.calls[0] == ('host_reboot', {'delay': 2, 'message': 'Reboot initiated by Ansible'})
    assert host.names().count('host_reboot') == 1
    assert outcome.warnings == [] and outcome.read_result == {'last_boot_time': NEW}


@pytest.mark.parametrize('grace', [0.0, 0.5, 3.0, 9.0])
def test_no_command_reaches_the_old_boot_however_long_winrm_answers_during_the_shutdown(grace):
    host = Host(Clock(), grace=grace)
    outcome, connection = reboot(host)
    assert host.names() == ['host_reboot', 'boot_time_read'], 'one read, after the new boot'
    assert outcome.read_result['last_boot_time'] == NEW
    assert connection.closed >= (1 if grace else 0), 'the probes open and close shells only'
    assert host.clock.sleeps[0] == reboot_module.RESTART_DELAY_S, 'nothing is sent before shutdown /t has passed'


def test_probes_close_the_shell_they_replace():
    host = Host(Clock(), grace=5.0)
    _unused, connection = reboot(host)
    probes = connection.closed
    assert probes >= 10
    assert connection.opened - probes <= 2, 'each probe closed the shell before opening the next one'


def test_the_wait_after_the_host_went_down_grows_up_to_ten_seconds():
    host = Host(Clock(), downtime=120)
    reboot(host)
    waits = [s for s in host.clock.sleeps if s != reboot_module.PROBE_INTERVAL_S][1:]
    assert waits[:3] == [1.0, 1.5, 2.25]
    assert max(waits) == reboot_module.MAX_WAIT_S
    assert host.names() == ['host_reboot', 'boot_time_read']


def test_a_host_that_stays_down_fails_clearly_at_the_timeout():
    host = Host(Clock(), downtime=10_000)
    with pytest.raises(RebootError, match=r'^the host did not come back within 30 s after the restart was scheduled '
                                          r'\(last error: winrm connection error: refused\)$') as caught:
        reboot(host, timeout=30)
    assert caught.value.rebooted is True
    assert caught.value.elapsed == 30
    assert host.names() == ['host_reboot']


def test_a_host_that_never_goes_down_is_read_once_at_the_timeout_naming_its_boot_time():
    host = Host(Clock(), down_at=None)
    with pytest.raises(RebootError, match=r'did not come back within 20 s .*its last boot time is still '
                                          r'2024-01-01T04:12:56\.001Z'):
        reboot(host, timeout=20)
    assert host.clock.now == START + 20, 'the last wait is cut to the deadline'
    assert host.names() == ['host_reboot', 'boot_time_read']


def test_a_probe_failing_by_chance_costs_a_read_and_the_wait_goes_on():
    clock = Clock()
    host = Host(clock, grace=4.0, glitches=[START + 2])
    outcome, _unused = reboot(host)
    assert outcome.read_result['last_boot_time'] == NEW
    assert host.names() == ['host_reboot', 'boot_time_read', 'boot_time_read'], 'one read of the old boot, then probes'


def test_the_restart_failing_on_the_host_fails_without_waiting():
    failed = OperationError('host_reboot', 'failed on the host: shutdown.exe /r failed with exit code 1314: '
                                           'A required privilege is not held')
    host = Host(Clock(), reboot_reply=failed)
    with pytest.raises(RebootError, match=r'^the restart could not be scheduled: host_reboot: .*1314') as caught:
        reboot(host)
    assert caught.value.rebooted is False
    assert host.names() == ['host_reboot'] and host.clock.sleeps == []


def test_a_connection_lost_while_scheduling_is_taken_as_the_host_going_down():
    host = Host(Clock(), reboot_reply=refused(), down_at=START)
    outcome, _unused = reboot(host)
    assert host.clock.sleeps[0] != reboot_module.RESTART_DELAY_S, 'no wait for a delay the host may never have seen'
    assert host.names() == ['host_reboot', 'boot_time_read'] and outcome.warnings == []


@pytest.mark.parametrize(('reply', 'warning'), [
    (dict(SCHEDULED, preempted=True), 'A shutdown already scheduled on the host was aborted and replaced by this '
                                      'restart.'),
    (dict(SCHEDULED, rc=1115, in_progress=True), 'A shutdown was already in progress on the host; waiting for the '
                                                 'host to come back.'),
])
def test_preempted_or_in_progress_shutdowns_are_warned_about(reply, warning):
    outcome, _unused = reboot(Host(Clock(), reboot_reply=reply))
    assert outcome.warnings == [warning]


def test_a_shutdown_in_progress_is_probed_at_once():
    host = Host(Clock(), reboot_reply=dict(SCHEDULED, rc=1115, in_progress=True), grace=1.0, down_at=START - 0.5)
    reboot(host)
    assert host.clock.sleeps[0] != reboot_module.RESTART_DELAY_S
    assert host.names() == ['host_reboot', 'boot_time_read']


def test_the_connection_timeout_is_lowered_while_waiting_and_restored_before_the_read():
    clock = Clock()
    host = Host(clock)
    connection = Connection(host, options={'connection_timeout': 30})
    timeouts_at_read = []
    rebooter, _unused = rebooter_for(host, connection)
    rebooter.reboot(OLD, 600, 5, 'msg',
                    read=lambda: timeouts_at_read.append(connection.options['connection_timeout']) or host.run(
                        'boot_time_read', {}))
    assert connection.timeouts_set == [5, 30]
    assert timeouts_at_read == [30]
    assert set(connection.timeout_at_open[1:-1]) == {5}, 'probes and reconnections use connect_timeout'


def test_the_connection_timeout_is_restored_after_a_timeout_too():
    host = Host(Clock(), downtime=10_000)
    connection = Connection(host, options={'connection_timeout': None})
    with pytest.raises(RebootError):
        reboot(host, connection, timeout=5)
    assert connection.timeouts_set == [5, None]


def test_a_connection_without_the_option_is_left_alone():
    host = Host(Clock())
    connection = Connection(host, options=None)
    reboot(host, connection)
    assert connection.timeouts_set == []


def test_a_short_post_reboot_delay_is_part_of_the_first_wait():
    host = Host(Clock())
    outcome, _unused = reboot(host, post_reboot_delay=1)
    assert host.clock.sleeps[0] == reboot_module.RESTART_DELAY_S
    assert host.names() == ['host_reboot', 'boot_time_read']
    assert outcome.elapsed == host.clock.now - START


def test_a_long_post_reboot_delay_comes_before_the_first_read_without_probes():
    host = Host(Clock(), downtime=1.0)
    outcome, connection = reboot(host, post_reboot_delay=7)
    assert host.clock.sleeps == [7], 'the host came back during the delay: read at once'
    assert outcome.elapsed == 7 and connection.closed == 0
    assert host.names() == ['host_reboot', 'boot_time_read']


def test_a_read_failing_after_the_boot_is_retried_until_it_works():
    clock = Clock()
    host = Host(clock)
    answers = [OperationError('container_features_read', 'failed on the host: the service is starting'), 'ready']
    calls = []

    def read():
        calls.append(clock.now)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return {'last_boot_time': NEW, 'answer': answer}

    rebooter, _unused = rebooter_for(host)
    outcome = rebooter.wait(OLD, SCHEDULED, 600, 5, read=read)
    assert outcome.read_result['answer'] == 'ready'
    assert len(calls) == 2 and calls[1] > calls[0]


def test_a_read_that_keeps_failing_ends_at_the_same_deadline():
    host = Host(Clock())

    def read():
        raise OperationError('container_features_read', 'failed on the host: not yet')

    rebooter, _unused = rebooter_for(host)
    with pytest.raises(RebootError, match=r'within 30 s .*last error: container_features_read: failed on the host: '
                                          r'not yet'):
        rebooter.wait(OLD, SCHEDULED, 30, 5, read=read)
    assert host.clock.now == START + 30


def test_a_read_after_a_long_post_reboot_delay_that_finds_the_old_boot_goes_back_to_probing():
    host = Host(Clock(), grace=5.0)
    outcome, connection = reboot(host, post_reboot_delay=3)
    assert host.clock.sleeps[0] == 3
    assert outcome.read_result['last_boot_time'] == NEW and connection.closed >= 1
    assert host.names() == ['host_reboot', 'boot_time_read', 'boot_time_read']


def test_probing_again_after_an_old_boot_lowers_the_timeout_again():
    clock = Clock()
    host = Host(clock, grace=4.0, glitches=[START + 2.5])
    connection = Connection(host, options={'connection_timeout': 30})
    reboot(host, connection)
    assert host.names() == ['host_reboot', 'boot_time_read', 'boot_time_read']
    assert connection.timeouts_set == [5, 30, 5, 30]
