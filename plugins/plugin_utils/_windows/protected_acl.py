# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a file's or folder's owner and DACL (SDDL, as Get-WcowSecurity reads it) keep non-administrators
from changing it, and the protected DACL the acl snippet sets (docs/windows-facts.md#protected-dacls).

Trusted: SYSTEM, BUILTIN\\Administrators, TrustedInstaller; always by SID, never by a (localized) name. A
CREATOR OWNER ACE that is inherit-only grants nothing on the folder itself, only to whoever creates an entry
in it, and creating one is already judged by the folder's other ACEs: it is not counted. Any other allow ACE
granting a right that changes the object, or its folder's contents, to another SID is a problem; so is an
owner other than Administrators or SYSTEM (the owner may always rewrite the DACL), and a DACL that is not
protected (it would follow whatever the parent folder becomes), unless a folder of the same list above it is
there: that one is protected by the same run, so inheriting from it is what is wanted.

Shared folders (a drive root, C:\\Windows and below, Program Files, ProgramData, Users and each profile) are never
given this DACL: other programs use them, and Windows' own DACL is theirs.
"""

from __future__ import annotations

import dataclasses
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
_ABSOLUTE = re.compile(r'[A-Za-z]:[\\/]|\\\\[^\\]|%[^%]+%')
INHERITS = 'inherits its parent folder\'s permissions'
_SHARED = re.compile(r'[A-Za-z]:(\\(windows(\\.*)?|program files|program files \(x86\)|programdata|users(\\[^\\]+)?))?',
                     re.IGNORECASE)
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


def problems(sddl: str, inherited: bool = True, member: bool = False) -> list[str]:
    """Why non-administrators may change what carries this descriptor, in words; [] when they may not. Without
    `inherited`, the ACEs inherited from the parent folder are not counted (it is protected by the same run).
    `member`: a file or folder inside one the module protects, which it is meant to inherit from: its
    inherited ACEs are that folder's, and only its owner and its own ACEs count."""
    found = parse(sddl)
    if not inherited or member:
        found['aces'] = [ace for ace in found['aces'] if 'ID' not in ace[1]]
    out = []
    if found['owner'] not in (ADMINISTRATORS, SYSTEM):
        out.append('owned by %s' % name_of(found['owner'] or 'nobody'))
    if not found['protected'] and not member:
        out.append(INHERITS)
    writers = sorted({sid for kind, flags, mask, sid in found['aces']
                      if kind == 'A' and mask & WRITE_RIGHTS and sid not in TRUSTED
                      and not (sid == CREATOR_OWNER and 'IO' in flags)})
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


def shared_folder(path: str) -> bool:
    """Whether a folder is one other programs share, whose DACL the module never replaces (see the module docstring)."""
    return bool(_SHARED.fullmatch(path.replace('/', '\\').rstrip('\\') or path))


def folder_of(path: str) -> str | None:
    """The folder holding a file, None when that is a shared folder (a drive root, C:\\ProgramData...)."""
    folder = path.replace('/', '\\').rsplit('\\', 1)[0]
    return None if shared_folder(folder) else folder


def own_folders(paths: t.Iterable[str | None]) -> list[str]:
    """The paths given, without None, shared folders and repeats (compared ignoring case), in order."""
    out: list[str] = []
    for path in paths:
        if path and _ABSOLUTE.match(path) and not shared_folder(path) \
                and path.lower() not in {seen.lower() for seen in out}:
            out.append(path)
    return out


def _below(path: str, folder: str) -> bool:
    return path.lower().startswith(folder.rstrip('\\').lower() + '\\')


def unprotected(entries: t.Iterable[dict[str, t.Any]], required: t.Iterable[str] = ()) -> list[dict[str, t.Any]]:
    """The entries of service_read's `security` whose descriptor has problems, each with them; a folder of
    `required` that is missing is one too: non-administrators may create it and what it holds
    (C:\\ProgramData lets Users create folders), unless it is below another folder of the entries, there or
    created: it inherits that one's protection when the daemon creates it. Inheriting is no problem below an
    existing folder of the same entries: that one is protected after the run; directly below one, what it
    inherits from it is not counted either."""
    entries = list(entries)
    required = {path.lower() for path in required}
    folders = [entry['path'] for entry in entries if entry['exists'] and entry['directory']]
    # What a missing folder below these is created in inherits their protection: it is not created here.
    anchors = folders + [entry['path'] for entry in entries if not entry['exists'] and entry['path'].lower() in required]
    out = []
    for entry in entries:
        if not entry['exists']:
            if entry['path'].lower() in required and not any(_below(entry['path'], folder) for folder in anchors):
                out.append(dict(entry, directory=True, problems=['missing: non-administrators may create it']))
            continue
        parent = entry['path'].replace('/', '\\').rsplit('\\', 1)[0].lower()
        # Below its own listed parent, the entry gets what that one gets after the run: its inherited ACEs do not
        # count (a loosened parent is reported, and setting its DACL rewrites them).
        found = problems(entry['sddl'], inherited=parent not in {folder.lower() for folder in folders})
        if INHERITS in found and any(_below(entry['path'], folder) for folder in folders):
            found.remove(INHERITS)
        if found:
            out.append(dict(entry, problems=found))
    return out


@dataclasses.dataclass(frozen=True)
class Protection:
    """What a module protects, from service_read's `security` (the file to write last): the entries with
    problems, the folders file_write's protect gets (only missing or loosened ones, parents first: a new DACL
    makes Windows rewrite the inherited entries of everything below, a build cache or image layers included),
    and those of them Users may read and execute."""
    unprotected: list[dict[str, t.Any]]
    folders: list[str]
    readable_folders: list[str]

    def changes(self) -> list[str]:
        return change_words(self.unprotected)

    def diff(self) -> dict[str, str]:
        return acl_diff(self.unprotected, readable=self.readable_folders)

    def protect_param(self) -> dict[str, t.Any]:
        return {'users_read': False, 'folders': self.folders, 'readable_folders': self.readable_folders}


def protection(entries: t.Iterable[dict[str, t.Any]], required: t.Iterable[str] = (),
               readable: t.Iterable[str] = ()) -> Protection:
    """Protection of the `security` entries; `required`: folders created (protected) when missing; `readable`:
    folders Users may read and execute (one that holds a folder on the PATH)."""
    entries = list(entries)
    found = unprotected(entries, required)
    sent = {entry['path'].lower() for entry in found if entry['directory']}
    folders = sorted((entry['path'] for entry in entries if entry['path'].lower() in sent),
                     key=lambda path: path.count('\\'))
    readable = {path.lower() for path in readable}
    return Protection(found, folders, [path for path in folders if path.lower() in readable])


def change_words(entries: t.Iterable[dict[str, t.Any]]) -> list[str]:
    return ['create %s, protected' % entry['path'] if not entry['exists'] else
            'protect %s (%s)' % (entry['path'], '; '.join(entry['problems'])) for entry in entries]


def _after(entry: dict[str, t.Any], users_read: bool) -> str:
    return entry.get('after') or protected_sddl(entry['directory'], users_read)


def acl_diff(entries: t.Iterable[dict[str, t.Any]], users_read: bool = False,
             readable: t.Iterable[str] = ()) -> dict[str, str]:
    """One diff entry: each path's SDDL before and after (an entry's own `after`, when it has one)."""
    entries = list(entries)
    readable = {path.lower() for path in readable}
    before = ''.join('%s: %s\n' % (entry['path'], entry['sddl'] or '(missing)') for entry in entries)
    after = ''.join('%s: %s\n' % (entry['path'], _after(entry, users_read or entry['path'].lower() in readable))
                    for entry in entries)
    return dict(before=before, after=after, before_header='permissions', after_header='permissions')


def inherited_sddl(users_read: bool) -> str:
    """The descriptor Get-WcowSecurity reads on a file created in a folder with the protected DACL: owner
    Administrators (an elevated administrator's default owner), its ACEs inherited."""
    aces = '(A;ID;FA;;;BA)(A;ID;FA;;;SY)' + ('(A;ID;0x1200a9;;;BU)' if users_read else '')
    return 'O:BAD:AI' + aces
