# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Enable the Windows optional features that containers need, and restart once when asked
(see plugins/modules/win_container_features.py)."""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleActionFail

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.action_base import WcowActionBase
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows.reboot import (
    RESTART_DELAY_S,
    HostRebooter,
    RebootError,
)

CONTAINERS = 'Containers'
# docs/windows-facts.md#optional-features: Server SKUs have
# Microsoft-Hyper-V and no Microsoft-Hyper-V-All; client SKUs have the -All
# parent, which BuildKit's guide enables there.
SERVER_HYPERV = 'Microsoft-Hyper-V'
CLIENT_HYPERV = 'Microsoft-Hyper-V-All'
CANDIDATES = (CONTAINERS, SERVER_HYPERV, CLIENT_HYPERV)
# Win32_OperatingSystem.ProductType of Windows 10 and 11 (2 and 3 are servers).
WORKSTATION = 1
ENABLED = 'Enabled'
# "Enabled, restart needed": not a reason to enable the feature again.
ENABLE_PENDING = 'EnablePending'
# shutdown.exe /c: "Maximum of 512 characters allowed." (shutdown /?).
MAX_MESSAGE = 512
PENDING_NAMES = {
    'component_based_servicing': 'Component Based Servicing',
    'windows_update': 'Windows Update',
    'pending_file_rename_operations': 'pending file rename operations',
}


class ActionModule(WcowActionBase[None]):
    ARGUMENT_SPEC = dict(
        hyperv=dict(type='bool', default=False),
        reboot=dict(type='bool', default=False),
        reboot_timeout=dict(type='int', default=600),
        connect_timeout=dict(type='int', default=5),
        post_reboot_delay=dict(type='int', default=0),
        msg=dict(type='str', default='Reboot initiated by Ansible to enable Windows container features'),
    )

    def validate(self, args: dict[str, t.Any]) -> None:
        for option in ('reboot_timeout', 'connect_timeout'):
            if args[option] <= 0:
                raise InvalidArgument(option, 'must be a positive number of seconds, got %d' % args[option])
        if args['post_reboot_delay'] < 0:
            raise InvalidArgument('post_reboot_delay', 'must not be negative, got %d' % args['post_reboot_delay'])
        problem = message_problem(args['msg'])
        if problem:
            raise InvalidArgument('msg', problem)

    def reconcile(self, args: dict[str, t.Any], checked: None) -> dict[str, t.Any]:
        read = self.operation('container_features_read', {'names': list(CANDIDATES)})
        wanted = wanted_features(args['hyperv'], read['os'])
        states = dict((feature['name'], feature['state']) for feature in read['features'])
        unknown = [name for name in wanted if states.get(name) is None]
        if unknown:
            raise AnsibleActionFail(
                'Feature name %s is unknown on this host (%s, edition %s): Windows containers need Windows Server '
                'or a Pro, Enterprise or Education edition of Windows 10 or 11'
                % (', '.join(unknown), read['os']['caption'], read['os']['edition_id']))
        before = dict((name, states[name]) for name in wanted)
        to_enable = [name for name in wanted if before[name] not in (ENABLED, ENABLE_PENDING)]
        if self.check_mode:
            return self._predicted(args, before, to_enable)

        restart_wanted = args['reboot'] and any(before[name] != ENABLED for name in wanted)
        if not to_enable and not restart_wanted:
            result = dict(changed=False, rebooted=False, elapsed=0.0, features=dict(before),
                          reboot_required=any(state != ENABLED for state in before.values()))
            if not result['reboot_required']:
                _warn_other_pending_reboot(result, read['reboot_pending'])
            return self._with_diff(result, before, result['features'])

        # One change operation: enable, and schedule the restart in the same run when it is needed.
        restart = dict(delay=RESTART_DELAY_S, message=args['msg']) if args['reboot'] else None
        enabled = self.operation('container_features_enable', {'names': to_enable, 'report': wanted,
                                                               'restart': restart})
        after = dict((feature['name'], feature['state']) for feature in enabled['features'])
        result = dict(changed=bool(to_enable), rebooted=False, elapsed=0.0, features=after,
                      reboot_required=enabled['restart_needed'] or any(state != ENABLED for state in after.values()))
        scheduled = enabled['restart']
        if scheduled is not None:
            result = self._wait_for_restart(args, read['last_boot_time'], wanted, scheduled, result)
        elif not result['reboot_required']:
            _warn_other_pending_reboot(result, read['reboot_pending'])
        return self._with_diff(result, before, result['features'])

    def _predicted(self, args: dict[str, t.Any], before: dict[str, str], to_enable: list[str]) -> dict[str, t.Any]:
        """Check mode: what a run would do, without touching the host."""
        reboot_required = bool(to_enable) or any(state != ENABLED for state in before.values())
        will_reboot = reboot_required and args['reboot']
        after = {}
        for name, state in before.items():
            if name in to_enable or state == ENABLE_PENDING:
                after[name] = ENABLED if will_reboot else ENABLE_PENDING
            else:
                after[name] = state
        result = dict(changed=bool(to_enable) or will_reboot, reboot_required=reboot_required, rebooted=False,
                      elapsed=0.0, features=after)
        return self._with_diff(result, before, after)

    def _wait_for_restart(self, args: dict[str, t.Any], previous_boot_time: str, wanted: list[str],
                          scheduled: dict[str, t.Any], result: dict[str, t.Any]) -> dict[str, t.Any]:
        if not scheduled['scheduled']:
            result.update(failed=True, changed=True, msg='the restart could not be scheduled: shutdown.exe /r failed '
                          'with exit code %d: %s' % (scheduled['rc'], scheduled['output']))
            return result
        rebooter = HostRebooter(self._connection, self.operation)
        try:
            outcome = rebooter.wait(previous_boot_time, scheduled, args['reboot_timeout'], args['connect_timeout'],
                                    post_reboot_delay=args['post_reboot_delay'],
                                    read=lambda: self.operation('container_features_read', {'names': wanted}))
        except RebootError as error:
            result.update(failed=True, msg=str(error), changed=True, rebooted=error.rebooted,
                          elapsed=round(error.elapsed, 1))
            return result
        after = dict((feature['name'], feature['state']) for feature in outcome.read_result['features'])
        not_enabled = ['%s is %s' % (name, state) for name, state in sorted(after.items()) if state != ENABLED]
        result.update(changed=True, rebooted=True, elapsed=round(outcome.elapsed, 1), features=after,
                      reboot_required=bool(not_enabled))
        if outcome.warnings:
            result['warnings'] = outcome.warnings
        if not_enabled:
            result.update(failed=True, msg='The host restarted, but not every feature is enabled: %s'
                          % ', '.join(not_enabled))
        return result

    def _with_diff(self, result: dict[str, t.Any], before: dict[str, str], after: dict[str, str]) -> dict[str, t.Any]:
        if self.diff_mode:
            result['diff'] = dict(before=dict(before), after=dict(after))
        return result


def wanted_features(hyperv: bool, os_info: dict[str, t.Any]) -> list[str]:
    """The features to enable: Hyper-V is forced on client SKUs, where its name is the -All parent."""
    if os_info['product_type'] == WORKSTATION:
        return [CONTAINERS, CLIENT_HYPERV]
    return [CONTAINERS, SERVER_HYPERV] if hyperv else [CONTAINERS]


def message_problem(message: str) -> str | None:
    """Why shutdown.exe /c cannot carry message as given, or None."""
    if not message or not message.strip():
        # Windows PowerShell 5.1 drops an empty argument (PowerShell/PowerShell#6280).
        return 'must not be empty'
    if len(message) > MAX_MESSAGE:
        return 'is %d characters long; shutdown.exe allows at most %d' % (len(message), MAX_MESSAGE)
    if '"' in message:
        # Windows PowerShell 5.1 passes double quotes to programs unescaped (PowerShell/PowerShell#1995).
        return 'must not contain double quotes'
    if any(ord(char) < 32 for char in message):
        return 'must not contain control characters such as line breaks'
    return None


def _warn_other_pending_reboot(result: dict[str, t.Any], pending: dict[str, bool]) -> None:
    reasons = [PENDING_NAMES[key] for key in sorted(PENDING_NAMES) if pending.get(key)]
    if reasons:
        result['warnings'] = ['The host has a restart pending for other changes (%s); this module restarts only for '
                              'its own features.' % ', '.join(reasons)]
