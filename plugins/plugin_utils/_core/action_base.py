# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of the collection's action plugins.

A subclass declares ARGUMENT_SPEC (and the usual argument-spec constraints),
checks values the spec cannot express in validate(), and reconciles the host
in reconcile(): one read operation, and one change operation when something
differs and the task is not in check mode.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase

from .errors import InvalidArgument, OperationError
from .runner import run_operation


class WcowActionBase(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = True
    ARGUMENT_SPEC = {}
    MUTUALLY_EXCLUSIVE = ()
    REQUIRED_TOGETHER = ()
    REQUIRED_IF = ()
    REQUIRED_BY = {}

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = False
        result = super().run(tmp, task_vars)
        _validated, args = self.validate_argument_spec(
            argument_spec=self.ARGUMENT_SPEC,
            mutually_exclusive=list(self.MUTUALLY_EXCLUSIVE),
            required_together=list(self.REQUIRED_TOGETHER),
            required_if=list(self.REQUIRED_IF),
            required_by=dict(self.REQUIRED_BY),
        )
        try:
            self.validate(args)
        except InvalidArgument as error:
            raise AnsibleActionFail('Invalid option %s' % error)
        try:
            result.update(self.reconcile(args))
        except OperationError as error:
            result.update(failed=True, msg=str(error))
        return result

    @property
    def check_mode(self):
        return bool(self._task.check_mode)

    @property
    def diff_mode(self):
        return bool(self._task.diff)

    def operation(self, name, params, log_params=True):
        return run_operation(self._connection, name, params, log_params=log_params)

    def read_template(self, template, option):
        """The text of a user's template, looked up as the template module does."""
        try:
            found = self._find_needle('templates', template)
            with open(found, encoding='utf-8') as handle:
                return handle.read()
        except (AnsibleError, OSError, UnicodeDecodeError) as error:
            raise InvalidArgument(option, 'cannot read %r: %s' % (template, error))

    def validate(self, args):
        """Raise InvalidArgument for values the argument spec cannot check."""

    def reconcile(self, args):
        raise NotImplementedError
