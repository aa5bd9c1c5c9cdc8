# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the NAT CNI config from a template (see plugins/modules/win_cni_config.py)."""

from __future__ import annotations

import base64
import dataclasses
import re
import typing as t

from ansible.errors import AnsibleActionFail

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.action_base import WcowActionBase
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.shown_contents import shown
from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons import cni_config as _cni
from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows import protected_acl

DEFAULT_PATH = 'C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf'
# A drive-absolute path, a UNC path, or one starting with an environment variable.
_ABSOLUTE = re.compile(r'^(?:[A-Za-z]:[\\/]|\\\\[^\\]|%[^%]+%)')


@dataclasses.dataclass(frozen=True)
class RenderedConfig:
    """A rendered config: the variables it was rendered with, its text and the JSON object it holds."""
    variables: dict[str, t.Any]
    content: str
    config: dict[str, t.Any]


@dataclasses.dataclass(frozen=True)
class WantedConfig:
    """What validate derives: the user's template (None: the built-in one), and the config when the subnet is
    given (None: it is rendered with the live network's subnet)."""
    template_source: str | None = None
    rendered: RenderedConfig | None = None


class ActionModule(WcowActionBase[WantedConfig]):
    ARGUMENT_SPEC = dict(
        path=dict(type='str', default=DEFAULT_PATH),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        network_name=dict(type='str', default='nat'),
        subnet=dict(type='str'),
        gateway=dict(type='str'),
        cni_version=dict(type='str', default=_cni.DEFAULT_CNI_VERSION, choices=list(_cni.CNI_VERSIONS)),
        routes=dict(type='list', elements='dict', options=dict(
            dst=dict(type='str', default=_cni.DEFAULT_ROUTE_DST),
            gw=dict(type='str'),
        )),
        dns_nameservers=dict(type='list', elements='str', default=[]),
        dns_search=dict(type='list', elements='str', default=[]),
        extra=dict(type='dict', default={}),
        backup=dict(type='bool', default=False),
        template=dict(type='path'),
    )
    REQUIRED_BY = dict(gateway=('subnet',))

    def validate(self, args: dict[str, t.Any]) -> WantedConfig:
        path = args['path']
        if not path or not _ABSOLUTE.match(path) or path.endswith(('\\', '/')):
            raise InvalidArgument('path', '%r is not an absolute Windows file path' % path)
        if args['state'] == 'absent':
            return WantedConfig()
        template_source = self._load_template(args['template']) if args['template'] else None
        if args['subnet'] is not None:
            # Everything is known: render and check it before the host is touched.
            return WantedConfig(template_source, _render(args, template_source, args['subnet'], args['gateway']))
        # Check what can be checked without the live subnet.
        _cni.template_variables(args['network_name'], args['cni_version'], '10.0.0.0/8', None, None,
                                args['dns_nameservers'], args['dns_search'], args['extra'])
        return WantedConfig(template_source)

    def _load_template(self, template: str) -> str:
        source = self.read_template(template, 'template')
        _cni.compile_template(source)
        return source

    def reconcile(self, args: dict[str, t.Any], checked: WantedConfig) -> dict[str, t.Any]:
        # containerd and buildkitd (SYSTEM) read the config: its folder and the file are protected
        # (docs/windows-facts.md#protected-dacls); a shared folder (a drive root...) is never made the module's.
        acl_paths = protected_acl.own_folders([protected_acl.folder_of(args['path'])]) + [args['path']]
        state = self.operation('cni_config_read', {'path': args['path'], 'network_name': args['network_name'],
                                                   'acl_paths': acl_paths if args['state'] == 'present' else []})
        existing = base64.b64decode(state['content_b64']) if state['exists'] else None
        if args['state'] == 'absent':
            return self._absent(args, state, existing)
        warnings = []
        wanted = checked.rendered
        if wanted is None:
            live = self._live_subnet(args, state)
            if live is None:
                return self._unknown_subnet(args, state, existing)
            try:
                wanted = _render(args, checked.template_source, *live)
            except InvalidArgument as error:
                raise AnsibleActionFail('Invalid option %s (with the subnet %s of the live HNS network %r)'
                                        % (error, live[0], args['network_name']))
        else:
            warnings.extend(_mismatch_warnings(args, state, wanted.variables))
        ignored = _cni.ignored_route_keys(wanted.config)
        if ignored:
            warnings.append('template: routes %s use the key "gateway", which the nat plugin ignores; use "gw"'
                            % ', '.join(str(i) for i in ignored))
        changed = not _cni.same_config(_cni.existing_config(existing), wanted.config)
        protection = protected_acl.protection(state['security'], required=acl_paths[:-1])
        backup_file = None
        if (changed or protection.unprotected) and not self.check_mode:
            # Only the DACLs wrong: the same bytes are written again, with them.
            written = self.operation('file_write', {
                'path': args['path'], 'content': wanted.content if changed else state['content_b64'],
                'content_encoding': 'text' if changed else 'base64', 'backup': args['backup'] and changed,
                'protect': protection.protect_param()})
            backup_file = written['backup_file']
        result = dict(changed=changed or bool(protection.unprotected), path=state['path'],
                      config=shown(wanted.config, self.diff_mode), config_changed=changed,
                      changes=(['write the config'] if changed else []) + protection.changes(),
                      content=shown(wanted.content, self.diff_mode),
                      subnet=wanted.variables['subnet'], gateway=wanted.variables['gateway'],
                      backup_file=backup_file)
        if warnings:
            result['warnings'] = warnings
        if result['changed'] and self.diff_mode:
            result['diff'] = []
            if changed:
                result['diff'].append(dict(before=_text(existing), after=wanted.content,
                                           before_header=state['path'], after_header=state['path']))
            if protection.unprotected:
                result['diff'].append(protection.diff())
        return result

    def _absent(self, args: dict[str, t.Any], state: dict[str, t.Any], existing: bytes | None) -> dict[str, t.Any]:
        result = dict(changed=existing is not None, path=state['path'], config=None, content=None, subnet=None,
                      gateway=None, backup_file=None)
        if existing is None:
            return result
        if not self.check_mode:
            removed = self.operation('file_remove', {'path': args['path'], 'backup': args['backup'],
                                                     'remove_empty_parent': True})
            result['backup_file'] = removed['backup_file']
        if self.diff_mode:
            result['diff'] = dict(before=_text(existing), after='', before_header=state['path'],
                                  after_header=state['path'])
        return result

    def _live_subnet(self, args: dict[str, t.Any], state: dict[str, t.Any]) -> tuple[str, str | None] | None:
        """(subnet, gateway) of the live network, None when it cannot be known (see _unknown_subnet)."""
        if not state['hns_available'] or not state['networks']:
            return None
        networks = state['networks']
        if len(networks) > 1:
            raise AnsibleActionFail('%d HNS networks are named %r (ids %s): the config cannot follow them all'
                                    % (len(networks), args['network_name'], ', '.join(n['id'] for n in networks)))
        subnets = networks[0]['subnets']
        if not subnets:
            raise AnsibleActionFail('the HNS network %r has no subnet; give the subnet option' % args['network_name'])
        return subnets[0]['address_prefix'], subnets[0]['gateway_address'] or None

    def _unknown_subnet(self, args: dict[str, t.Any], state: dict[str, t.Any],
                        existing: bytes | None) -> dict[str, t.Any]:
        if not state['hns_available']:
            problem = ('HNS is not available on this host (%s): enable the Containers feature and reboot'
                       % (state['reason'] or 'vmcompute.dll cannot be loaded'))
            depends_on = 'HNS (the Containers feature)'
        else:
            problem = 'no HNS network is named %r: create it first (wcow.buildkit.win_hns_network)' % args['network_name']
            depends_on = 'the HNS network %r' % args['network_name']
        problem += ', or give the subnet option'
        if not self.check_mode:
            raise AnsibleActionFail('The subnet cannot be read from the live network: %s' % problem)
        return dict(changed=True, path=state['path'], config=None, content=None, subnet=None, gateway=None,
                    backup_file=None, depends_on=depends_on,
                    warnings=['%s. In check mode the config is reported as to be rendered once the network exists.'
                              % problem])


def _render(args: dict[str, t.Any], template_source: str | None, subnet: str, gateway: str | None) -> RenderedConfig:
    variables = _cni.template_variables(
        args['network_name'], args['cni_version'], subnet, gateway, args['routes'],
        args['dns_nameservers'], args['dns_search'], args['extra'])
    option = 'template' if template_source is not None else 'path'
    content = _cni.render(variables, template_source, option)
    return RenderedConfig(variables, content, _cni.parse_config(content, option))


def _mismatch_warnings(args: dict[str, t.Any], state: dict[str, t.Any], variables: dict[str, t.Any]) -> list[str]:
    """The config must match the live network: the nat plugin uses an existing network as it is."""
    if not state['hns_available'] or len(state['networks']) != 1 or not state['networks'][0]['subnets']:
        return []
    live = state['networks'][0]['subnets'][0]
    if live['address_prefix'] == variables['subnet'] and live['gateway_address'] == variables['gateway']:
        return []
    return ['The config is rendered with subnet %s and gateway %s, but the live HNS network %r has %s and %s: '
            'containers get addresses from the live network. Omit subnet to follow it.'
            % (variables['subnet'], variables['gateway'], args['network_name'],
               live['address_prefix'], live['gateway_address'])]


def _text(data: bytes | None) -> str:
    if data is None:
        return ''
    return data.decode('utf-8', errors='replace')
