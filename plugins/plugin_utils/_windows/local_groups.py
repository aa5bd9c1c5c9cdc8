# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local group and account names: validation, comparison and membership plans.

Pure functions for the win_local_group action plugin; nothing here talks to
the host. Principals are the dicts the local_group_* operations return:
`name` (DOMAIN\\name, or None when the SID no longer maps to an account),
`sid`, `object_class` and `source`; requested members carry `requested` too.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass, field

# GNLEN = UNLEN = 256 and MAXCOMMENTSZ = 256 in lmcons.h. NetLocalGroupAdd and
# LOCALGROUP_INFO_0 (learn.microsoft.com, Remarks): group names up to 256
# characters, none of " / \ [ ] : | < > + = ; ? * or commas, no characters
# 1-31, and account names cannot end with a period. The Local Users and
# Groups "New Group" dialog help adds @ and refuses names made only of
# periods or spaces.
GROUP_NAME_MAX = 256
DESCRIPTION_MAX = 256
GROUP_NAME_FORBIDDEN = '"/\\[]:|<>+=;,?*@'

# S-1-<identifier authority>-<sub-authority>...; at most 15 sub-authorities
# (SID_MAX_SUB_AUTHORITIES, winnt.h), a 48-bit authority, 32-bit sub-authorities.
_SID = re.compile(r'^S-1-(\d+)((?:-\d+)+)$', re.IGNORECASE)
_SID_MAX_SUB_AUTHORITIES = 15


def _control_characters(text: str) -> list[str]:
    return sorted({'\\x%02x' % ord(c) for c in text if ord(c) < 32})


def group_name_problem(name: str) -> str | None:
    """Why `name` cannot be a local group name, or None when it can."""
    if not name or not name.strip():
        return 'must not be empty'
    if name != name.strip():
        return '%r has leading or trailing white space' % name
    if len(name) > GROUP_NAME_MAX:
        return 'is %d characters long; Windows allows at most %d' % (len(name), GROUP_NAME_MAX)
    forbidden = sorted({c for c in name if c in GROUP_NAME_FORBIDDEN})
    if forbidden:
        return '%r contains %s; Windows does not allow any of %s in a local group name' % (
            name, ' '.join(forbidden), ' '.join(GROUP_NAME_FORBIDDEN))
    control = _control_characters(name)
    if control:
        return '%r contains the control characters %s' % (name, ' '.join(control))
    if not name.replace('.', '').replace(' ', ''):
        return '%r is made only of periods and spaces' % name
    if name.endswith('.'):
        return '%r ends with a period, which Windows does not allow in account names' % name
    return None


def description_problem(description: str) -> str | None:
    if len(description) > DESCRIPTION_MAX:
        return 'is %d characters long; Windows allows at most %d' % (len(description), DESCRIPTION_MAX)
    control = _control_characters(description)
    if control:
        return 'contains the control characters %s' % ' '.join(control)
    return None


def is_sid(text: str) -> bool:
    return bool(_SID.match(text))


def sid_problem(text: str) -> str | None:
    match = _SID.match(text)
    authority = int(match.group(1))
    sub_authorities = [int(part) for part in match.group(2).split('-')[1:]]
    if authority >= 2 ** 48:
        return 'has an identifier authority beyond 48 bits'
    if len(sub_authorities) > _SID_MAX_SUB_AUTHORITIES:
        return 'has %d sub-authorities; a SID has at most %d' % (len(sub_authorities), _SID_MAX_SUB_AUTHORITIES)
    if any(part >= 2 ** 32 for part in sub_authorities):
        return 'has a sub-authority beyond 32 bits'
    return None


def member_name_problem(name: str) -> str | None:
    """Why `name` cannot name a member (DOMAIN\\name, .\\name, name or a SID), or None."""
    if not isinstance(name, str) or not name.strip():
        return 'a member name must not be empty'
    if name != name.strip():
        return '%r has leading or trailing white space' % name
    control = _control_characters(name)
    if control:
        return '%r contains the control characters %s' % (name, ' '.join(control))
    if is_sid(name):
        problem = sid_problem(name)
        return '%r %s' % (name, problem) if problem else None
    if re.match(r'^S-\d', name, re.IGNORECASE):
        return '%r looks like a SID but is not one (S-1-<authority>-<sub-authority>...)' % name
    if name.count('\\') > 1:
        return '%r has more than one backslash; write DOMAIN\\name' % name
    domain, sep, account = name.partition('\\')
    if sep and not domain.strip():
        return '%r has no domain before the backslash; write .\\name for a local account' % name
    if sep and not account.strip():
        return '%r names no account after the backslash' % name
    return None


def canonical_member(name: str) -> str:
    """SIDs with an upper-case S, as SecurityIdentifier.Value writes them; names as given."""
    return 'S' + name[1:] if is_sid(name) else name


def name_key(name: str, computer_name: str) -> tuple[str, str]:
    """A key equal for names of the same account when no SID can decide.

    `.\\x`, `COMPUTER\\x` and `x` name the same local account; names compare
    without case, as Windows account names do.
    """
    domain, sep, account = name.partition('\\')
    if not sep:
        domain, account = '', name
    if domain == '.' or domain.casefold() == computer_name.casefold():
        domain = ''
    return domain.casefold(), account.casefold()


def same_principal(requested: dict[str, t.Any], member: dict[str, t.Any], computer_name: str) -> bool:
    """Whether a requested member is this group member: by SID, else by name."""
    if requested.get('sid') and member.get('sid'):
        return requested['sid'].upper() == member['sid'].upper()
    if member.get('name') is None:
        return False
    return name_key(requested['requested'], computer_name) == name_key(member['name'], computer_name)


def display_name(principal: dict[str, t.Any]) -> str:
    """The account name, or the SID when it no longer maps to an account."""
    return principal.get('name') or principal.get('sid') or principal.get('requested')


def as_member(requested: dict[str, t.Any]) -> dict[str, t.Any]:
    return dict(name=requested['name'], sid=requested['sid'], object_class=requested['object_class'],
                source=requested['source'])


@dataclass
class MembershipPlan:
    add: list[dict[str, t.Any]] = field(default_factory=list)
    remove: list[dict[str, t.Any]] = field(default_factory=list)
    # Members to add whose names or SIDs map to no account.
    not_found: list[dict[str, t.Any]] = field(default_factory=list)
    # Members to add that are local groups, which Windows does not nest.
    local_groups: list[dict[str, t.Any]] = field(default_factory=list)
    # members_mode=remove: names that map to no account, so are no member.
    ignored: list[dict[str, t.Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.add or self.remove)


def _unique(requested: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    seen, unique = set(), []
    for entry in requested:
        key = entry['sid'].upper() if entry.get('sid') else entry['requested'].casefold()
        if key not in seen:
            seen.add(key)
            unique.append(entry)
    return unique


def plan_membership(mode: str, requested: list[dict[str, t.Any]], members: list[dict[str, t.Any]],
                    computer_name: str) -> MembershipPlan:
    """What to add and remove so that `members` agree with `requested` under `mode`."""
    plan = MembershipPlan()
    requested = _unique(requested)

    def is_member(entry: dict[str, t.Any]) -> bool:
        return any(same_principal(entry, member, computer_name) for member in members)

    def is_requested(member: dict[str, t.Any]) -> bool:
        return any(same_principal(entry, member, computer_name) for entry in requested)

    if mode in ('add', 'exact'):
        for entry in requested:
            if is_member(entry):
                continue
            if entry.get('name') is None:
                plan.not_found.append(entry)
            elif entry.get('source') == 'local' and entry.get('object_class') == 'group':
                plan.local_groups.append(entry)
            else:
                plan.add.append(entry)
    if mode == 'exact':
        plan.remove = [member for member in members if not is_requested(member)]
    elif mode == 'remove':
        plan.remove = [member for member in members if is_requested(member)]
        plan.ignored = [entry for entry in requested if not entry.get('sid')]
    return plan
