"""host_reboot: shutdown.exe /r /t <delay> /c <message>; on 1190 abort the other shutdown and retry once."""

import time

from ..windows import shutdown_exe
from .base import PowerShellError, param


def _shutdown(state: dict, args: list, now: float) -> tuple:
    rc, stdout, stderr = shutdown_exe.run(state, shutdown_exe.powershell_native_args(args), now)
    # The script collects stdout and stderr (2>&1) and joins the lines.
    return rc, "\n".join(line for line in (stdout + stderr).splitlines() if line).strip()


def run(state: dict, params) -> dict:
    delay = param(params, "delay", (int,))
    message = param(params, "message", (str,))
    now = time.time()
    restart = ["/r", "/t", str(delay), "/c", message]
    preempted = False
    rc, output = _shutdown(state, restart, now)
    if rc == shutdown_exe.ALREADY_SCHEDULED:
        _shutdown(state, ["/a"], now)
        preempted = True
        rc, output = _shutdown(state, restart, now)
    if rc not in (0, shutdown_exe.IN_PROGRESS):
        raise PowerShellError(f"shutdown.exe /r failed with exit code {rc}: {output}", "OperationStopped")
    return {"rc": rc, "output": output, "preempted": preempted, "in_progress": rc == shutdown_exe.IN_PROGRESS}
