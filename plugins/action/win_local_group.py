# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ensure a local group and its members (see plugins/modules/win_local_group.py)."""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleActionFail

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.action_base import WcowActionBase
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows.local_groups import (
    MembershipPlan,
    as_member,
    canonical_member,
    description_problem,
    display_name,
    group_name_problem,
    member_name_problem,
    plan_membership,
)


class ActionModule(WcowActionBase[None]):
    ARGUMENT_SPEC = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        description=dict(type='str'),
        members=dict(type='list', elements='str'),
        members_mode=dict(type='str', default='add', choices=['add', 'exact', 'remove']),
    )

    def validate(self, args: dict[str, t.Any]) -> None:
        problem = group_name_problem(args['name'])
        if problem:
            raise InvalidArgument('name', problem)
        if args['description'] is not None:
            problem = description_problem(args['description'])
            if problem:
                raise InvalidArgument('description', problem)
        for member in args['members'] or []:
            problem = member_name_problem(member)
            if problem:
                raise InvalidArgument('members', problem)
        if args['state'] == 'absent':
            for option in ('members', 'description'):
                if args[option] is not None:
                    raise InvalidArgument(option, 'cannot be used with state=absent')

    def reconcile(self, args: dict[str, t.Any], checked: None) -> dict[str, t.Any]:
        requested = [canonical_member(m) for m in args['members'] or []]
        read = self.operation('local_group_read', {'name': args['name'], 'members': requested})
        if args['state'] == 'absent':
            return self._absent(args, read['group'])
        if read['group'] is None and read['name_taken_by_user']:
            raise AnsibleActionFail('name: %s already has a local user named %r; a local group cannot take the name '
                                    'of a user' % (read['computer_name'], args['name']))
        return self._present(args, read)

    def _absent(self, args: dict[str, t.Any], group: dict[str, t.Any] | None) -> dict[str, t.Any]:
        if group is None:
            return _returned(args['name'], None, [], [])
        if not self.check_mode:
            self.operation('local_group_apply', _apply_params(group['name'], delete=True))
        result = _returned(group['name'], None, [], [])
        result.update(changed=True)
        result.update(self._with_diff(group, None))
        return result

    def _present(self, args: dict[str, t.Any], read: dict[str, t.Any]) -> dict[str, t.Any]:
        group = read['group']
        members = group['members'] if group else []
        plan = MembershipPlan()
        if args['members'] is not None:
            plan = plan_membership(args['members_mode'], read['requested'], members, read['computer_name'])
        _refuse_impossible(plan, read['computer_name'])
        description = args['description']
        set_description = description is not None and (group is None or group['description'] != description)
        warnings = ['members: %s maps to no account on %s, so it is no member of the group' %
                    (entry['requested'], read['computer_name']) for entry in plan.ignored]
        if group is not None and plan.empty and not set_description:
            return _returned(group['name'], group, [], [], warnings=warnings)

        removed_sids = {m['sid'].upper() for m in plan.remove}
        after = dict(
            name=group['name'] if group else args['name'],
            sid=group['sid'] if group else None,
            description=description if set_description else (group['description'] if group else ''),
            members=[m for m in members if m['sid'].upper() not in removed_sids] + [as_member(e) for e in plan.add],
        )
        if not self.check_mode:
            reply = self.operation('local_group_apply', _apply_params(
                after['name'], create=group is None, description=description if set_description else None,
                add=[dict(sid=e['sid'], name=e['name']) for e in plan.add],
                remove=[dict(sid=m['sid'], name=display_name(m)) for m in plan.remove]))
            if reply['group'] is None:
                raise AnsibleActionFail('local_group_apply reported no group %r after the change' % after['name'])
            after = reply['group']
        result = _returned(after['name'], after, [display_name(e) for e in plan.add],
                           [display_name(m) for m in plan.remove], warnings=warnings)
        result.update(changed=True)
        result.update(self._with_diff(group, after))
        return result

    def _with_diff(self, before: dict[str, t.Any] | None, after: dict[str, t.Any] | None) -> dict[str, t.Any]:
        if not self.diff_mode:
            return {}
        return dict(diff=dict(before=_diff_view(before), after=_diff_view(after)))


def _refuse_impossible(plan: MembershipPlan, computer_name: str) -> None:
    """Fail, before anything changes, on members that cannot be added."""
    problems = ['Principal %s was not found.' % entry['requested'] for entry in plan.not_found]
    problems.extend('%s is a local group; Windows adds only users and domain groups to a local group.'
                    % display_name(entry) for entry in plan.local_groups)
    if problems:
        raise AnsibleActionFail('members: %s Nothing was changed on %s.' % (' '.join(problems), computer_name))


def _apply_params(name: str, create: bool = False, delete: bool = False, description: str | None = None,
                  add: t.Iterable[dict[str, str]] = (), remove: t.Iterable[dict[str, str]] = ()) -> dict[str, t.Any]:
    return dict(name=name, create=create, delete=delete, description=description, add=list(add),
                remove=list(remove))


def _returned(name: str, group: dict[str, t.Any] | None, added: list[str], removed: list[str],
              warnings: t.Iterable[str] = ()) -> dict[str, t.Any]:
    result = dict(
        changed=False,
        name=name,
        sid=group['sid'] if group else None,
        description=group['description'] if group else None,
        members=group['members'] if group else [],
        added=added,
        removed=removed,
    )
    if warnings:
        result['warnings'] = list(warnings)
    return result


def _diff_view(group: dict[str, t.Any] | None) -> dict[str, t.Any]:
    if group is None:
        return {'state': 'absent'}
    return dict(state='present', name=group['name'], description=group['description'],
                members=sorted((display_name(m) for m in group['members']), key=str.casefold))
