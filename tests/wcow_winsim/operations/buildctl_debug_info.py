"""buildctl_debug_info: `buildctl [--addr A] debug info`, as the WinRM user or as a local user.

The real script runs as another user through a one-off scheduled task with an
S4U principal; only what decides the answer is modelled: whether the user
exists (Register-ScheduledTask cannot map an unknown name), whether the task
starts and its user may log on as a batch job (winsim.windows.scheduled_tasks,
whose LastTaskResult is a uint32), and the pipe's access check against that
user's token (winsim.programs.buildctl). The task goes in the collection's
own task folder, named for its registration time; a run killed while it waits
leaves it there, and the next run removes what earlier runs left that is not
running and older than any run lasts.
"""

import re
import time


from winsim.windows import accounts, files, hresults, processes, scheduled_tasks
from winsim.windows.guids import new_guid

from .base import PowerShellError, param
from .service_common import fail, run_native

# The wait of Invoke-WcowAsUser and Invoke-WcowNative in the script.
TIMEOUT_S = 120
TASK_FOLDER = "\\wcow.buildkit\\"
# $LeftoverAfterSeconds: longer than a run lasts (the wait, its polls, the clean-up).
LEFTOVER_AFTER_S = 600
_LEFTOVER = re.compile(r"^buildctl-(\d{14})-([0-9a-f]{32})$")


def run(state: dict, params) -> dict:
    path = param(params, "buildctl_path", (str,))
    as_user = param(params, "as_user", (str,), nullable=True)
    addr = param(params, "addr", (str,), nullable=True)
    arguments = (["--addr", addr] if addr else []) + ["debug", "info"]
    user_name = as_user or "Administrator"
    if not files.is_file(state, path):
        return {"ran": False, "user": user_name, "exit_code": None, "stdout": "", "stderr": "",
                "error": f"{path} does not exist."}
    user = None
    if as_user:
        user = accounts.lookup_account_name(state, as_user)
        if user is None:
            # New-ScheduledTaskPrincipal / Register-ScheduledTask with a name that maps to no SID.
            raise fail("No mapping between account names and security IDs was done.")
        if user.object_class != "user":
            # A group cannot log on; the task could not run (message approximated).
            raise fail(f"{as_user} is not a user account: a scheduled task cannot run as it.")
    if user is None:
        completed = run_native(state, path, arguments, timeout_s=TIMEOUT_S)
        return {"ran": True, "user": user_name, "exit_code": completed.exit_code, "stdout": completed.stdout,
                "stderr": completed.stderr, "error": ""}
    return _as_user(state, path, arguments, as_user, user)


def _as_user(state: dict, path: str, arguments: list, name: str, user) -> dict:
    """Invoke-WcowAsUser: the one-off S4U task, its LastTaskResult (a uint32) and whether its program ran.

    The task's program writes its output file before it starts buildctl, so the file exists exactly when the
    program ran (`ran` here): without it the result is the Task Scheduler's launch failure, with it buildctl's exit
    code, however large (a crash's 0xC0000005). A task still running at the wait's end is stopped before it is
    unregistered.
    """
    ran = []
    remove_leftovers(state)
    task = f"{TASK_FOLDER}buildctl-{_stamp(scheduled_tasks.utc_now())}-{new_guid(state).replace('-', '').lower()}"
    scheduled_tasks.register_task(state, task)

    def program() -> int:
        try:
            completed = processes.run_program(state, path, arguments, user=user, wait_s=TIMEOUT_S)
        except processes.StartError as error:
            # Start-Process under $ErrorActionPreference = 'Stop': powershell.exe ends with 1.
            completed = processes.Completed(1, "", error.message)
        except processes.StillRunning:
            ran.append(None)
            raise
        ran.append(completed)
        return completed.exit_code

    try:
        answer = _wait(state, task, name, user, program, ran)
    except Exception:
        # The script's finally; a killed process (faults.ProcessKilled, a BaseException) runs none.
        scheduled_tasks.unregister_task(state, task)
        raise
    scheduled_tasks.unregister_task(state, task)
    return answer


def _wait(state: dict, task: str, name: str, user, program, ran: list) -> dict:
    result = scheduled_tasks.run_s4u_task(state, task, user, program)
    if result in (scheduled_tasks.SCHED_S_TASK_RUNNING, scheduled_tasks.SCHED_S_TASK_HAS_NOT_RUN):
        scheduled_tasks.stop_task(state, task)
    if result == scheduled_tasks.SCHED_S_TASK_HAS_NOT_RUN:
        raise thrown(f"The scheduled task running buildctl as {name} did not start within {TIMEOUT_S} s "
                     "(0x00041303: the task has not yet run).")
    if result == scheduled_tasks.SCHED_S_TASK_RUNNING:
        raise thrown(f"buildctl as {name} did not finish within {TIMEOUT_S} s.")
    if not ran:
        text = hresults.exception_message(result) if result >= 0x80000000 else f"LastTaskResult 0x{result:08X}"
        message = f"The scheduled task could not run buildctl as {name}: {text}"
        if result == scheduled_tasks.LOGON_TYPE_NOT_GRANTED:
            message += ' The user needs the right "Log on as a batch job" (SeBatchLogonRight).'
        raise thrown(message)
    completed = ran[0]
    return {"ran": True, "user": name, "exit_code": hresults.as_int32(result), "stdout": completed.stdout,
            "stderr": completed.stderr, "error": ""}


def remove_leftovers(state: dict) -> None:
    """Remove-WcowTaskLeftover: the tasks of earlier runs in the task folder, neither Queued nor Running, registered
    longer than LEFTOVER_AFTER_S ago (the time their name carries)."""
    before = _stamp(scheduled_tasks.utc_now() - LEFTOVER_AFTER_S)
    for name, task_state in scheduled_tasks.tasks_in(state, TASK_FOLDER).items():
        found = _LEFTOVER.match(name)
        if not found or task_state in ("Queued", "Running") or found.group(1) >= before:
            continue
        scheduled_tasks.unregister_task(state, TASK_FOLDER + name)


def _stamp(epoch: float) -> str:
    """[DateTime]::UtcNow.ToString('yyyyMMddHHmmss', InvariantCulture): Gregorian, whatever the host's culture."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(epoch))


def thrown(message: str) -> PowerShellError:
    """The script's own `throw`."""
    return PowerShellError(message, "OperationStopped")
