# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep Microsoft Defender Antivirus exclusions for processes and folders
(see plugins/modules/win_defender_exclusion.py)."""

from __future__ import annotations

import dataclasses
import typing as t

from ansible.errors import AnsibleActionFail

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.action_base import WcowActionBase
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows import defender_exclusions as exclusions

UNAVAILABLE = {
    'not_installed': 'Microsoft Defender Antivirus is not installed on this host (there is no WinDefend service, as '
                     'after Uninstall-WindowsFeature Windows-Defender)',
    'not_running': 'Microsoft Defender Antivirus does not run on this host (WinDefend is %(service)s; Get-MpPreference '
                   'failed with HRESULT 0x800106ba, as while another antivirus or a policy keeps Defender disabled)',
}
HIDDEN = ('Microsoft Defender Antivirus hides its exclusions from local administrators on this host (the policy '
          'HideExclusionsFromLocalAdmins), so they cannot be compared')


@dataclasses.dataclass(frozen=True)
class Wanted:
    processes: tuple[str, ...]
    paths: tuple[str, ...]


class ActionModule(WcowActionBase[Wanted]):
    ARGUMENT_SPEC = dict(
        processes=dict(type='list', elements='str', default=[]),
        paths=dict(type='list', elements='str', default=[]),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )

    def validate(self, args: dict[str, t.Any]) -> Wanted:
        for option, process in (('processes', True), ('paths', False)):
            for entry in args[option]:
                problem = exclusions.entry_problem(entry, process)
                if problem:
                    raise InvalidArgument(option, problem)
        if not args['processes'] and not args['paths']:
            raise InvalidArgument('processes', 'give at least one entry in processes or paths')
        return Wanted(exclusions.unique(args['processes']), exclusions.unique(args['paths']))

    def reconcile(self, args: dict[str, t.Any], checked: Wanted) -> dict[str, t.Any]:
        read = self.operation('defender_exclusion_read', {})
        if read['reason'] is not None:
            return self._unavailable(args, UNAVAILABLE[read['reason']] % read, hidden=False)
        if not read['administrator']:
            raise AnsibleActionFail('The account the task connects as is not an administrator of the host: Microsoft '
                                    'Defender Antivirus shows and changes its exclusions only for administrators.')
        if read['hidden']:
            return self._unavailable(args, HIDDEN, hidden=True)
        plan = exclusions.plan(args['state'], checked.processes, checked.paths, read['processes'], read['paths'])
        after = dict(processes=_after(read['processes'], plan.add_processes, plan.remove_processes),
                     paths=_after(read['paths'], plan.add_paths, plan.remove_paths))
        if not plan.empty and not self.check_mode:
            reply = self.operation('defender_exclusion_apply', plan.operation_params())
            if not reply['hidden']:
                after = dict(processes=reply['processes'], paths=reply['paths'])
                _refuse_unkept(args['state'], checked, after)
        result: dict[str, t.Any] = dict(
            changed=not plan.empty,
            available=True,
            hidden=False,
            processes=exclusions.present_of(checked.processes, after['processes']),
            paths=exclusions.present_of(checked.paths, after['paths']),
            added=dict(processes=list(plan.add_processes), paths=list(plan.add_paths)),
            removed=dict(processes=list(plan.remove_processes), paths=list(plan.remove_paths)),
        )
        if self.diff_mode:
            result['diff'] = dict(
                before_header='Defender exclusions of the task, one per line',
                after_header='Defender exclusions of the task, one per line',
                before=_lines(checked, read['processes'], read['paths']),
                after=_lines(checked, after['processes'], after['paths']),
            )
        return result

    def _unavailable(self, args: dict[str, t.Any], reason: str, hidden: bool) -> dict[str, t.Any]:
        """Nothing can be compared or changed: ok, unchanged, saying why (a warning when exclusions were wanted)."""
        message = '%s; no exclusion was %s.' % (reason, 'added' if args['state'] == 'present' else 'removed')
        result: dict[str, t.Any] = dict(changed=False, available=False, hidden=hidden, processes=[], paths=[],
                                        added=dict(processes=[], paths=[]), removed=dict(processes=[], paths=[]),
                                        msg=message)
        if args['state'] == 'present':
            result['warnings'] = [message]
        return result


def _after(found: list[str], added: tuple[str, ...], removed: tuple[str, ...]) -> list[str]:
    return [entry for entry in found if entry not in removed] + list(added)


def _refuse_unkept(state: str, wanted: Wanted, after: dict[str, list[str]]) -> None:
    """Defender answered the change with lists that do not show it: fail rather than report it done."""
    for option, entries in (('processes', wanted.processes), ('paths', wanted.paths)):
        kept = {exclusions.key(entry) for entry in after[option]}
        wrong = [entry for entry in entries if (exclusions.key(entry) in kept) != (state == 'present')]
        if wrong:
            raise AnsibleActionFail('%s: Microsoft Defender Antivirus still %s %s after the change; a policy that '
                                    'manages exclusions may override the local ones.'
                                    % (option, 'lacks' if state == 'present' else 'has', ', '.join(wrong)))


def _lines(wanted: Wanted, processes: list[str], paths: list[str]) -> str:
    lines = ['ExclusionProcess %s\n' % entry for entry in exclusions.present_of(wanted.processes, processes)]
    lines += ['ExclusionPath %s\n' % entry for entry in exclusions.present_of(wanted.paths, paths)]
    return ''.join(lines)
