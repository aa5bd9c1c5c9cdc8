#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/win_local_group.py.

DOCUMENTATION = r'''
---
module: win_local_group
short_description: Ensure a local group and its members on Windows
version_added: 0.1.0
description:
  - Ensures a local group of the Windows host is present or absent and manages its members, such as the group
    that C(buildkitd --group) lets open the BuildKit pipe so that users who are not administrators can build.
  - Members are compared by SID, so C(alice), C(.\alice) and C(HOST\alice) are the same local account. A name
    that maps to no account is compared by name, ignoring case.
  - Works through the WinNT provider of ADSI, not the C(Microsoft.PowerShell.LocalAccounts) cmdlets, which are
    missing from 32-bit PowerShell and whose C(Get-LocalGroupMember) fails on a group holding a SID that no longer
    maps to an account (a deleted domain account, for instance). Such members are read, reported by their SID, and
    can be removed.
  - Every member to add is looked up before anything changes. When one cannot be found, or is a local group (Windows
    does not nest local groups), the task fails and the host is left as it was.
options:
  name:
    description:
      - Name of the local group. Compared without regard to case.
      - 'At most 256 characters, none of C(" / \ [ ] : | < > + = ; , ? * @) nor control characters, not only periods
        and spaces, and not ending with a period.'
    type: str
    required: true
  state:
    description:
      - V(present) creates the group when it does not exist and manages its members and description.
      - V(absent) deletes the group. Its members are not touched, only their membership in this group ends.
    type: str
    choices: [present, absent]
    default: present
  description:
    description:
      - Description of the group, at most 256 characters. When omitted, the description is left as it is (empty for
        a new group).
      - Not allowed with O(state=absent).
    type: str
  members:
    description:
      - Members to manage as O(members_mode) says.
      - Each is a local account (V(alice), V(.\\alice), V(HOST\\alice)), a built-in or well-known account
        (V(BUILTIN\\Administrators) cannot be a member, as it is a local group; V(NT AUTHORITY\\Authenticated Users)
        can), a domain account (V(CONTOSO\\alice)) or a SID (V(S-1-5-21-...)).
      - A bare name is looked up as Windows does it, in well-known accounts, then local accounts, then the domain.
      - When omitted, the members are not managed. An empty list with O(members_mode=exact) removes every member.
      - Not allowed with O(state=absent).
    type: list
    elements: str
  members_mode:
    description:
      - V(add) adds the O(members) that are missing and keeps the others.
      - V(exact) adds the missing O(members) and removes every other member, including SIDs that no longer map to an
        account.
      - V(remove) removes the O(members) that are in the group. A name that maps to no account is no member; it is
        reported in a warning.
    type: str
    choices: [add, exact, remove]
    default: add
extends_documentation_fragment:
  - wcow.buildkit.attributes
  - wcow.buildkit.attributes.full
notes:
  - Local groups cannot hold other local groups, so V(BUILTIN\\Users) or a group of this host cannot be a member.
seealso:
  - name: BuildKit on Windows
    description: The guide whose non-admin access step (C(buildkitd --group)) needs this group.
    link: https://github.com/moby/buildkit/blob/master/docs/windows.md
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Let two accounts use BuildKit without being administrators
  wcow.buildkit.win_local_group:
    name: buildkit-users
    description: May open the buildkitd pipe
    members:
      - .\alice
      - CONTOSO\build-agents

- name: Make the group hold exactly these members, removing any other (including orphaned SIDs)
  wcow.buildkit.win_local_group:
    name: buildkit-users
    members:
      - .\alice
    members_mode: exact

- name: Remove one member
  wcow.buildkit.win_local_group:
    name: buildkit-users
    members:
      - .\alice
    members_mode: remove

- name: Delete the group
  wcow.buildkit.win_local_group:
    name: buildkit-users
    state: absent
'''

RETURN = r'''
name:
  description: Name of the group as the host spells it (as requested when the group is absent or to be created).
  returned: always
  type: str
  sample: buildkit-users
sid:
  description: SID of the group; null when it is absent, or when it would be created in check mode.
  returned: always
  type: str
  sample: S-1-5-21-1004336348-1177238915-682003330-1001
description:
  description: Description of the group after the task; null when it is absent.
  returned: always
  type: str
  sample: May open the buildkitd pipe
members:
  description: Members of the group after the task (predicted in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Account name as C(DOMAIN\name); null when the SID no longer maps to an account.
      type: str
      sample: WS2022\alice
    sid:
      description: SID of the member.
      type: str
      sample: S-1-5-21-1004336348-1177238915-682003330-1000
    object_class:
      description: C(user) or C(group); C(unknown) when the SID no longer maps to an account.
      type: str
      sample: user
    source:
      description:
        - C(local) for an account of this host, C(well_known) for accounts such as C(NT AUTHORITY\Authenticated
          Users), C(domain) for a domain account, C(unresolved) for a SID that maps to no account.
      type: str
      sample: local
added:
  description: Members added (or to be added in check mode), by account name.
  returned: always
  type: list
  elements: str
  sample: [WS2022\alice]
removed:
  description: Members removed (or to be removed in check mode), by account name, or by SID when it maps to no account.
  returned: always
  type: list
  elements: str
  sample: [S-1-5-21-1004336348-1177238915-682003330-1234]
'''
