"""A WinRM client for tests: commands on a simulated host with pywinrm, as ansible-core's winrm connection runs them.

Needs pywinrm (`pip install "winsim[client]"`); the simulator itself does not.

    proto = client.protocol(server)            # a HostServer, or an http://.../wsman endpoint
    stdout, stderr, rc = client.run(proto, client.powershell_line("Get-Date"))
"""

from __future__ import annotations

import base64
from typing import Any

from .transport.server import DEFAULT_PASSWORD, DEFAULT_USERNAME

# How ansible-core (and the scripts it runs) start Windows PowerShell with an encoded script.
POWERSHELL_PREFIX = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand "


def protocol(host_or_endpoint: Any, password: str = DEFAULT_PASSWORD, operation_timeout_sec: int = 20,
             username: str = DEFAULT_USERNAME, **kwargs: Any) -> Any:
    """A winrm.Protocol for basic authentication over HTTP, with no proxy."""
    import winrm  # here: pywinrm is needed by the client only

    endpoint = getattr(host_or_endpoint, "endpoint", host_or_endpoint)
    return winrm.Protocol(endpoint, transport="basic", username=username, password=password,
                          operation_timeout_sec=operation_timeout_sec,
                          read_timeout_sec=operation_timeout_sec + 10, proxy=None, ca_trust_path=None,
                          **kwargs)


def run(proto: Any, command: str, args: tuple = (), stdin: bytes | None = None) -> tuple[bytes, bytes, int]:
    """One command in its own shell, as ansible-core's exec_command drives it: (stdout, stderr, exit code)."""
    shell_id = proto.open_shell(codepage=65001)
    try:
        command_id = proto.run_command(shell_id, command, args, console_mode_stdin=stdin is None)
        if stdin is not None:
            proto.send_command_input(shell_id, command_id, stdin, end=True)
        result = proto.get_command_output(shell_id, command_id)
        proto.cleanup_command(shell_id, command_id)
    finally:
        proto.close_shell(shell_id)
    return result


def encode(script: str) -> str:
    """The value of powershell.exe -EncodedCommand: base64 of the UTF-16LE script."""
    return base64.b64encode(script.encode("utf-16-le")).decode()


def powershell_line(script: str) -> str:
    """The command line that runs `script` in Windows PowerShell."""
    return POWERSHELL_PREFIX + encode(script)
