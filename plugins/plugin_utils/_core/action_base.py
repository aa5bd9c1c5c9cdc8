# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of the collection's action plugins.

A subclass declares ARGUMENT_SPEC (and the usual argument-spec constraints)
and implements two steps:

- `validate(args)` checks what the spec cannot express, before anything
  reaches the host, and returns what it derived from the options (a frozen
  dataclass, or None when it derives nothing);
- `reconcile(args, checked)` receives the options and that value: one read
  operation, and one change operation when something differs and the task is
  not in check mode. It returns the task's result.

Nothing is kept on the plugin between the two steps.
"""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure, AnsibleError
from ansible.plugins.action import ActionBase

from .connection_hints import connection_hint
from .errors import InvalidArgument, OperationError
from .host_lock import VARIABLE as LOCK_TIMEOUT_VARIABLE, lock_timeout
from .runner import DEFAULT_LOCK_TIMEOUT_S, run_operation

Checked = t.TypeVar('Checked')

# The operations read their payload from the console's stdin and print to its
# stdout (powershell/bootstrap.ps1). Over PSRP the input arrives as pipeline
# input and there is no console host (ansible-core
# lib/ansible/executor/powershell/exec_wrapper.ps1: "PSRP will not have a
# console host"; docs/windows-facts.md#ansible-over-winrm).
UNSUPPORTED_CONNECTIONS = {
    'psrp': 'wcow.buildkit runs its PowerShell operations over the console of a WinRM shell, which the psrp '
            'connection does not have: use ansible_connection=winrm (with the same host, port and credentials).',
}


def refuse_unsupported_connection(connection: t.Any) -> None:
    """Fail the task, before anything is sent, on a connection the operations cannot run over."""
    names = (str(getattr(connection, 'transport', '') or ''), str(getattr(connection, '_load_name', '') or ''))
    for name in names:
        reason = UNSUPPORTED_CONNECTIONS.get(name.rsplit('.', 1)[-1])
        if reason is not None:
            raise AnsibleActionFail('The connection %s is not supported: %s' % (name, reason))


class OperationSource(t.Protocol):
    def answer(self, name: str, params: dict[str, t.Any]) -> dict[str, t.Any] | None:
        """The result of operation `name` with `params`, or None to run it on the host.

        It may raise OperationError (the answer is that failure), or any other
        exception to stop the plugin (it only wanted to know what is read).
        """


class WcowActionBase(ActionBase, t.Generic[Checked]):
    TRANSFERS_FILES = False
    _requires_connection = True
    ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {}
    MUTUALLY_EXCLUSIVE: tuple[tuple[str, ...], ...] = ()
    REQUIRED_TOGETHER: tuple[tuple[str, ...], ...] = ()
    REQUIRED_IF: tuple[tuple[t.Any, ...], ...] = ()
    REQUIRED_BY: dict[str, tuple[str, ...]] = {}
    # Set by the whole-host action (buildkit_host_state): what answers this
    # plugin's operations before they reach the connection.
    reads: OperationSource | None = None
    # wcow_host_lock_timeout, read in run(): how long a change waits for another run's.
    lock_timeout_s: int = DEFAULT_LOCK_TIMEOUT_S

    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        refuse_unsupported_connection(self._connection)
        self._supports_check_mode = True
        self._supports_async = False
        result = super().run(tmp, task_vars)
        try:
            self.lock_timeout_s = lock_timeout(self._templar.template((task_vars or {}).get(LOCK_TIMEOUT_VARIABLE)))
        except InvalidArgument as error:
            raise AnsibleActionFail('Invalid variable %s' % error)
        _validated, args = self.validate_argument_spec(
            argument_spec=self.ARGUMENT_SPEC,
            mutually_exclusive=list(self.MUTUALLY_EXCLUSIVE),
            required_together=list(self.REQUIRED_TOGETHER),
            required_if=list(self.REQUIRED_IF),
            required_by=dict(self.REQUIRED_BY),
        )
        try:
            checked = self.validate(args)
        except InvalidArgument as error:
            raise AnsibleActionFail('Invalid option %s' % error)
        try:
            result.update(self.reconcile(args, checked))
        except OperationError as error:
            result.update(failed=True, msg=str(error))
        except AnsibleConnectionFailure as error:
            # The connection is opened by the first operation: the host stays unreachable, with what to check.
            raise AnsibleConnectionFailure(self._with_hint(str(error))) from error
        return result

    def _with_hint(self, message: str) -> str:
        options = {}
        for option in ('scheme', 'port'):
            try:
                options[option] = self._connection.get_option(option)
            except (AnsibleError, KeyError):
                options[option] = None
        hint = connection_hint(message, options['scheme'], options['port'])
        return '%s\nHint: %s.' % (message, hint) if hint else message

    @property
    def check_mode(self) -> bool:
        return bool(self._task.check_mode)

    @property
    def diff_mode(self) -> bool:
        return bool(self._task.diff)

    def operation(self, name: str, params: dict[str, t.Any], log_params: bool = True,
                  stream: bytes | None = None) -> dict[str, t.Any]:
        if self.reads is not None and stream is None:
            answer = self.reads.answer(name, params)
            if answer is not None:
                return answer
        return run_operation(self._connection, name, params, log_params=log_params, stream=stream,
                             lock_timeout_s=self.lock_timeout_s)

    def read_template(self, template: str, option: str) -> str:
        """The text of a user's template, looked up as the template module does."""
        try:
            found = self._find_needle('templates', template)
            with open(found, encoding='utf-8') as handle:
                return handle.read()
        except (AnsibleError, OSError, UnicodeDecodeError) as error:
            raise InvalidArgument(option, 'cannot read %r: %s' % (template, error))

    def validate(self, args: dict[str, t.Any]) -> Checked:
        """Raise InvalidArgument for values the argument spec cannot check; return what was derived."""
        raise NotImplementedError

    def reconcile(self, args: dict[str, t.Any], checked: Checked) -> dict[str, t.Any]:
        raise NotImplementedError
