"""buildctl_debug_info: `buildctl [--addr A] debug info`, as the WinRM user or as a local user.

The real script runs as another user through a one-off scheduled task with an
S4U principal; only what decides the answer is modelled: whether the user
exists (Register-ScheduledTask cannot map an unknown name) and the pipe's
access check against that user's token (winsim.programs.buildctl).
"""

from winsim.windows import accounts, files

from .base import param
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
    completed = run_native(state, path, arguments, user=user)
    return {"ran": True, "user": user_name, "exit_code": completed.exit_code, "stdout": completed.stdout,
            "stderr": completed.stderr, "error": ""}
