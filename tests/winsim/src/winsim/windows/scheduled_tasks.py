"""A one-off scheduled task with an S4U principal, as Get-ScheduledTaskInfo reports it.

`LastTaskResult` is a uint32 (the CIM class MSFT_TaskDynamicInfo): the exit
code of the task's program, a Task Scheduler status such as 0x41301
SCHED_S_TASK_RUNNING or 0x41303 SCHED_S_TASK_HAS_NOT_RUN, or an HRESULT of a
launch failure, >= 0x80000000 (learn.microsoft.com, "Task Scheduler Error and
Success Constants"; docs/windows-facts.md#scheduled-tasks).

- The task's user logs on as a batch job: without "Log on as a batch job"
  (SeBatchLogonRight) the task does not run and its result is 0x80070569,
  ERROR_LOGON_TYPE_NOT_GRANTED. The right is granted automatically only to
  the user of a task registered with a password; an S4U task has none
  (learn.microsoft.com, "Log on as a batch job"). By default it is held by
  Administrators, Backup Operators and Performance Log Users on servers, by
  Administrators only on client editions (same page, "Default values").
  "Deny log on as a batch job" (SeDenyBatchLogonRight) overrides it.
- A disabled user cannot log on at all: 0x80070533, ERROR_ACCOUNT_DISABLED.
- state["scheduled_tasks"]["starts_tasks"] false: the Task Scheduler does not
  start the task within the wait (a busy or stopped queue), so its result
  stays 0x41303.
- A program still running when the wait ends leaves the result at 0x41301
  SCHED_S_TASK_RUNNING and stays in state["scheduled_tasks"]["running"]
  until Stop-ScheduledTask ends it (`stop_task`): Stop-ScheduledTask "stops
  all running instances of a registered background task" (learn.microsoft.com,
  "Stop-ScheduledTask"), and unregistering the task does not
  (docs/windows-facts.md#scheduled-tasks).

- Registered tasks live in state["scheduled_tasks"]["registered"], keyed by
  task path and name ("\\folder\\name"). Register-ScheduledTask -TaskPath puts
  a task in a folder of its own, created with it (learn.microsoft.com,
  "Register-ScheduledTask"). Get-ScheduledTask -TaskPath lists a folder's
  tasks with their State (MSFT_ScheduledTask: Unknown, Disabled, Queued,
  Ready, Running); a task whose program runs is Running, one that ended is
  Ready. `Unregister-ScheduledTask` removes a task, running or not, and does
  not end its program (docs/windows-facts.md#scheduled-tasks).
- A PowerShell process killed while it waits for its task (a dropped
  connection, winsim.host.faults `kill_after_task_starts`) runs no finally:
  its task stays registered.

state["user_rights"]: right name -> SIDs, absent means the defaults above.
"""

from __future__ import annotations

import time

from ..host import faults
from . import accounts, pipes, processes

SCHED_S_TASK_RUNNING = 0x41301
SCHED_S_TASK_HAS_NOT_RUN = 0x41303
LOGON_TYPE_NOT_GRANTED = 0x80070569
ACCOUNT_DISABLED = 0x80070533

ADMINISTRATORS, BACKUP_OPERATORS, PERFORMANCE_LOG_USERS = "S-1-5-32-544", "S-1-5-32-551", "S-1-5-32-559"


def right_holders(state: dict, right: str) -> list[str]:
    rights = state.get("user_rights")
    if rights is not None and right in rights:
        return list(rights[right])
    if right == "SeBatchLogonRight":
        server = state.get("os", {}).get("product_type", 3) != 1
        return [ADMINISTRATORS, BACKUP_OPERATORS, PERFORMANCE_LOG_USERS] if server else [ADMINISTRATORS]
    return []


def grant_right(state: dict, right: str, sid: str) -> None:
    holders = right_holders(state, right)
    if sid.upper() not in {h.upper() for h in holders}:
        holders.append(sid)
    state.setdefault("user_rights", {})[right] = holders


def holds_right(state: dict, account: accounts.Account, right: str) -> bool:
    token = {sid.upper() for sid in pipes.token_sids(state, account)}
    return bool(token & {sid.upper() for sid in right_holders(state, right)})


def run_s4u_task(state: dict, task: str, account: accounts.Account, run) -> int:
    """LastTaskResult (uint32) of the task named `task` once it ended or the wait gave up; `run()` is the task's
    program and returns its exit code, or raises processes.StillRunning. It is not called when the task cannot
    start."""
    result = _start(state, task, account, run)
    faults.after_task_start()
    return result


def _start(state: dict, task: str, account: accounts.Account, run) -> int:
    if not state.get("scheduled_tasks", {}).get("starts_tasks", True):
        return SCHED_S_TASK_HAS_NOT_RUN
    user = state.get("local_users", {}).get(account.name)
    if account.kind == "local" and user is not None and not user.get("enabled", True):
        return ACCOUNT_DISABLED
    if holds_right(state, account, "SeDenyBatchLogonRight") or not holds_right(state, account, "SeBatchLogonRight"):
        return LOGON_TYPE_NOT_GRANTED
    try:
        return run() & 0xFFFFFFFF
    except processes.StillRunning:
        state.setdefault("scheduled_tasks", {}).setdefault("running", []).append(task)
        return SCHED_S_TASK_RUNNING


def running_tasks(state: dict) -> list:
    """The tasks whose program still runs."""
    return list(state.get("scheduled_tasks", {}).get("running", []))


def stop_task(state: dict, task: str) -> None:
    """Stop-ScheduledTask: ends the running instances of a registered task."""
    running = state.get("scheduled_tasks", {}).get("running", [])
    if task in running:
        running.remove(task)


def utc_now() -> float:
    """The host's clock (epoch seconds); tests move it on to let time pass."""
    return time.time()


def register_task(state: dict, task: str) -> None:
    """Register-ScheduledTask of `task` ("\\folder\\name"), its folder created with it."""
    state.setdefault("scheduled_tasks", {}).setdefault("registered", {})[task] = {}


def unregister_task(state: dict, task: str) -> None:
    """Unregister-ScheduledTask: the task goes; a program it started goes on running."""
    state.get("scheduled_tasks", {}).get("registered", {}).pop(task, None)


def tasks_in(state: dict, folder: str) -> dict:
    """Get-ScheduledTask -TaskPath folder: task name -> State, for the tasks right in that folder."""
    registered = state.get("scheduled_tasks", {}).get("registered", {})
    running = running_tasks(state)
    return {task[len(folder):]: ("Running" if task in running else "Ready")
            for task in registered if task.lower().startswith(folder.lower()) and "\\" not in task[len(folder):]}
