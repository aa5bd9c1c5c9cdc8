# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A service's own environment: the `Environment` value (REG_MULTI_SZ) of its key.

The service control manager starts a service's process with the entries
`NAME=value` of HKLM\\SYSTEM\\CurrentControlSet\\Services\\<name>\\Environment
(docs/windows-facts.md#service-environment); this is how containerd and
buildkitd get HTTP_PROXY, HTTPS_PROXY and NO_PROXY without setting them for
the whole machine (containerd/containerd#6609, #8846).

- `checked_environment(args)`: the modules' `service_environment` option
  checked (None: not managed);
- `check_environment(option, value)`: the option as a tuple of `NAME=value`
  entries sorted by name, or InvalidArgument naming the option;
- `same_environment(wanted, actual)`: entries compared as Windows compares
  variable names (case-insensitively), values exactly;
- `shown_environment(entries)`: what a result or diff shows: the names and the
  values with any URL credentials (`scheme://user:password@host`) hidden.
"""

from __future__ import annotations

import re
import typing as t

from .._core.errors import InvalidArgument

HIDDEN = '********'
# user[:password]@ of a URL (RFC 3986 authority), as proxy variables carry credentials.
_USERINFO = re.compile(r'(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@\s]*)@')


def check_environment(option: str, value: t.Any) -> tuple[str, ...]:
    """The entries of a name -> value mapping, sorted by name; refuses what a REG_MULTI_SZ entry cannot hold."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise InvalidArgument(option, 'must be a mapping of variable names to values')
    seen: dict[str, str] = {}
    for name, text in value.items():
        if not isinstance(name, str) or not name:
            raise InvalidArgument(option, 'variable names must be non-empty strings, got %r' % (name,))
        # Windows keeps a variable as NAME=value: a name holding '=' cannot be told apart (GetEnvironmentVariable),
        # and a NUL ends a REG_MULTI_SZ string.
        if '=' in name or '\0' in name or name != name.strip():
            raise InvalidArgument(option, 'variable name %r holds "=", a NUL or surrounding spaces' % name)
        if not isinstance(text, str):
            raise InvalidArgument(option, 'the value of %s must be a string, got %s (quote it)'
                                  % (name, type(text).__name__))
        if '\0' in text or '\n' in text or '\r' in text:
            raise InvalidArgument(option, 'the value of %s holds a NUL or a line break' % name)
        folded = name.casefold()
        if folded in seen:
            # Windows variable names are case-insensitive: HTTP_PROXY and http_proxy are one variable.
            raise InvalidArgument(option, '%s and %s are the same variable on Windows (names ignore case)'
                                  % (seen[folded], name))
        seen[folded] = name
    return tuple('%s=%s' % (name, value[name]) for name in sorted(value, key=str.casefold))


def checked_environment(args: dict[str, t.Any], option: str = 'service_environment') -> tuple[str, ...] | None:
    """The module option's entries; None when the option is not given (the Environment value is left alone)."""
    if args.get(option) is None:
        return None
    return check_environment(option, args[option])


def _as_dict(entries: t.Iterable[str]) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for entry in entries:
        name, _sep, text = entry.partition('=')
        found[name.casefold()] = (name, text)
    return found


def same_environment(wanted: t.Iterable[str], actual: t.Iterable[str]) -> bool:
    left, right = _as_dict(wanted), _as_dict(actual)
    return left.keys() == right.keys() and all(left[key][1] == right[key][1] for key in left)


def hide_credentials(text: str) -> str:
    return _USERINFO.sub(lambda match: match.group('scheme') + HIDDEN + '@', text)


def shown_environment(entries: t.Iterable[str] | None) -> dict[str, str]:
    """name -> value as a result shows it: credentials in URLs hidden."""
    return {name: hide_credentials(text) for name, text in _as_dict(entries or ()).values()}
