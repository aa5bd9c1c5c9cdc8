# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ensure a directory is on the machine or user PATH exactly once, or not at all
(see plugins/modules/win_path_entry.py)."""

from __future__ import annotations

import re
import typing as t

from ansible.errors import AnsibleActionFail

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.action_base import WcowActionBase
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows import path_list

# Registry kinds as RegistryKey.GetValueKind names them, and as regedit shows them.
KIND_NAMES = {'ExpandString': 'REG_EXPAND_SZ', 'String': 'REG_SZ', 'None': 'no value'}
_UNEXPANDED = re.compile(r'%[^%;\\]+%')


class ActionModule(WcowActionBase[None]):
    ARGUMENT_SPEC = dict(
        path=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        scope=dict(type='str', default='machine', choices=['machine', 'user']),
        position=dict(type='str', default='append', choices=['append', 'prepend']),
    )

    def validate(self, args: dict[str, t.Any]) -> None:
        problem = path_list.path_problem(args['path'])
        if problem:
            raise InvalidArgument('path', problem)

    def reconcile(self, args: dict[str, t.Any], checked: None) -> dict[str, t.Any]:
        scope = args['scope']
        read = self.operation('path_entry_read', {'scope': scope, 'path': args['path']})
        kind, value = read['kind'], read['value']
        try:
            entries = path_list.split(value, read['expanded_pieces'])
        except ValueError as error:
            raise AnsibleActionFail('path_entry_read answered with a PATH it did not expand piece by piece: %s' % error)
        wanted = path_list.Entry(args['path'], read['path_expanded'])
        if args['state'] == 'present':
            new_entries = path_list.ensure_present(entries, wanted, args['position'])
        else:
            new_entries = path_list.ensure_absent(entries, wanted)
        new_value = path_list.join_entries(new_entries)
        # Windows expands %VARS% only in a REG_EXPAND_SZ Path: in a REG_SZ one an entry such as
        # %ProgramFiles%\buildkit is taken literally (docs/windows-facts.md#machine-path). An entry present only
        # through an expansion is made effective by writing the same value as REG_EXPAND_SZ.
        literal = kind == 'String' and args['state'] == 'present' and new_value == (value or '') and not \
            path_list.present_as_written(value, wanted)
        changed = new_value != (value or '') or literal

        result = dict(changed=changed, path_value=new_value if changed else (value or ''))
        warnings = _warnings(args, read, kind, changed)
        if literal:
            warnings.append('%s is on the %s PATH only as an entry with an environment variable, which Windows does '
                            'not expand in a REG_SZ value; the value is written again as REG_EXPAND_SZ.'
                            % (args['path'], scope))
        if changed and not self.check_mode:
            written = self.operation('path_entry_write', {
                'scope': scope,
                'value': new_value,
                'expected_kind': kind,
                'expected_value': value,
            })
            result['path_value'] = written['path_value']
            if not written['broadcast']:
                warnings.append('The PATH was written, but WM_SETTINGCHANGE could not be broadcast: running programs '
                                'that listen for it (Explorer) keep the old PATH until they restart.')
        if warnings:
            result['warnings'] = warnings
        if self.diff_mode:
            after_kind = 'ExpandString' if changed else kind
            result['diff'] = dict(
                before_header='%s PATH (%s), one entry per line' % (scope, KIND_NAMES[kind]),
                after_header='%s PATH (%s), one entry per line' % (scope, KIND_NAMES[after_kind]),
                before=_one_per_line([entry.raw for entry in entries]),
                after=_one_per_line(new_entries),
            )
        return result


def _warnings(args: dict[str, t.Any], read: dict[str, t.Any], kind: str, changed: bool) -> list[str]:
    warnings = []
    if args['state'] == 'present' and _UNEXPANDED.search(read['path_expanded']):
        warnings.append('%s expands to %s on the host: an environment variable in it is not defined there'
                        % (args['path'], read['path_expanded']))
    if changed and kind == 'String':
        warnings.append('The %s PATH is a REG_SZ value, as [Environment]::SetEnvironmentVariable writes it; the '
                        'module writes it as REG_EXPAND_SZ.' % args['scope'])
    return warnings


def _one_per_line(raw_entries: list[str]) -> str:
    return ''.join('%s\n' % entry for entry in raw_entries)
