"""Named mutexes (System.Threading.Mutex over CreateMutex), as a process on the host meets them.

State: state["mutexes"] maps a mutex's name (case-sensitive, with its
namespace prefix, e.g. "Global\\x") to {"owner": {"pid", "thread", "alive"}
or None, "count": recursion count, "held_until": epoch seconds or None}.
"held_until" is how a test says that a live owner releases it at a time (a
run that is still changing the host); None: it holds it past any wait.

What Windows does, modelled here (docs/windows-facts.md#named-mutexes):
- "Global\\" names one object for every session (learn.microsoft.com,
  "Kernel object namespaces"); the prefix is case-sensitive there too.
  Creating a mutex there needs no privilege: SeCreateGlobalPrivilege is
  required for file-mapping and symbolic-link objects only (same page).
- A mutex has thread affinity: only its owning thread releases it, and
  ReleaseMutex from any other throws ApplicationException "Object
  synchronization method was called from an unsynchronized block of code."
  (learn.microsoft.com, Mutex.ReleaseMutex). The owner may wait again without
  blocking and must release as often (Mutex class, Remarks).
- An owner that ends without releasing abandons it: the next wait acquires it
  and throws AbandonedMutexException (learn.microsoft.com,
  AbandonedMutexException class; WAIT_ABANDONED in WaitForSingleObject).
- WaitOne(ms) returns false when the time passed without the mutex.
"""

from __future__ import annotations

import itertools
import time

ACQUIRED, ABANDONED, TIMED_OUT = "acquired", "abandoned", "timed out"
NOT_OWNER = "Object synchronization method was called from an unsynchronized block of code."
_pids = itertools.count(7000, 4)


class NotOwner(Exception):
    """ReleaseMutex by a thread that does not own the mutex (ApplicationException)."""


def new_owner() -> dict:
    """A process's thread that will wait on a mutex: a fresh pid, thread 1, alive."""
    return {"pid": next(_pids), "thread": 1, "alive": True}


def _entry(state: dict, name: str) -> dict:
    return state.setdefault("mutexes", {}).setdefault(name, {"owner": None, "count": 0, "held_until": None})


def wait_one(state: dict, name: str, owner: dict, timeout_s: float) -> str:
    """WaitOne(timeout) by `owner` on the named mutex (created if missing, initially not owned)."""
    entry = _entry(state, name)
    held = entry["owner"]
    if held is not None and _same(held, owner):
        entry["count"] += 1
        return ACQUIRED
    outcome = ACQUIRED
    if held is not None and held.get("alive", True):
        until = entry.get("held_until")
        if until is None or until - time.time() > timeout_s:
            # The whole wait passes; a test keeps timeout_s small.
            time.sleep(max(0.0, float(timeout_s)))
            return TIMED_OUT
        time.sleep(max(0.0, until - time.time()))
    elif held is not None:
        outcome = ABANDONED
    entry.update(owner=dict(owner), count=1, held_until=None)
    return outcome


def release(state: dict, name: str, owner: dict) -> None:
    """ReleaseMutex by `owner`; NotOwner when it does not own the mutex."""
    entry = _entry(state, name)
    if entry["owner"] is None or not _same(entry["owner"], owner):
        raise NotOwner(NOT_OWNER)
    entry["count"] -= 1
    if entry["count"] <= 0:
        entry.update(owner=None, count=0)


def owner_died(state: dict, owner: dict) -> None:
    """The process ended without releasing: every mutex it owns is abandoned."""
    for entry in state.get("mutexes", {}).values():
        if entry["owner"] is not None and entry["owner"]["pid"] == owner["pid"]:
            entry["owner"]["alive"] = False


def hold(state: dict, name: str, held_until: float | None = None, alive: bool = True) -> dict:
    """Another process owns the mutex (a test's setup): until `held_until`, or dead (abandoned)."""
    owner = dict(new_owner(), alive=alive)
    _entry(state, name).update(owner=owner, count=1, held_until=held_until)
    return owner


def _same(a: dict, b: dict) -> bool:
    return a["pid"] == b["pid"] and a["thread"] == b["thread"]
