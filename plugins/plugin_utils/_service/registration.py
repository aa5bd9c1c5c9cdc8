# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service registration as `containerd.exe --register-service` and
`buildkitd.exe --register-service` do it: the command line they write, the
service flags they add (and that a comparison takes out), and the recovery
actions, display name and description they set.
"""

from __future__ import annotations

import typing as t

from .command_line import join_command_line
from .flags import flag_parts
from .recovery import Recovery, RecoveryAction

# Service flags of containerd and buildkitd (cmd/containerd/command/service_windows.go,
# cmd/buildkitd/service_windows.go): handled by the registration, not daemon options.
RUN_SERVICE = '--run-service'
REGISTER_SERVICE = '--register-service'
SERVICE_NAME = '--service-name'


def registration_command(binary: str, name: str, arguments: t.Iterable[str]) -> list[str]:
    """argv registering service `name` with the daemon's own --register-service."""
    return [binary, REGISTER_SERVICE, SERVICE_NAME, name] + list(arguments)


def registered_arguments(name: str, arguments: t.Iterable[str]) -> list[str]:
    """The service's arguments after registration: --run-service, then the
    registering command line without --register-service (containerd and
    buildkitd registerService)."""
    return [RUN_SERVICE, SERVICE_NAME, name] + list(arguments)


def registered_image_path(binary: str, name: str, arguments: t.Iterable[str]) -> str:
    return join_command_line([binary] + registered_arguments(name, arguments))


def split_registered_arguments(arguments: t.Iterable[str]) -> tuple[str | None, list[str]]:
    """(service_name, daemon_arguments): the service flags taken out.

    `--run-service`, `--register-service`, `--unregister-service` and
    `--service-name X` (or `--service-name=X`, one or two dashes) are removed;
    every other argument stays, in order.
    """
    service_name, rest, i = None, [], 0
    arguments = list(arguments)
    while i < len(arguments):
        arg = arguments[i]
        name, has_value, value = flag_parts(arg)
        if name in ('run-service', 'register-service', 'unregister-service') and not has_value:
            i += 1
            continue
        if name == 'service-name':
            if has_value:
                service_name = value
                i += 1
            else:
                service_name = arguments[i + 1] if i + 1 < len(arguments) else ''
                i += 2
            continue
        rest.append(arg)
        i += 1
    return service_name, rest


# What --register-service sets: restart after 15 s, restart after 15 s, then
# nothing; reset after 24 h (docs/windows-facts.md#buildkitd-as-a-windows-service).
REGISTER_SERVICE_RECOVERY = Recovery(86400, (RecoveryAction('restart', 15000), RecoveryAction('restart', 15000),
                                             RecoveryAction('none', 0)))

# Display names and descriptions --register-service sets
# (cmd/containerd/command/service_windows.go, cmd/buildkitd/service_windows.go).
REGISTERED_DISPLAY = {
    'containerd': ('Containerd', 'Container runtime'),
    'buildkitd': ('Buildkitd', 'Container image build engine'),
}
