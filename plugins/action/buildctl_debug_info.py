# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ask buildkitd for its version with `buildctl debug info` (see plugins/modules/buildctl_debug_info.py)."""

from __future__ import annotations

import re
import typing as t

from ansible_collections.wcow.buildkit.plugins.plugin_utils._buildctl.options import check_addr, check_buildctl_path
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.action_base import WcowActionBase
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument

# cmd/buildctl/debug/info.go: "BuildKit:\t<package> <version> <revision>" through a tabwriter.
_BUILDKIT_LINE = re.compile(r'^BuildKit:\s+(?P<package>\S+)\s+(?P<version>\S+)(?:\s+(?P<revision>\S+))?\s*$',
                            re.MULTILINE)


class ActionModule(WcowActionBase[None]):
    ARGUMENT_SPEC = dict(
        buildctl_path=dict(type='str', default='C:\\Program Files\\buildkit\\buildctl.exe'),
        as_user=dict(type='str'),
        addr=dict(type='str'),
    )

    def validate(self, args: dict[str, t.Any]) -> None:
        check_buildctl_path(args['buildctl_path'])
        if args['as_user'] is not None and (not args['as_user'].strip() or args['as_user'] != args['as_user'].strip()):
            raise InvalidArgument('as_user', 'must be a user name without surrounding white space')
        check_addr(args['addr'])

    def reconcile(self, args: dict[str, t.Any], checked: None) -> dict[str, t.Any]:
        params = dict(buildctl_path=args['buildctl_path'], as_user=args['as_user'], addr=args['addr'])
        run = self.operation('buildctl_debug_info', params)
        result = dict(changed=False, user=run['user'], stdout=run['stdout'], stderr=run['stderr'],
                      exit_code=run['exit_code'], version=None, revision=None, reachable=False)
        if not run['ran']:
            return dict(result, failed=True, msg=run['error'])
        if run['exit_code'] != 0:
            detail = run['stderr'].strip() or run['stdout'].strip() or 'exit code %s' % run['exit_code']
            return dict(result, failed=True, msg='buildkitd did not answer `buildctl debug info` as %s: %s'
                        % (run['user'], detail))
        match = _BUILDKIT_LINE.search(run['stdout'])
        if match is None:
            return dict(result, reachable=True, failed=True,
                        msg='`buildctl debug info` answered without a "BuildKit:" line: %s' % run['stdout'].strip())
        return dict(result, reachable=True, version=match.group('version'), revision=match.group('revision'))
