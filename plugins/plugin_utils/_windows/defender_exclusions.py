# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Defender Antivirus exclusions: which entries are accepted, how they compare, what a task changes.

Defender keeps its local exclusions as registry value names, whose case does
not matter (docs/windows-facts.md#microsoft-defender-antivirus); a folder
written with and without a trailing backslash is the same folder to the
collection, so entries compare case-insensitively and without trailing
backslashes. Only local absolute paths without wildcards or environment
variables are accepted: the collection excludes its daemons' own executables
and data folders, never a pattern that could match more.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

# A local absolute path: a drive letter, then folder names separated by single backslashes.
_ABSOLUTE = re.compile(r'^[A-Za-z]:\\')
# Characters Windows refuses in file names (learn.microsoft.com, "Naming Files, Paths, and Namespaces"), and the
# ones Defender reads as wildcards (*, ?) or environment variables (%).
_REFUSED = set('<>"|?*%/') | {chr(code) for code in range(32)}
# MAX_PATH less the terminating null: the longest path a Win32 call takes without the \\?\ prefix.
MAX_LENGTH = 259


def key(entry: str) -> str:
    """What two entries compare by: their case folded, without trailing backslashes."""
    return entry.rstrip('\\').casefold()


def entry_problem(entry: t.Any, process: bool) -> str | None:
    """Why `entry` cannot be an exclusion the module keeps (a process executable or a folder), or None."""
    if not isinstance(entry, str) or not entry:
        return 'an entry is empty'
    if entry != entry.strip():
        return '%r has leading or trailing spaces' % entry
    if len(entry) > MAX_LENGTH:
        return '%r is longer than %d characters' % (entry, MAX_LENGTH)
    if not _ABSOLUTE.match(entry):
        return '%r is not a local absolute path such as C:\\Program Files\\containerd\\bin\\containerd.exe' % entry
    refused = sorted(set(entry[2:]) & _REFUSED)
    if refused or ':' in entry[2:]:
        return ('%r contains %s: wildcards, environment variables, forward slashes and the characters Windows refuses '
                'in names are not accepted' % (entry, ' '.join(repr(c) for c in refused) or "':'"))
    names = entry[3:].rstrip('\\').split('\\') if process is False else entry[3:].split('\\')
    if names == ['']:
        return '%r is a drive root: excluding a whole drive is refused' % entry
    if any(name in ('', '.', '..') for name in names):
        return '%r has an empty, "." or ".." folder name' % entry
    if any(name != name.rstrip(' .') for name in names):
        return '%r has a name ending with a space or a dot, which Windows removes' % entry
    if process and not entry.lower().endswith('.exe'):
        return '%r is not the full path of an .exe file' % entry
    return None


def unique(entries: t.Iterable[str]) -> tuple[str, ...]:
    """The entries without later copies (compared by key), in their order."""
    seen: set[str] = set()
    kept = []
    for entry in entries:
        if key(entry) not in seen:
            seen.add(key(entry))
            kept.append(entry)
    return tuple(kept)


@dataclasses.dataclass(frozen=True)
class Plan:
    """What one task adds (the entries as given) and removes (the entries as the host spells them)."""
    add_processes: tuple[str, ...] = ()
    add_paths: tuple[str, ...] = ()
    remove_processes: tuple[str, ...] = ()
    remove_paths: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.add_processes or self.add_paths or self.remove_processes or self.remove_paths)

    def operation_params(self) -> dict[str, list[str]]:
        return dict(add_processes=list(self.add_processes), add_paths=list(self.add_paths),
                    remove_processes=list(self.remove_processes), remove_paths=list(self.remove_paths))


def _missing(wanted: t.Iterable[str], found: t.Iterable[str]) -> tuple[str, ...]:
    present = {key(entry) for entry in found}
    return tuple(entry for entry in wanted if key(entry) not in present)


def _matching(wanted: t.Iterable[str], found: t.Iterable[str]) -> tuple[str, ...]:
    keys = {key(entry) for entry in wanted}
    return tuple(entry for entry in found if key(entry) in keys)


def plan(state: str, processes: t.Sequence[str], paths: t.Sequence[str], found_processes: t.Sequence[str],
         found_paths: t.Sequence[str]) -> Plan:
    """present: add what the host lacks; absent: remove every host entry matching one given. Other entries stay."""
    if state == 'present':
        return Plan(add_processes=_missing(processes, found_processes), add_paths=_missing(paths, found_paths))
    return Plan(remove_processes=_matching(processes, found_processes), remove_paths=_matching(paths, found_paths))


def present_of(wanted: t.Iterable[str], found: t.Iterable[str]) -> list[str]:
    """The entries of `wanted` that the host has, each as the host spells it."""
    return list(_matching(wanted, found))
