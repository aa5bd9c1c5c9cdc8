# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restart a service when it exists (see plugins/modules/win_service_restart.py)."""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleActionFail

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.action_base import WcowActionBase
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.plan import apply_params


class ActionModule(WcowActionBase[None]):
    ARGUMENT_SPEC = dict(
        name=dict(type='str', required=True),
        missing=dict(type='str', default='skip', choices=['skip', 'fail']),
        stop_dependents=dict(type='bool', default=False),
        timeout=dict(type='int', default=60),
    )

    def validate(self, args: dict[str, t.Any]) -> None:
        if not args['name'].strip() or args['name'] != args['name'].strip():
            raise InvalidArgument('name', 'must be a service name without surrounding white space')
        if args['timeout'] < 1:
            raise InvalidArgument('timeout', 'must be at least 1 second')

    def reconcile(self, args: dict[str, t.Any], checked: None) -> dict[str, t.Any]:
        service, = self.operation('service_read', {'names': [args['name']], 'probe_versions': []})['services']
        if not service['exists']:
            if args['missing'] == 'fail':
                raise AnsibleActionFail('service %r does not exist' % args['name'])
            return dict(changed=False, exists=False, restarted=False, state=None)
        if self.check_mode:
            return dict(changed=True, exists=True, restarted=True, state=service['state'])
        params = apply_params(args['name'], state='restarted', stop_dependents=args['stop_dependents'],
                              timeout_s=args['timeout'])
        after = self.operation('service_apply', params)['service']
        return dict(changed=True, exists=True, restarted=True, state=after['state'])
