# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recovery actions of a service: the SCM's FailureActions value as Python values."""

from __future__ import annotations

import base64
import dataclasses
import struct
import typing as t

RECOVERY_TYPES = ('none', 'restart', 'reboot', 'run')


@dataclasses.dataclass(frozen=True)
class RecoveryAction:
    type: str
    delay_ms: int


@dataclasses.dataclass(frozen=True)
class Recovery:
    reset_period_s: int
    actions: tuple[RecoveryAction, ...]

    def to_params(self) -> dict[str, t.Any]:
        """The service_apply `recovery` parameter."""
        return {'reset_period_s': self.reset_period_s,
                'actions': [{'type': a.type, 'delay_ms': a.delay_ms} for a in self.actions]}

    @classmethod
    def from_params(cls, params: dict[str, t.Any]) -> Recovery:
        return cls(int(params['reset_period_s']),
                   tuple(RecoveryAction(a['type'], int(a['delay_ms'])) for a in params['actions']))


_SC_ACTION_TYPES = {0: 'none', 1: 'restart', 2: 'reboot', 3: 'run'}


def decode_failure_actions(encoded: str | None) -> Recovery | None:
    """Recovery from the base64 of the FailureActions REG_BINARY; None when empty.

    Layout (SERVICE_FAILURE_ACTIONS as the SCM stores it): DWORD reset period
    in seconds, two DWORD placeholders (reboot message, command), DWORD count,
    DWORD placeholder (actions pointer), then per action DWORD type and DWORD
    delay in ms, little-endian.
    """
    if not encoded:
        return None
    data = base64.b64decode(encoded)
    if len(data) < 20:
        raise ValueError('FailureActions is %d bytes, shorter than its 20-byte header' % len(data))
    reset, _reboot, _command, count, _pointer = struct.unpack_from('<5I', data, 0)
    if len(data) < 20 + 8 * count:
        raise ValueError('FailureActions holds %d bytes, too few for %d actions' % (len(data), count))
    actions = tuple(RecoveryAction(_SC_ACTION_TYPES.get(kind, 'unknown(%d)' % kind), delay)
                    for kind, delay in (struct.unpack_from('<2I', data, 20 + 8 * i) for i in range(count)))
    return Recovery(reset, actions)


def encode_failure_actions(recovery: Recovery) -> str:
    """The inverse of decode_failure_actions (tests and fixtures)."""
    codes = dict((name, code) for code, name in _SC_ACTION_TYPES.items())
    data = struct.pack('<5I', recovery.reset_period_s, 0, 0, len(recovery.actions), 20 if recovery.actions else 0)
    for action in recovery.actions:
        data += struct.pack('<2I', codes[action.type], action.delay_ms)
    return base64.b64encode(data).decode('ascii')
