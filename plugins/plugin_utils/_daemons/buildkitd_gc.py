# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build cache garbage collection in buildkitd.toml: the gc option checked and turned into TOML keys.

buildkitd reads these keys of [worker.containerd] (moby/buildkit cmd/buildkitd/config/config.go, GCConfig and
GCPolicy): gc, reservedSpace, maxUsedSpace, minFreeSpace and [[worker.containerd.gcpolicy]] tables of all, filters,
keepDuration, reservedSpace, maxUsedSpace and minFreeSpace. It parses the values as
cmd/buildkitd/config/gcpolicy.go does (docs/windows-facts.md#buildkitd-gc-values):
- a disk space is "<n>%" or a size that docker/go-units RAMInBytes reads ("512MB", "10GiB", "1000000"; binary
  multiples);
- a duration is a Go time.ParseDuration text ("48h", "1h30m") or a whole number of seconds.
Values are written as TOML strings, which both parsers read. Negative values and percentages above 100, which
buildkitd would take without a word, are refused here.
"""

from __future__ import annotations

import re
import typing as t

from .._core.errors import InvalidArgument

SPACE_OPTIONS = (('reserved_space', 'reservedSpace'), ('max_used_space', 'maxUsedSpace'),
                 ('min_free_space', 'minFreeSpace'))

# docker/go-units size.go (RAMInBytes): digits with an optional fraction, an optional space, an optional
# k/m/g/t/p unit with an optional i, an optional b, case-insensitive; the strictest of its versions' grammars.
_SIZE = re.compile(r'^\d+(?:\.\d+)? ?(?:[kmgtp]i?)?b?$', re.IGNORECASE)
_PERCENT = re.compile(r'^\d+%$')
# Go time.ParseDuration: one or more <decimal><unit>, unit ns, us, µs, ms, s, m or h; "0" alone has no unit.
_DURATION = re.compile(r'^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$')

_SPACE_HINT = 'a size such as 10GB or 512MB, a number of bytes, or a percentage of the disk such as 10%'
_DURATION_HINT = 'a duration such as 48h or 1h30m, or a whole number of seconds'


def disk_space(option: str, value: t.Any) -> str:
    """The value as buildkitd's DiskSpace text; InvalidArgument(option) when buildkitd would refuse it or it is
    negative or above 100%."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidArgument(option, '%r is not %s' % (value, _SPACE_HINT))
    if isinstance(value, int):
        if value < 0:
            raise InvalidArgument(option, 'must not be negative, got %d; use %s' % (value, _SPACE_HINT))
        return str(value)
    text = value.strip()
    if _PERCENT.match(text):
        if int(text[:-1]) > 100:
            raise InvalidArgument(option, '%r is more than the whole disk; use a percentage from 0%% to 100%%' % value)
        return text
    if _SIZE.match(text):
        return text
    raise InvalidArgument(option, '%r is not %s' % (value, _SPACE_HINT))


def duration(option: str, value: t.Any) -> str:
    """The value as buildkitd's Duration text; InvalidArgument(option) when it is not one or is negative."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidArgument(option, '%r is not %s' % (value, _DURATION_HINT))
    if isinstance(value, int):
        if value < 0:
            raise InvalidArgument(option, 'must not be negative, got %d; use %s' % (value, _DURATION_HINT))
        return str(value)
    text = value.strip()
    if text == '0' or text.isdigit() or _DURATION.match(text):
        return text
    raise InvalidArgument(option, '%r is not %s' % (value, _DURATION_HINT))


def _spaces(where: str, options: dict[str, t.Any]) -> dict[str, str]:
    return {key: disk_space('%s.%s' % (where, name), options[name])
            for name, key in SPACE_OPTIONS if options.get(name) is not None}


def gc_keys(gc: dict[str, t.Any] | None) -> dict[str, t.Any] | None:
    """The [worker.containerd] GC keys (gc, the spaces, gcpolicy: a list of tables) for the gc option,
    None when it is not set. InvalidArgument names the option at fault, such as gc.policies[1].keep_duration."""
    if gc is None:
        return None
    if not isinstance(gc, dict):
        raise InvalidArgument('gc', 'must be a dictionary of enabled, reserved_space, max_used_space, min_free_space '
                              'and policies, got %r' % (gc,))
    keys: dict[str, t.Any] = {}
    if gc.get('enabled') is not None:
        keys['gc'] = bool(gc['enabled'])
    keys.update(_spaces('gc', gc))
    policies = []
    for index, policy in enumerate(gc.get('policies') or []):
        where = 'gc.policies[%d]' % index
        if not isinstance(policy, dict):
            raise InvalidArgument(where, 'must be a dictionary of all, filters, keep_duration and the space limits, '
                                  'got %r' % (policy,))
        table: dict[str, t.Any] = {}
        if policy.get('all'):
            table['all'] = True
        filters = policy.get('filters') or []
        for number, text in enumerate(filters):
            if not isinstance(text, str) or not text.strip():
                raise InvalidArgument('%s.filters[%d]' % (where, number),
                                      'must be a filter such as type==exec.cachemount, got %r' % (text,))
        if filters:
            table['filters'] = [str(f) for f in filters]
        if policy.get('keep_duration') is not None:
            table['keepDuration'] = duration(where + '.keep_duration', policy['keep_duration'])
        table.update(_spaces(where, policy))
        policies.append(table)
    if policies:
        keys['gcpolicy'] = policies
    return keys
