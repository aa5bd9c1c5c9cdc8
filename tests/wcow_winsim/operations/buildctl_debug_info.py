"""buildctl_debug_info: `buildctl [--addr A] debug info`, as the WinRM user or as a local user.

The real script runs as another user through a one-off scheduled task with an
S4U principal; only what decides the answer is modelled: whether the user
exists (Register-ScheduledTask cannot map an unknown name), whether the task
starts and its user may log on as a batch job (winsim.windows.scheduled_tasks,
whose LastTaskResult is a uint32), and the pipe's access check against that
user's token (winsim.programs.buildctl).
"""

from winsim.windows import accounts, files, hresults, scheduled_tasks

from .base import PowerShellError, param
from .service_common import fail, run_native


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
        completed = run_native(state, path, arguments)
        return {"ran": True, "user": user_name, "exit_code": completed.exit_code, "stdout": completed.stdout,
                "stderr": completed.stderr, "error": ""}
    return _as_user(state, path, arguments, as_user, user)


def _as_user(state: dict, path: str, arguments: list, name: str, user) -> dict:
    """Invoke-WcowAsUser: the one-off S4U task, and its LastTaskResult (a uint32) decoded."""
    ran = []

    def program() -> int:
        ran.append(run_native(state, path, arguments, user=user))
        return ran[0].exit_code

    result = scheduled_tasks.run_s4u_task(state, user, program)
    if result == scheduled_tasks.SCHED_S_TASK_HAS_NOT_RUN:
        raise thrown(f"The scheduled task running buildctl as {name} did not start within 120 s "
                     "(0x00041303: the task has not yet run).")
    if result >= 0x80000000:
        message = f"The scheduled task could not run buildctl as {name}: {hresults.exception_message(result)}"
        if result == scheduled_tasks.LOGON_TYPE_NOT_GRANTED:
            message += ' The user needs the right "Log on as a batch job" (SeBatchLogonRight).'
        raise thrown(message)
    completed = ran[0]
    return {"ran": True, "user": name, "exit_code": result, "stdout": completed.stdout, "stderr": completed.stderr,
            "error": ""}


def thrown(message: str) -> PowerShellError:
    """The script's own `throw`."""
    return PowerShellError(message, "OperationStopped")
