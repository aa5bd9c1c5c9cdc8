"""Where the contract suite runs operations: the simulator or a real Windows host, both over WinRM.

Operations are sent exactly as the collection sends them: the runner's bootstrap command line
(`bootstrap_command()`), its stdin payload (`encode_input()`) in the 200000-byte Send requests of
ansible-core's winrm connection, and its parsing of the answer (`parse_output()`), through pywinrm.
"""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.runner import (
    COMMAND_PREFIX,
    bootstrap_command,
    encode_input,
    load_operation,
    parse_output,
)

# ansible-core's winrm connection sends stdin in Send requests of this size (_wrapper_payload_stream).
SEND_CHUNK = 200000
# The simulated host every case runs on (Containers enabled, as on GitHub's Windows runners); its
# state is put back after each case.
SIMULATOR_PROFILE = 'ws2022'
SIMULATOR_PLUGINS = ('wcow_winsim',)


@dataclass
class Answer:
    """What the host answered: the raw exit code and streams, the parsed result or the runner's error."""

    rc: int
    stdout: bytes
    stderr: bytes
    result: dict[str, t.Any] | None = None
    error: str | None = None


@dataclass
class RealHostSettings:
    """A real host, from the environment `make contract WINRM_HOST=...` passes."""

    host: str
    user: str
    password: str
    port: int = 5986
    scheme: str = 'https'
    transport: str = 'ntlm'
    ca_trust_path: str | None = None
    cert_validation: str = 'validate'
    scratch_parent: str = 'C:\\wcow-contract'
    destructive: bool = False

    @classmethod
    def from_environment(cls, env: t.Mapping[str, str] | None = None) -> RealHostSettings | None:
        env = os.environ if env is None else env
        host = env.get('WINRM_HOST')
        if not host:
            return None
        missing = [name for name in ('WINRM_USER', 'WINRM_PASSWORD') if not env.get(name)]
        if missing:
            raise RuntimeError('WINRM_HOST is set; also set %s' % ' and '.join(missing))
        scheme = env.get('WINRM_SCHEME') or 'https'
        validation = env.get('WINRM_CERT_VALIDATION') or 'validate'
        if validation not in ('validate', 'ignore'):
            raise RuntimeError('WINRM_CERT_VALIDATION must be validate or ignore, not %r' % validation)
        return cls(host=host, user=env['WINRM_USER'], password=env['WINRM_PASSWORD'],
                   port=int(env.get('WINRM_PORT') or (5986 if scheme == 'https' else 5985)), scheme=scheme,
                   transport=env.get('WINRM_TRANSPORT') or 'ntlm', ca_trust_path=env.get('WINRM_CA') or None,
                   cert_validation=validation, scratch_parent=env.get('WCOW_CONTRACT_SCRATCH') or cls.scratch_parent,
                   destructive=env.get('WCOW_CONTRACT_DESTRUCTIVE') == '1')

    def endpoint(self) -> str:
        return '%s://%s:%d/wsman' % (self.scheme, self.host, self.port)


class Backend:
    """One host the cases run on. Subclasses say how to reach it and how to put it back after a case."""

    name = 'backend'
    #: Whether cases marked destructive (restarts, features) may run.
    destructive = False
    #: The scratch folder of this run, under which cases create files.
    scratch = ''

    def __init__(self) -> None:
        self._protocol: t.Any = None
        self._shell_id: str | None = None

    def protocol(self) -> t.Any:
        raise NotImplementedError

    def run(self, name: str, params: dict[str, t.Any], stream: bytes | None = None) -> Answer:
        """Run operation `name` as run_operation() does and return the answer, a failure included."""
        from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import OperationError

        operation = load_operation(name)
        rc, stdout, stderr = self.exec_command(bootstrap_command(), encode_input(operation, params, stream))
        answer = Answer(rc, stdout, stderr)
        try:
            answer.result = parse_output(operation, rc, stdout, stderr)
        except OperationError as error:
            answer.error = str(error)
        return answer

    def exec_command(self, command: str, stdin: bytes) -> tuple[int, bytes, bytes]:
        """One command with stdin, as ansible-core's winrm connection's exec_command runs it: in the
        connection's one UTF-8 shell, stdin in Send requests of 200000 bytes, the last one marked End."""
        protocol = self.protocol()
        if self._shell_id is None:
            self._shell_id = protocol.open_shell(codepage=65001)
        command_id = protocol.run_command(self._shell_id, command, (), console_mode_stdin=not stdin)
        try:
            for start in range(0, len(stdin), SEND_CHUNK):
                protocol.send_command_input(self._shell_id, command_id, stdin[start:start + SEND_CHUNK],
                                            end=start + SEND_CHUNK >= len(stdin))
            stdout, stderr, rc = protocol.get_command_output(self._shell_id, command_id)
        finally:
            protocol.cleanup_command(self._shell_id, command_id)
        return rc, stdout, stderr

    def close(self) -> None:
        if self._shell_id is not None:
            try:
                self._protocol.close_shell(self._shell_id)
            finally:
                self._shell_id = None
        self._protocol = None

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def after_case(self, leftovers: Leftovers) -> None:
        """Put the host back after a case: what the case's own clean-up steps left, if anything."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclass
class Leftovers:
    """What a case created on the host, for the backend to remove when the case's own clean-up did not."""

    services: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    #: Microsoft Defender exclusions (processes and folders) the case added.
    defender_exclusions: list[str] = field(default_factory=list)
    #: A restart the case scheduled (shutdown.exe /r /t): aborted with shutdown.exe /a.
    restart_scheduled: bool = False


class SimulatorBackend(Backend):
    """One simulated host for the whole run (winsim, with this collection's plug-in); its state is
    saved once started and put back after every case, so every case sees the same fresh host."""

    name = 'simulator'
    destructive = True
    scratch = 'C:\\wcow-contract\\run'

    def __init__(self) -> None:
        super().__init__()
        self._dir: tempfile.TemporaryDirectory | None = None
        self._fleet: t.Any = None
        self._saved: dict[str, t.Any] | None = None

    def start(self) -> None:
        from winsim.fleet import Fleet, HostSpec

        self._dir = tempfile.TemporaryDirectory(prefix='wcow-contract-')
        self._fleet = Fleet(Path(self._dir.name) / 'fleet', plugins=SIMULATOR_PLUGINS)
        self._fleet.start(hosts=[HostSpec('contract', SIMULATOR_PROFILE, containers=True)])
        self._saved = self._fleet.store('contract').read()

    def stop(self) -> None:
        self.close()
        if self._fleet is not None:
            self._fleet.stop()
        if self._dir is not None:
            self._dir.cleanup()

    def protocol(self) -> t.Any:
        if self._protocol is None:
            import winrm

            entry = self._fleet.host('contract')
            self._protocol = winrm.Protocol('http://127.0.0.1:%d/wsman' % entry['port'], transport='basic',
                                            username=entry['username'], password=entry['password'],
                                            operation_timeout_sec=20, read_timeout_sec=30, proxy=None,
                                            ca_trust_path=None)
        return self._protocol

    def store(self) -> t.Any:
        """The simulated host's state store (winsim's Fleet API), for the cases that set a host up."""
        return self._fleet.store('contract')

    def after_case(self, leftovers: Leftovers) -> None:
        with self.store().transaction() as state:
            state.clear()
            state.update(self._saved)

    def describe(self) -> str:
        return 'the Windows host simulator (profile %s, Containers enabled)' % SIMULATOR_PROFILE


# Removes what a case left behind on a real host: its scratch folder, throw-away services, groups and Defender
# exclusions.
_REAL_CLEANUP = r"""
$ErrorActionPreference = 'Continue'
if (%(restart)s) { $null = shutdown.exe /a }
foreach ($name in @(%(services)s)) {
    if (Get-Service -Name $name -ErrorAction SilentlyContinue) {
        Stop-Service -Name $name -Force -ErrorAction SilentlyContinue
        $null = sc.exe delete $name
    }
}
foreach ($name in @(%(groups)s)) {
    if (Get-LocalGroup -Name $name -ErrorAction SilentlyContinue) { Remove-LocalGroup -Name $name }
}
foreach ($entry in @(%(defender)s)) {
    Remove-MpPreference -ExclusionProcess $entry -ExclusionPath $entry -Force -ErrorAction SilentlyContinue
}
if (Test-Path -LiteralPath '%(scratch)s') { Remove-Item -LiteralPath '%(scratch)s' -Recurse -Force }
$parent = Split-Path -Parent '%(scratch)s'
if ((Test-Path -LiteralPath $parent) -and -not (Get-ChildItem -LiteralPath $parent -Force)) { Remove-Item -LiteralPath $parent }
"""


def _ps_list(names: list[str]) -> str:
    return ', '.join("'%s'" % name.replace("'", "''") for name in names)


class RealHostBackend(Backend):
    """A Windows host reached over WinRM (HTTPS with certificate validation unless told otherwise).
    Cases work in a scratch folder of this run, with throw-away names, and remove what they made."""

    name = 'real'

    def __init__(self, settings: RealHostSettings) -> None:
        super().__init__()
        self.settings = settings
        self.destructive = settings.destructive
        self.scratch = '%s\\%s' % (settings.scratch_parent.rstrip('\\'), secrets.token_hex(4))

    def start(self) -> None:
        self.protocol()

    def stop(self) -> None:
        self.close()

    def protocol(self) -> t.Any:
        if self._protocol is None:
            import winrm

            settings = self.settings
            self._protocol = winrm.Protocol(
                settings.endpoint(), transport=settings.transport, username=settings.user,
                password=settings.password, server_cert_validation=settings.cert_validation,
                ca_trust_path=settings.ca_trust_path or 'legacy_requests', operation_timeout_sec=60,
                read_timeout_sec=90)
        return self._protocol

    def powershell(self, script: str) -> tuple[int, bytes, bytes]:
        """A plain PowerShell script (clean-up only: cases observe the host through operations)."""
        return self.exec_command(COMMAND_PREFIX + base64.b64encode(script.encode('utf-16-le')).decode(), b'')

    def after_case(self, leftovers: Leftovers) -> None:
        self.powershell(_REAL_CLEANUP % {'services': _ps_list(leftovers.services),
                                         'groups': _ps_list(leftovers.groups),
                                         'defender': _ps_list(leftovers.defender_exclusions),
                                         'restart': '$true' if leftovers.restart_scheduled else '$false',
                                         'scratch': self.scratch.replace("'", "''")})

    def describe(self) -> str:
        return '%s (%s, %s)' % (self.settings.endpoint(), self.settings.transport,
                                'certificate validated' if self.settings.cert_validation == 'validate'
                                else 'certificate NOT validated')


def backend_from_environment() -> Backend:
    settings = RealHostSettings.from_environment()
    return SimulatorBackend() if settings is None else RealHostBackend(settings)
