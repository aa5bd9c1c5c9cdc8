"""The Windows Remote Shell (WinRS) service: shells, commands, their streams.

Actions and their bodies follow MS-WSMV 3.1.4 (Create, Command, Send,
Receive, Signal, Delete) as pywinrm protocol.py and ansible-core
plugins/connection/winrm.py send them.
"""

from __future__ import annotations

import base64
import binascii
import sys
import threading
import traceback
from dataclasses import dataclass
from typing import Callable

from ..plugin import ProcessResult
from . import wsman
from .cmdline import ResultLike
from .counters import Counters
from .wsman import NS, SHELL, TRANSFER, Request

# The cmd shell's signal codes in MS-WSMV, plus the PSRP one pypsrp sends.
_SIGNALS = {SHELL + "signal/terminate", SHELL + "signal/ctrl_c", SHELL + "signal/ctrl_break",
            "http://schemas.microsoft.com/powershell/signal/crtl_c"}

# execute(command_id, command_line, stdin): the command's process, run to its end.
Execute = Callable[[str, str, bytes], ResultLike]


@dataclass
class Limits:
    """WinRM service quotas (docs/windows-facts.md#winrm-service-limits)."""

    max_shells_per_user: int = 30
    max_envelope_kb: int = 500
    # Commands count against it until their shell is deleted: Windows does not
    # decrement it on Signal Terminate for text shells (MS-WSMV Appendix A <118>).
    max_concurrent_operations_per_user: int = 1500


class _Command:
    def __init__(self, command_id: str, line: str, wait_for_stdin: bool) -> None:
        self.id = command_id
        self.line = line
        self.lock = threading.Lock()
        self.stdin = bytearray()
        self.stdin_open = wait_for_stdin
        self.done = threading.Event()
        self.result = ProcessResult()
        self.sent = {"stdout": 0, "stderr": 0}


class _Shell:
    def __init__(self, shell_id: str, owner: str) -> None:
        self.id = shell_id
        self.owner = owner
        self.lock = threading.Lock()
        self.commands: dict[str, _Command] = {}
        self.operations = 0

    def command(self, command_id: str | None) -> _Command:
        with self.lock:
            found = self.commands.get((command_id or "").upper())
        if found is None:
            raise wsman.command_not_found()
        return found


class WinRSService:
    def __init__(self, execute: Execute, counters: Counters, limits: Limits | None = None,
                 address: str = "http://127.0.0.1:5985/wsman") -> None:
        self.execute = execute
        self.counters = counters
        self.limits = limits or Limits()
        self.address = address
        self._lock = threading.Lock()
        self._shells: dict[str, _Shell] = {}
        self._handlers = {
            TRANSFER + "Create": self._create,
            TRANSFER + "Delete": self._delete,
            SHELL + "Command": self._command,
            SHELL + "Send": self._send,
            SHELL + "Receive": self._receive,
            SHELL + "Signal": self._signal,
        }

    def handle(self, req: Request, user: str) -> bytes:
        handler = self._handlers.get(req.action)
        if handler is None:
            raise wsman.action_not_supported(req.action)
        if req.resource_uri != wsman.CMD_RESOURCE_URI:
            raise wsman.resource_not_found(req.resource_uri)
        body = handler(req, user)
        return wsman.response(req.action + "Response", req.message_id, body)

    def drop_all_shells(self) -> None:
        """Forget every shell, as a restarted host's WinRM service has none."""
        with self._lock:
            self._shells.clear()

    def open_shells(self, user: str | None = None) -> int:
        with self._lock:
            return sum(1 for s in self._shells.values() if user is None or s.owner == user.lower())

    def _shell(self, req: Request) -> _Shell:
        shell_id = req.selectors.get("ShellId")
        with self._lock:
            found = self._shells.get((shell_id or "").upper())
        if found is None:
            raise wsman.shell_not_found(shell_id)
        return found

    def _create(self, req: Request, user: str) -> dict:
        shell_body = req.body.find("rsp:Shell", NS)
        if shell_body is None:
            raise wsman.malformed("Create for the cmd shell needs an rsp:Shell body.")
        owner = user.lower()
        shell = _Shell(wsman.new_uuid(), owner)
        with self._lock:
            if sum(1 for s in self._shells.values() if s.owner == owner) >= self.limits.max_shells_per_user:
                raise wsman.shell_quota(self.limits.max_shells_per_user)
            self._shells[shell.id] = shell
        self.counters.shell_opened()
        streams_in = shell_body.findtext("rsp:InputStreams", "stdin", NS)
        streams_out = shell_body.findtext("rsp:OutputStreams", "stdout stderr", NS)
        # Both forms a real host returns (pypsrp tests/responses/test_winrs_send.yml);
        # pywinrm open_shell reads the element whose Name is ShellId.
        return {
            "x:ResourceCreated": {
                "a:Address": self.address,
                "a:ReferenceParameters": {
                    "w:ResourceURI": wsman.CMD_RESOURCE_URI,
                    "w:SelectorSet": {"w:Selector": {"@Name": "ShellId", "#text": shell.id}},
                },
            },
            "rsp:Shell": {
                "rsp:ShellId": shell.id,
                "rsp:ResourceUri": wsman.CMD_RESOURCE_URI,
                "rsp:Owner": user,
                "rsp:ClientIP": "127.0.0.1",
                "rsp:IdleTimeOut": "PT7200.000S",
                "rsp:InputStreams": streams_in,
                "rsp:OutputStreams": streams_out,
                "rsp:ShellRunTime": "P0DT0H0M0S",
                "rsp:ShellInactivity": "P0DT0H0M0S",
            },
        }

    def _delete(self, req: Request, user: str) -> None:
        shell = self._shell(req)
        with self._lock:
            self._shells.pop(shell.id, None)
        return None

    def _command(self, req: Request, user: str) -> dict:
        shell = self._shell(req)
        command_line = req.body.find("rsp:CommandLine", NS)
        program = command_line.findtext("rsp:Command", None, NS) if command_line is not None else None
        if program is None or not program.strip():
            raise wsman.malformed("Command needs rsp:CommandLine/rsp:Command.")
        if req.flag("WINRS_SKIP_CMD_SHELL"):
            raise wsman.not_modelled("WINRS_SKIP_CMD_SHELL=TRUE (running a program without cmd.exe)")
        arguments = [arg.text or "" for arg in command_line.findall("rsp:Arguments", NS)]
        line = " ".join([program] + arguments)
        # WINRS_CONSOLEMODE_STDIN=TRUE (pywinrm's default, ansible-core's when
        # there is no in_data): no stdin, the command runs now. Otherwise it
        # runs once a Send with End="true" closes stdin.
        console_mode = req.flag("WINRS_CONSOLEMODE_STDIN")
        command = _Command(wsman.new_uuid(), line, wait_for_stdin=not console_mode)
        with self._lock:
            operations = sum(s.operations for s in self._shells.values() if s.owner == shell.owner)
            if operations >= self.limits.max_concurrent_operations_per_user:
                raise wsman.operations_quota(self.limits.max_concurrent_operations_per_user)
            shell.operations += 1
        with shell.lock:
            shell.commands[command.id] = command
        if console_mode:
            self._start(command)
        return {"rsp:CommandResponse": {"rsp:CommandId": command.id}}

    def _send(self, req: Request, user: str) -> dict:
        shell = self._shell(req)
        streams = req.body.findall("rsp:Send/rsp:Stream", NS)
        if not streams:
            raise wsman.malformed("Send needs rsp:Send/rsp:Stream.")
        for stream in streams:
            if stream.get("Name") != "stdin":
                raise wsman.malformed(f"Send to stream {stream.get('Name')!r}; the cmd shell takes stdin.")
            command = shell.command(stream.get("CommandId"))
            try:
                data = base64.b64decode(stream.text or "", validate=True)
            except (binascii.Error, ValueError):
                raise wsman.malformed("The rsp:Stream text is not base64.") from None
            end = (stream.get("End") or "").lower() == "true"  # pypsrp sends "True"
            with command.lock:
                if not command.stdin_open:
                    raise wsman.not_modelled("stdin for a command started with WINRS_CONSOLEMODE_STDIN=TRUE "
                                             "or already closed with End=\"true\"")
                command.stdin += data
                command.stdin_open = not end
            if end:
                self._start(command)
        return {"rsp:SendResponse": None}

    def _receive(self, req: Request, user: str) -> dict:
        shell = self._shell(req)
        desired = req.body.find("rsp:Receive/rsp:DesiredStream", NS)
        if desired is None or not desired.get("CommandId"):
            raise wsman.malformed("Receive needs rsp:DesiredStream with a CommandId.")
        command = shell.command(desired.get("CommandId"))
        # Long poll: nothing to return within OperationTimeout is the
        # w:TimedOut fault, on which pywinrm and ansible-core retry.
        if not command.done.wait(req.operation_timeout):
            raise wsman.timed_out()
        names = [n for n in (desired.text or "stdout stderr").split() if n in ("stdout", "stderr")]
        # Stay within the client's MaxEnvelopeSize: base64 grows 4/3, plus
        # room for the envelope. Larger output spans several Receives.
        budget = max(1024, req.max_envelope_size - 4096) * 3 // 4
        streams = []
        with command.lock:
            for name in names:
                data = getattr(command.result, name)
                start = command.sent[name]
                chunk = data[start:start + budget]
                budget -= len(chunk)
                command.sent[name] = start + len(chunk)
                if chunk:
                    streams.append({"@Name": name, "@CommandId": command.id,
                                    "#text": base64.b64encode(chunk).decode("ascii")})
            finished = all(command.sent[n] >= len(getattr(command.result, n)) for n in names)
        state: dict = {"@CommandId": command.id}
        if finished:
            streams += [{"@Name": n, "@CommandId": command.id, "@End": "true"} for n in names]
            state["@State"] = SHELL + "CommandState/Done"
            state["rsp:ExitCode"] = str(command.result.rc)
        else:
            state["@State"] = SHELL + "CommandState/Running"
        return {"rsp:ReceiveResponse": {"rsp:Stream": streams, "rsp:CommandState": state}}

    def _signal(self, req: Request, user: str) -> dict:
        shell = self._shell(req)
        signal = req.body.find("rsp:Signal", NS)
        if signal is None:
            raise wsman.malformed("Signal needs an rsp:Signal body.")
        code = (signal.findtext("rsp:Code", "", NS) or "").strip()
        if code not in _SIGNALS:
            raise wsman.malformed(f"Unknown signal code {code!r}.")
        command = shell.command(signal.get("CommandId"))
        # terminate and ctrl_c end the process: the command id is gone. A
        # model run already in progress still completes its state changes.
        with shell.lock:
            shell.commands.pop(command.id, None)
        return {"rsp:SignalResponse": None}

    def _start(self, command: _Command) -> None:
        stdin = bytes(command.stdin)
        threading.Thread(target=self._run, args=(command, stdin), daemon=True, name=f"winrs-{command.id}").start()

    def _run(self, command: _Command, stdin: bytes) -> None:
        try:
            result = self.execute(command.id, command.line, stdin)
            command.result = ProcessResult(bytes(result.stdout or b""), bytes(result.stderr or b""), int(result.rc))
        except Exception:  # a bug in the host model must reach the client, loudly
            details = traceback.format_exc()
            print(f"winsim: command {command.id} failed in the host model:\n{details}", file=sys.stderr)
            command.result = ProcessResult(stderr=f"winsim: the host model failed:\r\n{details}".encode(), rc=1)
        command.done.set()
