"""winsim.windows.mutexes: thread affinity, recursion, abandonment, bounded waits."""

import time

import pytest

from winsim.windows import mutexes

NAME = "Global\\test"


def test_only_the_owning_thread_releases_and_as_often_as_it_waited():
    state = {}
    owner, other = mutexes.new_owner(), mutexes.new_owner()
    assert mutexes.wait_one(state, NAME, owner, 0) == mutexes.ACQUIRED
    assert mutexes.wait_one(state, NAME, owner, 0) == mutexes.ACQUIRED
    with pytest.raises(mutexes.NotOwner, match="unsynchronized block of code"):
        mutexes.release(state, NAME, other)
    mutexes.release(state, NAME, owner)
    assert mutexes.wait_one(state, NAME, other, 0) == mutexes.TIMED_OUT
    mutexes.release(state, NAME, owner)
    assert mutexes.wait_one(state, NAME, other, 0) == mutexes.ACQUIRED
    with pytest.raises(mutexes.NotOwner):
        mutexes.release(state, NAME, owner)


def test_a_dead_owner_abandons_the_mutex_and_the_next_wait_acquires_it():
    state = {}
    owner, other = mutexes.new_owner(), mutexes.new_owner()
    mutexes.wait_one(state, NAME, owner, 0)
    mutexes.owner_died(state, owner)
    assert mutexes.wait_one(state, NAME, other, 0) == mutexes.ABANDONED
    assert mutexes.wait_one(state, NAME, mutexes.new_owner(), 0) == mutexes.TIMED_OUT


def test_a_wait_lasts_its_timeout_unless_the_owner_releases_within_it():
    state = {}
    mutexes.hold(state, NAME, held_until=time.time() + 0.3)
    started = time.monotonic()
    assert mutexes.wait_one(state, NAME, mutexes.new_owner(), 0.1) == mutexes.TIMED_OUT
    assert 0.1 <= time.monotonic() - started < 0.3
    assert mutexes.wait_one(state, NAME, mutexes.new_owner(), 5) == mutexes.ACQUIRED
    assert time.monotonic() - started < 1


def test_names_are_case_sensitive_and_the_prefix_is_part_of_the_name():
    state = {}
    mutexes.hold(state, NAME)
    assert mutexes.wait_one(state, "Global\\TEST", mutexes.new_owner(), 0) == mutexes.ACQUIRED
    assert mutexes.wait_one(state, "Local\\test", mutexes.new_owner(), 0) == mutexes.ACQUIRED
