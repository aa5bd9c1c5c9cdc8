# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which folders and files a service module may delete at state=absent with remove_data.

`removal_problem(path)` is the allow rule, checked before the host is
touched; a refused path fails the task naming the option it came from:

- a local drive path (``X:\\...``); network paths are refused;
- at least two folders deep (``D:\\containerd\\root``), three below
  ``Program Files`` and ``Program Files (x86)`` (``C:\\Program Files\\app``
  is an installation, not data), two below ``ProgramData`` except
  ``ProgramData\\Microsoft``;
- nothing below ``Windows``, ``Users`` or the volume's own folders
  (``$Recycle.Bin``, ``System Volume Information``, ``Recovery``, ``Boot``);
- no ``.`` or ``..`` part, no part ending in a dot or space (Windows drops
  them, so such a path names another folder) and no 8.3 short name such as
  ``PROGRA~3`` (which could name a system folder by another spelling).

`empty_parents(paths)` and `folders_below(paths, top)`: folders a removal may
leave empty, to remove when they are.
"""

from __future__ import annotations

import re
import typing as t

_DRIVE = re.compile(r'^[A-Za-z]:\\')
_SHORT_NAME = re.compile(r'~\d')
_NEVER = frozenset(('windows', 'users', '$recycle.bin', 'system volume information', 'recovery', 'boot',
                    'config.msi', 'documents and settings'))
_DEEPER = {'program files': 3, 'program files (x86)': 3}


def parts(path: str) -> list[str]:
    """The folder names after the drive, e.g. ['ProgramData', 'containerd', 'root']."""
    return path[3:].split('\\')


def removal_problem(path: t.Any) -> str | None:
    """Why the module must not delete `path` (a folder or a file), or None."""
    if not isinstance(path, str) or not _DRIVE.match(path):
        return '%r is not a local path such as C:\\ProgramData\\app\\data (network paths are not removed)' % (path,)
    if len(path.rstrip('\\')) <= 2:
        return '%r is a drive root' % path
    names = parts(path)
    if any(not name for name in names):
        return '%r has an empty part (doubled or trailing backslash)' % path
    for name in names:
        if name in ('.', '..') or name[-1] in '. ' or _SHORT_NAME.search(name):
            return '%r has the part %r, which Windows may read as another folder' % (path, name)
    top = names[0].casefold()
    if top in _NEVER:
        return '%r is in %s, a system folder' % (path, path[:3] + names[0])
    if top == 'programdata' and len(names) > 1 and names[1].casefold() == 'microsoft':
        return '%r is in %s, a system folder' % (path, '\\'.join([path[:2]] + names[:2]))
    depth = _DEEPER.get(top, 2)
    if len(names) < depth:
        return ('%r is too near the drive root: data folders are removed only %d or more folders deep, such as %s'
                % (path, depth, 'C:\\Program Files\\app\\data' if depth == 3 else 'D:\\app\\data'))
    return None


def within(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or below it (case-insensitive)."""
    path, folder = path.casefold().rstrip('\\'), folder.casefold().rstrip('\\')
    return path == folder or path.startswith(folder + '\\')


def parent(path: str) -> str | None:
    return path.rsplit('\\', 1)[0] if path.count('\\') > 1 else None


def _deepest_first(folders: t.Iterable[str]) -> list[str]:
    unique = {}
    for folder in folders:
        unique.setdefault(folder.casefold(), folder)
    return sorted(unique.values(), key=lambda f: (-f.count('\\'), f.casefold()))


def empty_parents(paths: t.Iterable[str]) -> list[str]:
    """The folder of each path, when the allow rule accepts it: removed once empty, deepest first."""
    return _deepest_first(parent(path) for path in paths
                          if parent(path) and removal_problem(parent(path)) is None)


def folders_below(paths: t.Iterable[str], top: str) -> list[str]:
    """Each of `paths` and its parents, strictly below folder `top`, deepest first (empty folders to tidy)."""
    found = []
    for path in paths:
        folder = path
        while folder and within(folder, top) and folder.casefold() != top.casefold().rstrip('\\'):
            found.append(folder)
            folder = parent(folder)
    return _deepest_first(found)
