# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ensure an HNS network is present or absent (see plugins/modules/win_hns_network.py)."""

from __future__ import annotations

import dataclasses
import typing as t

from ansible.errors import AnsibleActionFail

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.action_base import WcowActionBase
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.differences import DifferenceTracker
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows.ip_addresses import (
    first_host,
    parse_gateway,
    parse_subnet,
    same_subnet,
)

# HNS v1 type names as HNS spells them (docs/windows-facts.md#hns-api).
HNS_TYPES = {
    'nat': 'NAT',
    'ics': 'ICS',
    'transparent': 'Transparent',
    'l2bridge': 'L2Bridge',
    'l2tunnel': 'L2Tunnel',
    'overlay': 'Overlay',
    'private': 'Private',
    'internal': 'Internal',
}


@dataclasses.dataclass(frozen=True)
class WantedNetwork:
    """What validate derives: the network the task describes, its gateway filled in when only a subnet is given."""
    name: str
    hns_type: str
    subnet: str | None
    gateway: str | None
    adapter_name: str | None

    def as_network(self) -> dict[str, t.Any]:
        """The network as hns_network_read reports one (no id yet)."""
        subnets = []
        if self.subnet:
            subnets.append(dict(address_prefix=self.subnet, gateway_address=self.gateway))
        return dict(id=None, name=self.name, type=self.hns_type, network_adapter_name=self.adapter_name or '',
                    subnets=subnets)

    def create_body(self) -> dict[str, t.Any]:
        """The HNS network object hns_network_apply creates."""
        body: dict[str, t.Any] = dict(Name=self.name, Type=self.hns_type)
        if self.subnet:
            body['Subnets'] = [dict(AddressPrefix=self.subnet, GatewayAddress=self.gateway)]
        if self.adapter_name:
            body['NetworkAdapterName'] = self.adapter_name
        return body


class ActionModule(WcowActionBase[WantedNetwork]):
    ARGUMENT_SPEC = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        type=dict(type='str', default='nat', choices=sorted(HNS_TYPES)),
        subnet=dict(type='str'),
        gateway=dict(type='str'),
        adapter_name=dict(type='str'),
        recreate=dict(type='bool', default=False),
        enforce_subnet=dict(type='bool', default=True),
        only_if_created=dict(type='bool', default=True),
    )
    REQUIRED_BY = dict(gateway=('subnet',))

    def validate(self, args: dict[str, t.Any]) -> WantedNetwork:
        if not args['name'] or not args['name'].strip():
            raise InvalidArgument('name', 'must not be empty')
        if args['name'] != args['name'].strip():
            raise InvalidArgument('name', '%r has leading or trailing white space' % args['name'])
        gateway = None
        if args['subnet'] is not None:
            subnet = parse_subnet('subnet', args['subnet'])
            if args['gateway'] is not None:
                parse_gateway('gateway', args['gateway'], subnet)
            gateway = args['gateway'] or str(first_host(subnet))
        if args['adapter_name'] is not None and not args['adapter_name'].strip():
            raise InvalidArgument('adapter_name', 'must not be empty when given')
        return WantedNetwork(name=args['name'], hns_type=HNS_TYPES[args['type']], subnet=args['subnet'],
                             gateway=gateway, adapter_name=args['adapter_name'])

    def reconcile(self, args: dict[str, t.Any], checked: WantedNetwork) -> dict[str, t.Any]:
        state = self.operation('hns_network_read', {'name': args['name']})
        networks = state['networks']
        created_id = state['created_id']
        if args['state'] == 'absent':
            return self._absent(args, networks if state['hns_available'] else [], created_id)
        if not state['hns_available']:
            return self._hns_unavailable(checked, state.get('reason', ''))
        if len(networks) > 1:
            raise AnsibleActionFail('%d HNS networks are named %r (ids %s); remove the extra ones first'
                                    % (len(networks), args['name'], ', '.join(n['id'] for n in networks)))
        return self._present(args, checked, networks[0] if networks else None, created_id)

    def _hns_unavailable(self, wanted: WantedNetwork, reason: str) -> dict[str, t.Any]:
        message = ('HNS is not available on this host (%s): enable the Containers feature and reboot first, '
                   'and start the Host Network Service (hns) if it is stopped'
                   % (reason or 'vmcompute.dll cannot be loaded'))
        if not self.check_mode:
            raise AnsibleActionFail(message)
        result = dict(changed=True, warnings=['%s; in check mode the network is reported as to be created' % message])
        result.update(self._with_diff(None, False, wanted.as_network(), True))
        result.update(_returned(wanted.as_network(), True))
        return result

    def _absent(self, args: dict[str, t.Any], networks: list[dict[str, t.Any]],
                created_id: str | None) -> dict[str, t.Any]:
        """Delete the networks of that name (only the one recorded as created, with only_if_created).

        The record goes too: either its network is deleted now, or it names a
        network that no longer exists (a network Windows built again at boot
        has a new id).
        """
        doomed = [n for n in networks if _ours(n, created_id) or not args['only_if_created']]
        kept = [n for n in networks if n not in doomed]
        clear = created_id is not None
        if not doomed and not clear:
            return self._absent_result(args, kept, changed=False)
        if not self.check_mode:
            self.operation('hns_network_apply', {
                'delete_ids': [n['id'] for n in doomed], 'create': None,
                'record_marker': None, 'clear_marker': args['name'] if clear else None,
            })
        result = self._absent_result(args, kept, changed=True)
        before = doomed[0] if doomed else (kept[0] if kept else None)
        after = kept[0] if kept else None
        stale = None if any(_ours(n, created_id) for n in doomed) else created_id
        result.update(self._with_diff(before, _ours(before, created_id), after, False, stale))
        return result

    def _absent_result(self, args: dict[str, t.Any], kept: list[dict[str, t.Any]], changed: bool) -> dict[str, t.Any]:
        result = dict(changed=changed, **_returned(kept[0] if kept else None, False))
        if kept:
            result['msg'] = ('HNS network %r (id %s) kept: wcow.buildkit did not create it (only_if_created=true)'
                             % (args['name'], ', '.join(n['id'] for n in kept)))
        return result

    def _present(self, args: dict[str, t.Any], wanted: WantedNetwork, current: dict[str, t.Any] | None,
                 created_id: str | None) -> dict[str, t.Any]:
        if current is not None:
            differences = _differences(args, current)
            if differences.empty:
                return dict(changed=False, **_returned(current, _ours(current, created_id)))
            if not args['recreate']:
                raise AnsibleActionFail(
                    'HNS network %r exists but differs: %s. Set recreate=true to delete it and create it again '
                    '(containers attached to it lose their network).' % (args['name'], differences.describe()))
        created = wanted.as_network()
        if not self.check_mode:
            reply = self.operation('hns_network_apply', {
                'delete_ids': [current['id']] if current else [],
                'create': wanted.create_body(),
                'record_marker': args['name'],
                'clear_marker': None,
            })
            created = reply['created']
        result = dict(changed=True, **_returned(created, True))
        result.update(self._with_diff(current, _ours(current, created_id), created, True))
        return result

    def _with_diff(self, before: dict[str, t.Any] | None, before_created: bool, after: dict[str, t.Any] | None,
                   after_created: bool, stale_record: str | None = None) -> dict[str, t.Any]:
        """The diff; stale_record is a recorded id that names no live network (shown so its removal shows)."""
        if not self.diff_mode:
            return {}
        before_view = _diff_view(before, before_created)
        if stale_record:
            before_view['recorded_id'] = stale_record
        return dict(diff=dict(before=before_view, after=_diff_view(after, after_created)))


def _ours(network: dict[str, t.Any] | None, created_id: str | None) -> bool:
    """Whether this collection created `network`: its id is the one recorded when it was created."""
    return bool(network and created_id and network['id'].lower() == created_id.lower())


def _differences(args: dict[str, t.Any], current: dict[str, t.Any]) -> DifferenceTracker:
    differences = DifferenceTracker()
    differences.add('type', HNS_TYPES[args['type']].lower(), current['type'].lower())
    if args['subnet'] and args['enforce_subnet']:
        match = [s for s in current['subnets'] if same_subnet(s['address_prefix'], args['subnet'])]
        differences.add('subnet', args['subnet'], match[0]['address_prefix'] if match else
                        ', '.join(s['address_prefix'] for s in current['subnets']) or None)
        if match and args['gateway']:
            differences.add('gateway', args['gateway'], match[0]['gateway_address'])
    return differences


def _returned(network: dict[str, t.Any] | None, created_by_collection: bool) -> dict[str, t.Any]:
    if network is None:
        return dict(id=None, type=None, subnets=[], created_by_collection=False)
    return dict(id=network['id'], type=network['type'], subnets=network['subnets'],
                created_by_collection=created_by_collection)


def _diff_view(network: dict[str, t.Any] | None, created_by_collection: bool) -> dict[str, t.Any]:
    if network is None:
        return {'state': 'absent'}
    view = dict(state='present', name=network['name'], type=network['type'], subnets=network['subnets'],
                created_by_collection=created_by_collection)
    if network.get('network_adapter_name'):
        view['network_adapter_name'] = network['network_adapter_name']
    return view
