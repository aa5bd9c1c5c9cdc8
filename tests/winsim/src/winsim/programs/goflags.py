"""Command-line flags as Go's flag package reads them (urfave/cli, used by containerd and buildkitd).

`parse(args, spec)` returns the flags set (last value wins, slice flags
accumulate) and the positional arguments, or raises FlagError with the
message Go's flag package gives (flag/flag.go: parseOne, failf).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Spec:
    """kinds: flag name -> "string" | "bool" | "int" | "slice"; aliases: short -> long."""

    kinds: dict
    aliases: dict = field(default_factory=dict)


class FlagError(Exception):
    pass


@dataclass
class Parsed:
    values: dict
    positional: list

    def get(self, name: str, default=None):
        return self.values.get(name, default)

    def is_set(self, name: str) -> bool:
        return name in self.values


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def parse(args: list, spec: Spec) -> Parsed:
    values, i = {}, 0
    while i < len(args):
        arg = args[i]
        # flag.parseOne: "-" alone or a word ends the flags; "--" is consumed.
        if arg == "--":
            return Parsed(values, list(args[i + 1:]))
        if len(arg) < 2 or arg[0] != "-":
            return Parsed(values, list(args[i:]))
        body = arg[2:] if arg.startswith("--") else arg[1:]
        if not body or body[0] in "-=":
            raise FlagError(f"bad flag syntax: {arg}")
        name, has_value, value = body.partition("=")
        name = spec.aliases.get(name, name)
        kind = spec.kinds.get(name)
        if kind is None:
            raise FlagError(f"flag provided but not defined: -{body.partition('=')[0]}")
        if kind == "bool":
            if has_value:
                if value not in _TRUE + _FALSE:
                    raise FlagError(f'invalid boolean value "{value}" for -{name}: parse error')
                values[name] = value in _TRUE
            else:
                values[name] = True
        else:
            if not has_value:
                if i + 1 >= len(args):
                    raise FlagError(f"flag needs an argument: -{name}")
                i += 1
                value = args[i]
            if kind == "int":
                try:
                    value = int(value)
                except ValueError:
                    raise FlagError(f'invalid value "{value}" for flag -{name}: parse error') from None
            if kind == "slice":
                values.setdefault(name, []).append(value)
            else:
                values[name] = value
        i += 1
    return Parsed(values, [])
