"""System environment variables as a WinRM (Administrator) process sees them."""

from __future__ import annotations

import re

# Default values of a Windows installation on drive C:.
SYSTEM_VARIABLES = {
    "SystemDrive": "C:",
    "SystemRoot": "C:\\Windows",
    "windir": "C:\\Windows",
    "ProgramFiles": "C:\\Program Files",
    "ProgramData": "C:\\ProgramData",
    "ALLUSERSPROFILE": "C:\\ProgramData",
    "USERPROFILE": "C:\\Users\\Administrator",
    "TEMP": "C:\\Users\\Administrator\\AppData\\Local\\Temp",
    "TMP": "C:\\Users\\Administrator\\AppData\\Local\\Temp",
}


def expand(text: str) -> str:
    """[Environment]::ExpandEnvironmentVariables: %NAME% case-insensitively; unknown names stay."""
    lowered = {name.lower(): value for name, value in SYSTEM_VARIABLES.items()}
    return re.sub(r"%([^%]+)%", lambda m: lowered.get(m.group(1).lower(), m.group(0)), text)
