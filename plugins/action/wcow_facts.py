# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts about a Windows container build host, and the compatibility gate
(see plugins/modules/wcow_facts.py)."""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.action_base import WcowActionBase
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows.host_facts import (
    PARTS,
    Settings,
    build_facts,
    read_params,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows.host_support import unsupported_message

ALL = 'all'
OS = 'os'
# Characters no service name holds (CreateService: no slashes).
_SERVICE_NAME_FORBIDDEN = ('/', '\\')


@dataclasses.dataclass(frozen=True)
class Gathering:
    """What validate derives: the parts to gather and the settings they are read with."""
    parts: tuple[str, ...]
    settings: Settings


class ActionModule(WcowActionBase[Gathering]):
    ARGUMENT_SPEC = dict(
        gather=dict(type='list', elements='str', default=[ALL], choices=[ALL, OS] + list(PARTS)),
        containerd_service=dict(type='str', default='containerd'),
        buildkitd_service=dict(type='str', default='buildkitd'),
        containerd_dir=dict(type='str', default='%ProgramFiles%\\containerd'),
        buildkit_dir=dict(type='str', default='%ProgramFiles%\\buildkit'),
        fail_unsupported=dict(type='bool', default=False),
        allow_arm64_without_cni=dict(type='bool', default=False),
    )

    def validate(self, args: dict[str, t.Any]) -> Gathering:
        if not args['gather']:
            raise InvalidArgument('gather', 'must name at least one part (os is always gathered)')
        for option in ('containerd_service', 'buildkitd_service'):
            name = args[option]
            if not name or not name.strip() or name != name.strip():
                raise InvalidArgument(option, '%r is not a service name' % name)
            if any(char in name for char in _SERVICE_NAME_FORBIDDEN):
                raise InvalidArgument(option, '%r: service names cannot contain / or \\' % name)
        for option in ('containerd_dir', 'buildkit_dir'):
            if not args[option] or not args[option].strip():
                raise InvalidArgument(option, 'must not be empty')
        parts = PARTS if ALL in args['gather'] else tuple(p for p in PARTS if p in args['gather'])
        settings = Settings(
            containerd_service=args['containerd_service'],
            buildkitd_service=args['buildkitd_service'],
            containerd_dir=args['containerd_dir'],
            buildkit_dir=args['buildkit_dir'],
            allow_arm64_without_cni=args['allow_arm64_without_cni'],
        )
        return Gathering(parts, settings)

    def reconcile(self, args: dict[str, t.Any], checked: Gathering) -> dict[str, t.Any]:
        read = self.operation('wcow_facts_read', read_params(checked.settings, checked.parts))
        facts = build_facts(read, checked.settings, checked.parts)
        result = dict(changed=False, ansible_facts=dict(wcow=facts))
        if facts['warnings']:
            result['warnings'] = list(facts['warnings'])
        if args['fail_unsupported'] and not facts['supported']:
            result.update(failed=True, msg=unsupported_message(
                facts['os']['caption'], facts['os']['build'], facts['os']['architecture'],
                facts['unsupported_reasons']))
        return result
