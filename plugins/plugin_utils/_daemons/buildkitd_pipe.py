# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a running buildkitd's pipe still admits the groups of its --group.

buildkitd resolves each --group name to a SID once, when it starts, and
writes that SID into the DACL of the pipe it listens on
(docs/windows-facts.md#buildkitd-pipe-access-and-groups). A group deleted and
created again under the same name has a new SID: the flags still match, but
the pipe admits the old SID only, so the group's members are denied until
buildkitd restarts. The pipe's DACL is the record of the SIDs buildkitd
started with; service_read reads it and the groups' SIDs now.
"""

from __future__ import annotations

import re
import typing as t

from .._service.daemon_flags import BUILDKITD_FLAGS
from .._service.flags import parse_flags

# util/appdefaults/appdefaults_windows.go (docs/windows-facts.md#buildkitd-defaults).
DEFAULT_ADDRESS = 'npipe:////./pipe/buildkitd'
# An allow ACE of an SDDL DACL: (A;flags;rights;object;inherited object;trustee).
_ALLOW_TRUSTEE = re.compile(r'\(A;[^;]*;[^;]*;[^;]*;[^;]*;([^)]+)\)')


def pipe_path(address: str) -> str | None:
    """\\\\.\\pipe\\name for an npipe:// address; None for other schemes."""
    if not address.lower().startswith('npipe://'):
        return None
    return address[len('npipe://'):].replace('/', '\\')


def listening_pipes(arguments: t.Sequence[str], config_addresses: t.Sequence[str] | None = None) -> list[str]:
    """The pipes buildkitd listens on: its --addr flags, else the config's grpc addresses, else the default."""
    addresses = [value for name, value in parse_flags(arguments, BUILDKITD_FLAGS) if name == 'addr']
    addresses = addresses or list(config_addresses or []) or [DEFAULT_ADDRESS]
    return [path for path in (pipe_path(address) for address in addresses) if path]


def granted_sids(sddl: str | None) -> set[str]:
    return {trustee.upper() for trustee in _ALLOW_TRUSTEE.findall(sddl or '')}


def stale_groups(pipes: t.Iterable[dict[str, t.Any]], accounts: t.Iterable[dict[str, t.Any]]) -> list[str]:
    """The groups (name (SID now)) an existing pipe does not admit although they exist: recreated since buildkitd
    started. service_read's `pipes` and `accounts` entries."""
    stale = []
    for pipe in pipes:
        if not pipe['exists']:
            continue
        granted = granted_sids(pipe['sddl'])
        stale.extend('%s (%s)' % (account['name'], account['sid']) for account in accounts
                     if account['sid'] and account['sid'].upper() not in granted)
    return sorted(set(stale))
