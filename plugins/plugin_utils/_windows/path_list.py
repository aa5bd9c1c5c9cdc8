# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A PATH value as a list of entries, and the one-entry changes win_path_entry makes.

Splitting and joining are exact inverses: `join_entries(split(value))` is
`value` for every string, so entries the module does not touch (empty ones,
quoted ones, oddly spelled ones) keep their text and their order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEPARATOR = ';'

# What win_path_entry accepts as a directory: a drive path, a UNC share, or a
# path starting with an environment variable such as %ProgramFiles%.
_ABSOLUTE = re.compile(r'^(?:[A-Za-z]:\\|\\\\[^\\?.][^\\]*\\[^\\]+|%[^%]+%)')


@dataclass(frozen=True)
class Entry:
    """One PATH entry: its text as stored, and as ExpandEnvironmentVariables gives it."""

    raw: str
    expanded: str


def pieces(value: str | None) -> list[str]:
    """The value cut at every separator, as PowerShell's String.Split(';') cuts it."""
    return [] if value is None else value.split(SEPARATOR)


def split(value: str | None, expanded_pieces: list[str]) -> list[Entry]:
    """Entries of `value`; `expanded_pieces` holds the expansion of each of pieces(value).

    A separator inside double quotes does not end an entry, as cmd.exe reads
    PATH; an empty value (or no value) has no entries at all.
    """
    raw_pieces = pieces(value)
    if len(raw_pieces) != len(expanded_pieces):
        raise ValueError('%d pieces but %d expansions' % (len(raw_pieces), len(expanded_pieces)))
    if not value:
        return []
    entries, raw, expanded = [], None, None
    for piece, piece_expanded in zip(raw_pieces, expanded_pieces):
        if raw is None:
            raw, expanded = piece, piece_expanded
        else:
            raw, expanded = raw + SEPARATOR + piece, expanded + SEPARATOR + piece_expanded
        if raw.count('"') % 2 == 0:
            entries.append(Entry(raw, expanded))
            raw = expanded = None
    if raw is not None:
        # An unclosed quote runs to the end of the value.
        entries.append(Entry(raw, expanded))
    return entries


def join_entries(raw_entries: list[str]) -> str:
    return SEPARATOR.join(raw_entries)


def comparison_key(text: str) -> str:
    """`text` as entries are compared: without surrounding quotes and trailing backslashes, case folded.

    Case is folded one character at a time (Windows compares paths with a
    simple upper-case mapping: 'ß' stays one character).
    """
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    text = text.rstrip('\\')
    return ''.join(char.upper() if len(char.upper()) == 1 else char for char in text)


def same_entry(entry: Entry, wanted: Entry) -> bool:
    """Entries are equal when their raw texts or their expanded texts compare equal."""
    return (comparison_key(entry.raw) == comparison_key(wanted.raw)
            or comparison_key(entry.expanded) == comparison_key(wanted.expanded))


def present_as_written(value: str | None, wanted: Entry) -> bool:
    """Whether an entry of a REG_SZ `value` names the wanted folder as written: Windows expands no %VAR% there."""
    key = comparison_key(wanted.expanded)
    return any(comparison_key(entry.raw) == key for entry in split(value, pieces(value)))


def matching_indexes(entries: list[Entry], wanted: Entry) -> list[int]:
    return [index for index, entry in enumerate(entries) if same_entry(entry, wanted)]


def ensure_present(entries: list[Entry], wanted: Entry, position: str = 'append') -> list[str]:
    """Raw entries with `wanted` exactly once.

    An entry already there keeps its place and spelling, and later copies are
    dropped; otherwise `wanted.raw` is added at the start or the end. A value
    ending with a separator keeps ending with one.
    """
    raw = [entry.raw for entry in entries]
    found = matching_indexes(entries, wanted)
    if found:
        duplicates = set(found[1:])
        return [text for index, text in enumerate(raw) if index not in duplicates]
    if position == 'prepend':
        return [wanted.raw] + raw
    if raw and raw[-1] == '':
        return raw[:-1] + [wanted.raw, '']
    return raw + [wanted.raw]


def ensure_absent(entries: list[Entry], wanted: Entry) -> list[str]:
    """Raw entries without any copy of `wanted`."""
    found = set(matching_indexes(entries, wanted))
    return [entry.raw for index, entry in enumerate(entries) if index not in found]


def path_problem(path: str) -> str | None:
    """Why `path` cannot be a win_path_entry directory, or None."""
    if not path:
        return 'must not be empty'
    if path != path.strip():
        return '%r has leading or trailing white space' % path
    if SEPARATOR in path:
        return '%r contains %r, the PATH separator: give one directory' % (path, SEPARATOR)
    if '"' in path:
        return '%r contains a double quote: give the directory without quotes' % path
    if any(ord(char) < 0x20 for char in path):
        return '%r contains a control character' % path
    if '/' in path:
        return '%r contains "/": write the directory with backslashes' % path
    if not _ABSOLUTE.match(path):
        return ('%r is not absolute: give a drive path (C:\\...), a UNC share (\\\\server\\share) '
                'or a path starting with an environment variable (%%ProgramFiles%%\\...)' % path)
    return None
