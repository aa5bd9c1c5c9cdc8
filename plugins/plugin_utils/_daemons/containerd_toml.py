# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TOML for containerd's config.toml: write a document, read one back, merge extra keys.

The writer emits TOML 1.0 that containerd's readers accept (pelletier/go-toml
in 1.7 and 2.x): a table header only for tables holding values (or empty
ones), full dotted headers, strings as literal strings ('C:\\path') where
possible, as `containerd config default` prints Windows paths, else basic
strings with escapes. Reading uses the standard library's tomllib (Python
3.11+); without it, callers fall back to comparing text.
"""

from __future__ import annotations

import copy
import math
import re
import typing as t

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

_BARE_KEY = re.compile(r'[A-Za-z0-9_-]+')
_INT64 = (-2 ** 63, 2 ** 63 - 1)
_ESCAPES = {'"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r'}


class TomlValueError(ValueError):
    """A value TOML cannot hold; `where` is its dotted path."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__('%s: %s' % (where or '(top)', message))
        self.where = where


def _control(char: str) -> bool:
    return ord(char) < 0x20 or ord(char) == 0x7f


def basic_string(text: str) -> str:
    return '"%s"' % ''.join(_ESCAPES.get(c) or ('\\u%04X' % ord(c) if _control(c) else c) for c in text)


def string(text: str) -> str:
    """A literal string when it can be one (no quote, no control character), else a basic string."""
    if "'" in text or any(_control(c) and c != '\t' for c in text):
        return basic_string(text)
    return "'%s'" % text


def key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else basic_string(name)


def dotted(path: t.Iterable[str]) -> str:
    return '.'.join(key(part) for part in path)


def value(item: t.Any, where: str = '') -> str:
    """TOML text of a value: str, bool, int, float, list and (inline) dict."""
    if isinstance(item, bool):
        return 'true' if item else 'false'
    if isinstance(item, int):
        if not _INT64[0] <= item <= _INT64[1]:
            raise TomlValueError(where, '%d does not fit in a 64-bit TOML integer' % item)
        return str(int(item))
    if isinstance(item, float):
        if math.isnan(item):
            return 'nan'
        if math.isinf(item):
            return 'inf' if item > 0 else '-inf'
        return repr(float(item))
    if isinstance(item, str):
        return string(str(item))
    if isinstance(item, (list, tuple)):
        return '[%s]' % ', '.join(value(element, '%s[%d]' % (where, index)) for index, element in enumerate(item))
    if isinstance(item, dict):
        _check_keys(item, where)
        if not item:
            return '{}'
        return '{ %s }' % ', '.join('%s = %s' % (key(k), value(v, _join(where, k))) for k, v in item.items())
    kind = 'null' if item is None else type(item).__name__
    raise TomlValueError(where, '%s is not a TOML value (strings, numbers, booleans, lists and tables are)' % kind)


def _join(where: str, name: t.Any) -> str:
    return '%s.%s' % (where, name) if where else str(name)


def _check_keys(table: dict[str, t.Any], where: str) -> None:
    for name in table:
        if not isinstance(name, str) or not name:
            raise TomlValueError(where, 'keys must be non-empty strings, not %r' % (name,))


def to_toml(document: dict[str, t.Any]) -> str:
    """TOML text of a dict (no final line break): its values, then a header and values per table,
    depth first, in order."""
    lines = []
    _table(lines, (), document)
    return '\n'.join(lines).strip('\n')


def _table(lines: list[str], path: tuple[str, ...], table: dict[str, t.Any]) -> None:
    _check_keys(table, dotted(path))
    values = [(k, v) for k, v in table.items() if not isinstance(v, dict)]
    tables = [(k, v) for k, v in table.items() if isinstance(v, dict)]
    if path and (values or not tables):
        lines.extend(('', '[%s]' % dotted(path)))
    for name, item in values:
        lines.append('%s = %s' % (key(name), value(item, _join(dotted(path), name))))
    for name, sub in tables:
        _table(lines, path + (name,), sub)


def merge(base: dict[str, t.Any], extra: dict[str, t.Any], path: tuple[str, ...] = ()) -> dict[str, t.Any]:
    """A copy of `base` with the keys of `extra` added, tables merged recursively.

    Raises TomlValueError naming the first key both set (other than as tables).
    """
    merged = copy.deepcopy(base)
    _merge_into(merged, extra, path)
    return merged


def _merge_into(target: dict[str, t.Any], extra: dict[str, t.Any], path: tuple[str, ...]) -> None:
    for name, item in extra.items():
        here = path + (name,)
        if name in target:
            if isinstance(target[name], dict) and isinstance(item, dict):
                _merge_into(target[name], item, here)
                continue
            raise TomlValueError(dotted(here), 'is written by the module itself')
        target[name] = copy.deepcopy(item)


def loads(text: str) -> dict[str, t.Any] | None:
    """The document of a TOML text; None when tomllib is unavailable; ValueError when it is not TOML."""
    if tomllib is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(str(error))
