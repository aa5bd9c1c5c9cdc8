# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What containerd_service and buildkitd_service remove at state=absent besides the service.

- remove_config: the config file the module manages, only while it holds what
  the module writes (compared as when writing); a file that differs was
  changed by someone else and stays, with a warning.
- remove_data: the daemon's data folders and its log file, as the module's
  own options name them (never what a host's file says), each checked by
  the allow rule of data_paths before the host is touched; then the folders
  of those paths when they are left empty. A data folder goes only when the
  collection created it (data_root_apply recorded it in HKLM with its
  identity): one it did not create, such as a folder of an install made
  before the markers, is kept with a warning naming it. Any reparse point
  (junction, symbolic link, mount point) along a data folder's path, or
  along the log file's folder, refuses the whole removal before anything
  changes.

`Targets` is computed in validate(); `plan()` reads one service_read's
`measured`, `files` and `data_roots`, and `Removal.params()` is the
service_data_remove parameter object, run after the service is gone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import typing as t

from .._core.errors import InvalidArgument
from . import data_paths as paths


FILE_OPTIONS = ('log_file',)


@dataclasses.dataclass
class Targets:
    data: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # [(option, path)] removed as trees or files
    empty_folders: list[str] = dataclasses.field(default_factory=list)
    config_path: str | None = None                                      # the managed config, when remove_config

    def measure_paths(self) -> list[str]:
        return [path for _option, path in self.data] + list(self.empty_folders)

    def roots(self) -> list[str]:
        """The data folders: removed only when the collection created them."""
        return [path for option, path in self.data if option not in FILE_OPTIONS]

    def files(self) -> list[str]:
        return [path for option, path in self.data if option in FILE_OPTIONS]

    def checked_paths(self) -> list[str]:
        """What service_read's data_roots reads: each data folder, and each file's folder (for links)."""
        return self.roots() + [paths.parent(path) or path for path in self.files()]


def targets(data: t.Iterable[tuple[str, str | None]], config_path: str | None = None, tidy: t.Iterable[str] = (),
            binary: str | None = None) -> Targets:
    """Targets of (option, path) pairs, checked; InvalidArgument names the option of a refused path.

    `tidy`: further folders to remove when empty (such as the CNI folders a
    config named), after the data paths' own folders. `binary`: the daemon's
    program, which no data path may hold.
    """
    kept = []
    for option, path in data:
        if not path:
            continue
        problem = paths.removal_problem(path)
        if problem is None and binary and paths.within(binary, path):
            problem = '%r holds the program %s' % (path, binary)
        if problem:
            raise InvalidArgument(option, 'remove_data would delete %s: refused. Data folders and logs are removed '
                                  'only on a local drive, deep enough and outside the system folders; move the '
                                  'data or remove it by hand.' % problem)
        kept.append((option, path))
    tidy = [folder for folder in tidy if paths.removal_problem(folder) is None]
    # A path inside another one goes with it.
    data = [(o, p) for o, p in kept if not any(q != p and paths.within(p, q) for _o, q in kept)]
    folders = paths.empty_parents([p for _o, p in data]) + list(tidy)
    folders = [f for f in folders if not any(paths.within(f, p) for _o, p in data)]
    return Targets(data=data, empty_folders=_unique(folders), config_path=config_path)


def _unique(folders: t.Iterable[str]) -> list[str]:
    seen, out = set(), []
    for folder in sorted(folders, key=lambda f: (-f.count('\\'), f.casefold())):
        if folder.casefold() not in seen:
            seen.add(folder.casefold())
            out.append(folder)
    return out


@dataclasses.dataclass
class Removal:
    config: dict[str, str] | None = None    # {'path', 'sha256'} when the config goes
    config_before: bytes | None = None
    data: list[dict[str, t.Any]] = dataclasses.field(default_factory=list)     # measured entries that exist
    folders: list[str] = dataclasses.field(default_factory=list)               # empty folders that go
    all_folders: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    roots: list[str] = dataclasses.field(default_factory=list)    # the data folders service_data_remove checks
    forget: list[str] = dataclasses.field(default_factory=list)   # markers of data folders already gone

    @property
    def pending(self) -> bool:
        return bool(self.config or self.data or self.folders or self.forget)

    def removed(self) -> list[str]:
        """Paths that go (or would), in order: config, data, folders."""
        return ([self.config['path']] if self.config else []) + [m['path'] for m in self.data] + list(self.folders)

    def params(self) -> dict[str, t.Any]:
        root_keys = {root.casefold() for root in self.roots}
        return {'config': self.config, 'data_roots': list(self.roots),
                'paths': [m['path'] for m in self.data if m['path'].casefold() not in root_keys],
                'empty_folders': self.all_folders}

    def changes(self) -> list[str]:
        words = []
        if self.config:
            words.append('remove the config')
        if self.data:
            words.append('remove the data')
        if self.folders:
            words.append('remove the folders left empty')
        if self.forget:
            words.append('clear the record of data folders already gone')
        return words


def plan(found: Targets, config_before: bytes | None, is_ours: t.Callable[[bytes], bool],
         measured: list[dict[str, t.Any]], checked: list[dict[str, t.Any]] | None = None) -> Removal:
    """The Removal for `found` (Targets), the config's bytes (None: absent or not read), whether they are the
    module's (a callable on bytes), the service_read `measured` entries (in measure_paths order) and its
    `data_roots` entries (of checked_paths)."""
    removal = Removal(config_before=config_before, all_folders=list(found.empty_folders), roots=found.roots())
    by_path = dict((m['path'].casefold(), m) for m in measured)
    roots = dict((r['path'].casefold(), r) for r in checked or [])
    for option, path in found.data:
        root = roots.get((path if option not in FILE_OPTIONS else paths.parent(path) or path).casefold())
        if root and root['link']:
            raise LinkFound(path, root['link'])
    if found.config_path and config_before is not None:
        if is_ours(config_before):
            removal.config = {'path': found.config_path,
                              'sha256': hashlib.sha256(config_before).hexdigest().upper()}
        else:
            removal.warnings.append('remove_config: %s is kept: it does not hold what this module writes with these '
                                    'options (changed by hand, or written with other options)' % found.config_path)
    for option, path in found.data:
        entry = by_path.get(path.casefold())
        if entry and entry['type'] == 'link':
            raise LinkFound(path, path)
        if not entry or entry['type'] == 'missing':
            root = roots.get(path.casefold())
            if root and root['marker'] is not None and not root['exists']:
                removal.forget.append(path)
            continue
        root = roots.get(path.casefold(), {'marked': False, 'marker': None})
        if option not in FILE_OPTIONS and not root['marked']:
            removal.warnings.append(
                'remove_data: %s (%s) is kept: this collection did not create it (no record of it in '
                'HKLM\\SOFTWARE\\wcow.buildkit\\DataRoots%s). A folder a daemon or an older release of this '
                'collection created, or one made by hand, is never removed; remove it by hand if it holds only the '
                "daemon's data." % (path, option, ', or one of another folder of that path' if root['marker'] else ''))
            continue
        removal.data.append(entry)
    removal.folders = _folders_left_empty(found, removal, by_path)
    return removal


class LinkFound(Exception):
    def __init__(self, path: str, link: str) -> None:
        super().__init__('remove_data: %s is not removed: %s along its path is a link (junction, symbolic link or '
                         'mount point) to another folder; the module does not follow it. Remove the data it points to '
                         'by hand. Nothing was changed.' % (path, link))


def _folders_left_empty(found: Targets, removal: Removal, by_path: dict[str, dict[str, t.Any]]) -> list[str]:
    """The empty_folders that will be empty once the removal has run (deepest first, as the host goes)."""
    gone = []
    going = list(removal.data)
    if removal.config:
        going.append({'path': removal.config['path'], 'type': 'file', 'files': 1, 'dirs': 0})
    for folder in found.empty_folders:
        entry = by_path.get(folder.casefold())
        if not entry or entry['type'] != 'dir':
            continue
        files_left, dirs_left = entry['files'], entry['dirs']
        for item in going:
            if paths.within(item['path'], folder):
                files_left -= item['files']
                dirs_left -= (1 + item['dirs']) if item['type'] == 'dir' else 0
        dirs_left -= sum(1 for other in gone if paths.within(other, folder))
        if files_left == 0 and dirs_left == 0:
            gone.append(folder)
    return gone


def data_text(removal: Removal) -> str:
    """The data that goes, one line a path, for the diff."""
    lines = []
    for entry in removal.data:
        if entry['type'] == 'file':
            lines.append('%s: file, %d bytes' % (entry['path'], entry['bytes']))
        else:
            unreadable = (', %d folders not readable (their contents not counted)' % entry['unreadable']
                          if entry.get('unreadable') else '')
            lines.append('%s: folder, %d files, %d folders, %d bytes%s'
                         % (entry['path'], entry['files'], entry['dirs'], entry['bytes'], unreadable))
    lines += ['%s: folder, empty once the rest is gone' % folder for folder in removal.folders]
    return ''.join(line + '\n' for line in lines)


def diffs(name: str, removal: Removal) -> list[dict[str, str]]:
    """Diff entries of the removal: the config text going, and the data listed."""
    out = []
    if removal.config:
        before = removal.config_before.decode('utf-8', errors='replace')
        out.append(dict(before=before, after='', before_header=removal.config['path'],
                        after_header='%s (absent)' % removal.config['path']))
    text = data_text(removal)
    if text:
        header = 'data of service %s' % name
        out.append(dict(before=text, after='', before_header=header, after_header=header + ' (absent)'))
    return out


def not_removed_message(name: str, not_removed: list[str], count: int) -> str:
    """Why a task fails when service_data_remove left entries: each named with the system's reason."""
    more = ' (and %d more)' % (count - len(not_removed)) if count > len(not_removed) else ''
    return ('%d %s of the data of service %s could not be removed; everything else is gone and the service is '
            'unregistered: %s%s. A file in use: stop what holds it (a container or build still running, a shell open '
            'in the folder, a scanner) and run the task again to remove the rest. Access is denied: the entry '
            'belongs to another account (TrustedInstaller, SYSTEM) outside a container layer; take ownership of it '
            '(takeown /f <path> /r /d y, then icacls <path> /grant Administrators:F /t) or remove it by hand.'
            % (count, 'entry' if count == 1 else 'entries', name, '; '.join(not_removed), more))
