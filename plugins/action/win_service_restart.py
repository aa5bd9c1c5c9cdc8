# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restart a service when it exists (see plugins/modules/win_service_restart.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.action_base import WcowActionBase
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument

# service_apply takes every key on each call; None leaves a setting as it is.
_UNCHANGED = dict(delete=False, create=None, image_path=None, start_type=None, dependencies=None,
                  display_name=None, description=None, recovery=None, log_file=None)


class ActionModule(WcowActionBase):
    ARGUMENT_SPEC = dict(
        name=dict(type='str', required=True),
        missing=dict(type='str', default='skip', choices=['skip', 'fail']),
        stop_dependents=dict(type='bool', default=False),
        timeout=dict(type='int', default=60),
    )

    def validate(self, args):
        if not args['name'].strip() or args['name'] != args['name'].strip():
            raise InvalidArgument('name', 'must be a service name without surrounding white space')
        if args['timeout'] < 1:
            raise InvalidArgument('timeout', 'must be at least 1 second')

    def reconcile(self, args):
        service, = self.operation('service_read', {'names': [args['name']], 'probe_versions': []})['services']
        if not service['exists']:
            if args['missing'] == 'fail':
                raise AnsibleActionFail('service %r does not exist' % args['name'])
            return dict(changed=False, exists=False, restarted=False, state=None)
        if self.check_mode:
            return dict(changed=True, exists=True, restarted=True, state=service['state'])
        params = dict(_UNCHANGED, name=args['name'], state='restarted',
                      stop_dependents=args['stop_dependents'], timeout_s=args['timeout'])
        after = self.operation('service_apply', params)['service']
        return dict(changed=True, exists=True, restarted=True, state=after['state'])
