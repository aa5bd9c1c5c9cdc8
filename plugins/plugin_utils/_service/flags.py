# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Daemon flags compared the way the daemons read them (Go's flag package, urfave/cli).

`FlagSpec` says which flags a daemon knows; `parse_flags()` reads an argument
list as the daemon would, `flags_equal()` compares two lists so that
`--flag=value` is `--flag value` and the order of different flags does not
matter. The flag tables of containerd and buildkitd are in daemon_flags.py.
"""

from __future__ import annotations

import dataclasses
import typing as t


@dataclasses.dataclass(frozen=True)
class FlagSpec:
    """The flags of one daemon, as its urfave/cli (Go flag package) parser knows them.

    value_flags take a value (`--root X` or `--root=X`); bool_flags do not
    (`--debug`, `--debug=false`); repeatable flags keep every value (string
    slices such as `--addr`); aliases map short names to canonical ones.
    """
    value_flags: frozenset[str]
    bool_flags: frozenset[str]
    repeatable: frozenset[str] = frozenset()
    aliases: tuple[tuple[str, str], ...] = ()

    def canonical(self, name: str) -> str:
        return dict(self.aliases).get(name, name)

    def knows(self, name: str) -> bool:
        name = self.canonical(name)
        return name in self.value_flags or name in self.bool_flags


class FlagError(ValueError):
    """An argument list the daemon would refuse; names the flag."""


def flag_parts(arg: str) -> tuple[str | None, bool, str | None]:
    """(name, has_value, value) of `-name`, `--name`, `--name=value`; (None, ...) for others."""
    if not arg.startswith('-') or arg in ('-', '--'):
        return None, False, None
    body = arg[2:] if arg.startswith('--') else arg[1:]
    name, sep, value = body.partition('=')
    return name, bool(sep), value if sep else None


def parse_flags(arguments: t.Iterable[str], spec: FlagSpec) -> list[tuple[str | None, str]]:
    """[(canonical_name, value)] in order, as Go's flag package reads them.

    Bool flags read as 'true' unless given `=false`/`=0` etc.; parsing stops at
    `--` or at the first argument that is not a flag, and those remaining
    arguments come back as (None, argument). Raises FlagError for an unknown
    flag or a missing value.
    """
    parsed, i, arguments = [], 0, list(arguments)
    while i < len(arguments):
        arg = arguments[i]
        if arg == '--':
            parsed.extend((None, rest) for rest in arguments[i + 1:])
            break
        name, has_value, value = flag_parts(arg)
        if name is None:
            parsed.extend((None, rest) for rest in arguments[i:])
            break
        if not name or name.startswith('-') or name.startswith('='):
            raise FlagError('bad flag syntax: %s' % arg)
        canonical = spec.canonical(name)
        if canonical in spec.bool_flags:
            parsed.append((canonical, _bool_text(value, arg) if has_value else 'true'))
        elif canonical in spec.value_flags:
            if not has_value:
                if i + 1 >= len(arguments):
                    raise FlagError('flag needs an argument: -%s' % name)
                i += 1
                value = arguments[i]
            parsed.append((canonical, value))
        else:
            raise FlagError('flag provided but not defined: -%s' % name)
        i += 1
    return parsed


def _bool_text(value: str | None, arg: str) -> str:
    # strconv.ParseBool, which Go's flag package uses for bool flags.
    if value in ('1', 't', 'T', 'TRUE', 'true', 'True'):
        return 'true'
    if value in ('0', 'f', 'F', 'FALSE', 'false', 'False'):
        return 'false'
    raise FlagError('invalid boolean value %r for %s' % (value, arg))


def normalise_flags(arguments: t.Iterable[str],
                    spec: FlagSpec) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[str, ...]]:
    """A comparable form: flags sorted by name, each with its values in order.

    `--flag=value` and `--flag value`, `-flag` and `--flag`, aliases, and the
    order of different flags do not matter; repeated flags (`--addr a --addr
    b`) keep every value in order. Arguments after the flags stay in order.
    """
    values, positional = {}, []
    for name, value in parse_flags(arguments, spec):
        if name is None:
            positional.append(value)
        else:
            values.setdefault(name, []).append(value)
    return tuple(sorted((name, tuple(vals)) for name, vals in values.items())), tuple(positional)


def flags_equal(left: t.Iterable[str], right: t.Iterable[str], spec: FlagSpec) -> bool:
    return normalise_flags(left, spec) == normalise_flags(right, spec)
