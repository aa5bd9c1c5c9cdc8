# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a file's or folder's owner and DACL (SDDL, as Get-WcowSecurity reads it) keep non-administrators
from changing it, and the protected DACL the acl snippet sets (docs/windows-facts.md#protected-dacls).

Trusted: SYSTEM, BUILTIN\\Administrators, TrustedInstaller; always by SID, never by a (localized) name. A
CREATOR OWNER ACE that is inherit-only grants nothing on the folder itself, only to whoever creates an entry
in it, and creating one is already judged by the folder's other ACEs: it is not counted. Any other allow ACE
granting a right that changes the object, or its folder's contents, to another SID is a problem; so is an
owner other than Administrators or SYSTEM (the owner may always rewrite the DACL), and a DACL that is not
protected (it would follow whatever the parent folder becomes).
"""

from __future__ import annotations

import re
import typing as t

SYSTEM = 'S-1-5-18'
ADMINISTRATORS = 'S-1-5-32-544'
USERS = 'S-1-5-32-545'
TRUSTED_INSTALLER = 'S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464'
CREATOR_OWNER = 'S-1-3-0'
TRUSTED = frozenset({SYSTEM, ADMINISTRATORS, TRUSTED_INSTALLER})

# SDDL SID strings and ACE rights strings (learn.microsoft.com, "SID Strings", "ACE Strings").
_ALIASES = {'SY': SYSTEM, 'BA': ADMINISTRATORS, 'BU': USERS, 'AU': 'S-1-5-11', 'WD': 'S-1-1-0',
            'CO': CREATOR_OWNER, 'TI': TRUSTED_INSTALLER, 'IU': 'S-1-5-4', 'BG': 'S-1-5-32-546',
            'PU': 'S-1-5-32-547', 'LS': 'S-1-5-19', 'NS': 'S-1-5-20', 'OW': 'S-1-3-4'}
_RIGHTS = {'GA': 0x10000000, 'GR': 0x80000000, 'GW': 0x40000000, 'GX': 0x20000000,
           'FA': 0x1F01FF, 'FR': 0x120089, 'FW': 0x120116, 'FX': 0x1200A0,
           'RC': 0x20000, 'SD': 0x10000, 'WD': 0x40000, 'WO': 0x80000,
           'RP': 0x10, 'WP': 0x20, 'CC': 0x1, 'DC': 0x2, 'LC': 0x4, 'SW': 0x8, 'LO': 0x80, 'DT': 0x40, 'CR': 0x100}
# FILE_WRITE_DATA/ADD_FILE, FILE_APPEND_DATA/ADD_SUBDIRECTORY, FILE_WRITE_EA, FILE_DELETE_CHILD,
# FILE_WRITE_ATTRIBUTES, DELETE, WRITE_DAC, WRITE_OWNER, GENERIC_WRITE, GENERIC_ALL
# (learn.microsoft.com, "File Access Rights Constants", "ACCESS_MASK").
WRITE_RIGHTS = 0x2 | 0x4 | 0x10 | 0x40 | 0x100 | 0x10000 | 0x40000 | 0x80000 | 0x40000000 | 0x10000000
_ACE = re.compile(r'\(([A-Z]+);([A-Z]*);([A-Z]*|0x[0-9A-Fa-f]+);[^;]*;[^;]*;([^)]+)\)')
_NAMES = {SYSTEM: 'SYSTEM', ADMINISTRATORS: 'BUILTIN\\Administrators', USERS: 'BUILTIN\\Users',
          'S-1-5-11': 'Authenticated Users', 'S-1-1-0': 'Everyone', CREATOR_OWNER: 'CREATOR OWNER',
          'S-1-5-4': 'INTERACTIVE'}


def _sid(text: str) -> str:
    return _ALIASES.get(text, text).upper()


def _mask(text: str) -> int:
    if text.lower().startswith('0x'):
        return int(text, 16)
    return sum(_RIGHTS.get(text[i:i + 2], 0) for i in range(0, len(text), 2))


def parse(sddl: str) -> dict[str, t.Any]:
    """{'owner', 'protected', 'aces': [(type, flags, mask, sid)]} of an SDDL string (owner and DACL)."""
    owner = re.match(r'O:(.+?)(?=[GDS]:|$)', sddl)
    dacl = sddl[sddl.index('D:') + 2:] if 'D:' in sddl else ''
    dacl = dacl.split('S:', 1)[0]
    flags = dacl.split('(', 1)[0]
    aces = [(kind, ace_flags, _mask(rights), _sid(sid)) for kind, ace_flags, rights, sid in _ACE.findall(dacl)]
    return {'owner': _sid(owner.group(1)) if owner else None, 'protected': 'P' in flags, 'aces': aces}


def name_of(sid: str) -> str:
    return _NAMES.get(sid, sid)


INHERITS = 'inherits its parent folder\'s permissions'


def problems(sddl: str, member: bool = False) -> list[str]:
    """Why non-administrators may change what carries this descriptor, in words; [] when they may not.
    `member`: a file or folder inside one the module protects, which it is meant to inherit from: its
    inherited ACEs are that folder's, and only its owner and its own ACEs count."""
    found = parse(sddl)
    out = []
    if found['owner'] not in (ADMINISTRATORS, SYSTEM):
        out.append('owned by %s' % name_of(found['owner'] or 'nobody'))
    if not found['protected'] and not member:
        out.append(INHERITS)
    writers = sorted({sid for kind, flags, mask, sid in found['aces']
                      if kind == 'A' and mask & WRITE_RIGHTS and sid not in TRUSTED
                      and not (sid == CREATOR_OWNER and 'IO' in flags) and not (member and 'ID' in flags)})
    if writers:
        out.append('%s may write' % ', '.join(name_of(sid) for sid in writers))
    return out


def protected_sddl(directory: bool, users_read: bool) -> str:
    """The descriptor the acl snippet sets, in the SDDL Get-WcowSecurity reads back."""
    flags = 'OICI' if directory else ''
    aces = '(A;{0};FA;;;BA)(A;{0};FA;;;SY)'.format(flags)
    if users_read:
        aces += '(A;{0};0x1200a9;;;BU)'.format(flags)
    return 'O:BAD:P' + aces


def unprotected(entries: t.Iterable[dict[str, t.Any]], required: t.Iterable[str] = ()) -> list[dict[str, t.Any]]:
    """The entries of service_read's `security` whose descriptor has problems, each with them; a folder of
    `required` that is missing is one too: non-administrators may create it and what it holds
    (C:\\ProgramData lets Users create folders)."""
    required = {path.lower() for path in required}
    out = []
    for entry in entries:
        if not entry['exists']:
            if entry['path'].lower() in required:
                out.append(dict(entry, directory=True, problems=['missing: non-administrators may create it']))
            continue
        found = problems(entry['sddl'])
        if found:
            out.append(dict(entry, problems=found))
    return out


def change_words(entries: t.Iterable[dict[str, t.Any]]) -> list[str]:
    return ['create %s, protected' % entry['path'] if not entry['exists'] else
            'protect %s (%s)' % (entry['path'], '; '.join(entry['problems'])) for entry in entries]


def acl_diff(entries: t.Iterable[dict[str, t.Any]], users_read: bool = False) -> dict[str, str]:
    """One diff entry: each path's SDDL before and after (an entry's own `after`, when it has one)."""
    entries = list(entries)
    before = ''.join('%s: %s\n' % (entry['path'], entry['sddl'] or '(missing)') for entry in entries)
    after = ''.join('%s: %s\n' % (entry['path'], entry.get('after') or protected_sddl(entry['directory'], users_read))
                    for entry in entries)
    return dict(before=before, after=after, before_header='permissions', after_header='permissions')


def inherited_sddl(users_read: bool) -> str:
    """The descriptor Get-WcowSecurity reads on a file created in a folder with the protected DACL: owner
    Administrators (an elevated administrator's default owner), its ACEs inherited."""
    aces = '(A;ID;FA;;;BA)(A;ID;FA;;;SY)' + ('(A;ID;0x1200a9;;;BU)' if users_read else '')
    return 'O:BAD:AI' + aces
