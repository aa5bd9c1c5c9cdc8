"""host_reboot: shutdown.exe /r /t <delay> /c <message>; on 1190 abort the other shutdown and retry once.

`request_restart` is the snippet restart.ps1 (Request-WcowRestart), which
container_features_enable runs too.
"""

import time

from winsim.windows import shutdown_exe

from .base import PowerShellError, param


def _shutdown(state: dict, args: list, now: float) -> tuple:
    rc, stdout, stderr = shutdown_exe.run(state, shutdown_exe.powershell_native_args(args), now)
    # The script collects stdout and stderr (2>&1) and joins the lines.
    return rc, "\n".join(line for line in (stdout + stderr).splitlines() if line).strip()


def request_restart(state: dict, delay: int, message: str, now: float) -> dict:
    restart = ["/r", "/t", str(delay), "/c", message]
    preempted = False
    rc, output = _shutdown(state, restart, now)
    if rc == shutdown_exe.ALREADY_SCHEDULED:
        _shutdown(state, ["/a"], now)
        preempted = True
        rc, output = _shutdown(state, restart, now)
    return {"scheduled": rc in (0, shutdown_exe.IN_PROGRESS), "rc": rc, "output": output, "preempted": preempted,
            "in_progress": rc == shutdown_exe.IN_PROGRESS}


def run(state: dict, params) -> dict:
    delay = param(params, "delay", (int,))
    message = param(params, "message", (str,))
    result = request_restart(state, delay, message, time.time())
    if not result["scheduled"]:
        raise PowerShellError(f"shutdown.exe /r failed with exit code {result['rc']}: {result['output']}",
                              "OperationStopped")
    return {key: result[key] for key in ("rc", "output", "preempted", "in_progress")}
