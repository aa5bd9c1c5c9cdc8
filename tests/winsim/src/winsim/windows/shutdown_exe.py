"""shutdown.exe as scripts run it to restart a host: `/r /t N /c "comment"` and `/a`.

`run(state, argv, now) -> (exit_code, stdout, stderr)` for argv after
"shutdown.exe". Failures print the system message followed by the code in
parentheses on stderr, "A system shutdown has already been scheduled.(1190)",
and exit with that code (ansible.windows plugin_utils/_reboot.py looks for
"(1190)" in stderr; texts of `net helpmsg 1115 / 1116 / 1190`).

`powershell_native_args(args)` is what a Windows PowerShell 5.1 script's
`& shutdown.exe @args` hands the program.
"""

from __future__ import annotations

from ..transport.cmdline import split_windows_args
from . import boot

ALREADY_SCHEDULED = 1190
IN_PROGRESS = 1115
NOTHING_TO_ABORT = 1116
BAD_PARAMETER = 87

MESSAGES = {
    ALREADY_SCHEDULED: "A system shutdown has already been scheduled.",
    IN_PROGRESS: "A system shutdown is in progress.",
    NOTHING_TO_ABORT: "Unable to abort the system shutdown because no shutdown was in progress.",
    BAD_PARAMETER: "The parameter is incorrect.",
}

# `shutdown /?`: "/t xxx ... The valid range is 0-315360000 (10 years)";
# "/c "comment" ... Maximum of 512 characters allowed."
MAX_DELAY_S = 315360000
MAX_COMMENT = 512


def _failed(code: int) -> tuple:
    return code, "", f"{MESSAGES[code]}({code})\r\n"


def _parse(argv: list) -> dict | None:
    """The options, or None for a command line shutdown.exe refuses."""
    options: dict = {}
    words = list(argv)
    while words:
        word = words.pop(0)
        # Options start with / or - and are not case-sensitive (shutdown /?).
        if len(word) < 2 or word[0] not in "/-":
            return None
        key = word[1:].lower()
        if key in ("r", "a", "f"):
            options[key] = True
        elif key in ("t", "c"):
            if not words:
                return None
            options[key] = words.pop(0)
        else:
            # Other options (/s, /m, /d, ...) are not modelled: refused, never a silent success.
            return None
    if options.get("r") == options.get("a"):
        return None
    if "t" in options and (not options["t"].isdigit() or int(options["t"]) > MAX_DELAY_S):
        return None
    if len(options.get("c", "")) > MAX_COMMENT:
        return None
    return options


def run(state: dict, argv: list, now: float) -> tuple:
    options = _parse(argv)
    if options is None:
        return _failed(BAD_PARAMETER)
    phase = boot.shutdown_phase(state, now)
    if options.get("a"):
        if phase == "scheduled":
            boot.cancel_shutdown(state)
            return 0, "", ""
        if phase == "shutting_down":
            return _failed(IN_PROGRESS)
        return _failed(NOTHING_TO_ABORT)
    if phase == "scheduled":
        return _failed(ALREADY_SCHEDULED)
    if phase == "shutting_down":
        return _failed(IN_PROGRESS)
    # /t defaults to 30 seconds (shutdown /?).
    boot.schedule_restart(state, int(options.get("t", "30")), options.get("c", ""), now)
    return 0, "", ""


def powershell_native_args(args: list) -> list:
    """The argv a native program gets from Windows PowerShell 5.1 for `& program @args`.

    5.1 drops empty-string arguments (PowerShell/PowerShell#6280) and wraps an
    argument holding white space in double quotes without escaping the ones
    inside it (PowerShell/PowerShell#1995); the program splits the resulting
    command line as CommandLineToArgvW does.
    """
    parts = []
    for arg in args:
        if arg == "":
            continue
        parts.append(f'"{arg}"' if any(ch in arg for ch in " \t") else arg)
    return split_windows_args(" ".join(parts))
