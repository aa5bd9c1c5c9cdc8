"""buildctl_debug_info as another user: the S4U task's LastTaskResult, a uint32, decoded by the script's own throws
(docs/windows-facts.md#scheduled-tasks)."""

import base64
import json
import re

import pytest

from test_bootstrap_throw_position import BOOTSTRAP, composed, error_of, position_line
from wcow_winsim import run_powershell
from winsim.host import faults
from winsim.host.store import HostStore
from winsim.programs import fake_binary
from winsim.windows import accounts, files, scheduled_tasks

BUILDCTL = "C:\\Program Files\\buildkit\\buildctl.exe"
SCRIPT = composed("buildctl_debug_info")


@pytest.fixture
def store(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022", containers=True)
    with store.transaction() as state:
        files.ensure_dir(state, "C:\\Program Files\\buildkit")
        files.write_bytes(state, BUILDCTL, fake_binary("buildctl", "v0.23.2"))
        accounts.create_user(state, "carol")
        dave = accounts.create_user(state, "dave", enabled=False)
        scheduled_tasks.grant_right(state, "SeBatchLogonRight", dave.sid)
    return store


def failure(store, user):
    error = error_of(store, SCRIPT, {"buildctl_path": BUILDCTL, "as_user": user, "addr": None})
    return error["message"], position_line(SCRIPT, error["position"])


def test_a_user_without_the_batch_logon_right(store):
    message, line = failure(store, "carol")
    assert message == ("The scheduled task could not run buildctl as carol: Logon failure: the user has not been granted "
                       "the requested logon type at this computer. (Exception from HRESULT: 0x80070569) The user needs "
                       'the right "Log on as a batch job" (SeBatchLogonRight).')
    assert line.strip() == "throw ('The scheduled task could not run buildctl as {0}: {1}{2}' -f $UserName, $message, $hint)"


def test_a_disabled_user(store):
    message, line = failure(store, "dave")
    assert message == ("The scheduled task could not run buildctl as dave: Logon failure: account currently disabled. "
                       "(Exception from HRESULT: 0x80070533)")
    assert line.strip() == "throw ('The scheduled task could not run buildctl as {0}: {1}{2}' -f $UserName, $message, $hint)"


def test_a_task_that_never_started_is_not_a_timeout(store):
    with store.transaction() as state:
        state["scheduled_tasks"] = {"starts_tasks": False}
        scheduled_tasks.grant_right(state, "SeBatchLogonRight", accounts.find_local(state, "carol").sid)
    message, line = failure(store, "carol")
    assert message == ("The scheduled task running buildctl as carol did not start within 120 s "
                       "(0x00041303: the task has not yet run).")
    assert "did not start within" in line


def answer(store, user):
    document = {"operation": "x", "script": SCRIPT, "params": {"buildctl_path": BUILDCTL, "as_user": user, "addr": None}}
    result = run_powershell(store, BOOTSTRAP, base64.b64encode(json.dumps(document).encode()))
    assert result.rc == 0, result.stdout
    return json.loads(result.stdout)


def allow_carol(store, **behaviour):
    with store.transaction() as state:
        scheduled_tasks.grant_right(state, "SeBatchLogonRight", accounts.find_local(state, "carol").sid)
        state["process_behaviour"] = {BUILDCTL.lower(): behaviour}


@pytest.mark.parametrize("code, reported", [(0xC0000005, -1073741819), (0xFFFFFFFF, -1)])
def test_a_crash_code_that_looks_like_an_hresult_is_buildctl_s_exit_code(store, code, reported):
    # docs/windows-facts.md#process-exit-codes: the task's program ran (its output file exists), so the result is
    # buildctl's exit code, reported as Process.ExitCode would, not decoded as a launch failure.
    allow_carol(store, exit_code=code)
    result = answer(store, "carol")
    assert result["ran"] is True and result["exit_code"] == reported and result["error"] == ""


def test_a_task_still_running_at_the_deadline_is_stopped_before_it_is_unregistered(store):
    allow_carol(store, runs_s=121)
    message, line = failure(store, "carol")
    assert message == "buildctl as carol did not finish within 120 s."
    assert "did not finish within" in line
    with store.transaction() as state:
        assert scheduled_tasks.running_tasks(state) == []


def test_buildctl_outliving_the_wait_as_the_connecting_user_is_stopped(store):
    allow_carol(store, runs_s=121)
    error = error_of(store, SCRIPT, {"buildctl_path": BUILDCTL, "as_user": None, "addr": None})
    assert error["message"] == f"{BUILDCTL} did not finish within 120 s and was stopped."
    assert "did not finish within {1} s and was stopped." in position_line(SCRIPT, error["position"])


def run_named(store, user="carol"):
    document = {"operation": "buildctl_debug_info", "script": SCRIPT,
                "params": {"buildctl_path": BUILDCTL, "as_user": user, "addr": None}}
    return run_powershell(store, BOOTSTRAP, base64.b64encode(json.dumps(document).encode()))


def registered(store):
    return scheduled_tasks.tasks_in(store.read(), "\\wcow.buildkit\\")


def later(monkeypatch, seconds):
    now = scheduled_tasks.utc_now() + seconds
    monkeypatch.setattr(scheduled_tasks, "utc_now", lambda: now)


@pytest.mark.parametrize("runs_s, left_state", [(1, "Ready"), (121, "Running")])
def test_a_dropped_connection_leaves_its_task_and_the_next_run_past_the_bound_removes_it(store, monkeypatch, runs_s,
                                                                                         left_state):
    allow_carol(store, runs_s=runs_s)
    faults.set_faults(store.path, [{"kind": "drop_connection", "operation": "buildctl_debug_info",
                                    "kill_after_task_starts": 1}])
    assert run_named(store).rc == 1
    left = registered(store)
    assert list(left.values()) == [left_state]
    assert re.fullmatch(r"buildctl-\d{14}-[0-9a-f]{32}", next(iter(left)))
    faults.clear_faults(store.path)
    allow_carol(store, runs_s=1)
    with store.transaction() as state:
        # The killed run's program ended since (the Task Scheduler's ExecutionTimeLimit, or on its own).
        for task in scheduled_tasks.running_tasks(state):
            scheduled_tasks.stop_task(state, task)
    # Within the bound the leftover may still be a live run's: it stays.
    assert answer(store, "carol")["ran"] is True
    assert list(registered(store)) == list(left)
    later(monkeypatch, 601)
    assert answer(store, "carol")["ran"] is True
    assert registered(store) == {}


def test_a_running_task_of_another_run_stays_however_old(store, monkeypatch):
    allow_carol(store, runs_s=121)
    faults.set_faults(store.path, [{"kind": "drop_connection", "operation": "buildctl_debug_info",
                                    "kill_after_task_starts": 1}])
    assert run_named(store).rc == 1
    faults.clear_faults(store.path)
    allow_carol(store, runs_s=1)
    later(monkeypatch, 601)
    assert answer(store, "carol")["ran"] is True
    assert list(registered(store).values()) == ["Running"]


def test_a_task_outside_the_collection_s_pattern_stays(store, monkeypatch):
    with store.transaction() as state:
        scheduled_tasks.register_task(state, "\\wcow.buildkit\\someone-else")
        scheduled_tasks.register_task(state, "\\buildctl-20200101000000-" + "0" * 32)
    allow_carol(store, runs_s=1)
    later(monkeypatch, 601)
    assert answer(store, "carol")["ran"] is True
    assert list(registered(store)) == ["someone-else"]
    assert "\\buildctl-20200101000000-" + "0" * 32 in store.read()["scheduled_tasks"]["registered"]
