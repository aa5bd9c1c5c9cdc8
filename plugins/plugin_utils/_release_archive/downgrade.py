# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether installing a version would replace a newer one (allow_downgrade of win_release_archive)."""

from __future__ import annotations

from .._service.versions import version_tuple


def _parsed(version: str | None) -> tuple[int, ...] | None:
    try:
        return version_tuple(version)
    except ValueError:
        return None


def downgrade_problem(name: str, dest: str, installed: str | None, wanted: str | None) -> str | None:
    """Why installing `wanted` over `installed` is refused, or None.

    Only versions both read as major.minor.patch (with or without a leading v)
    are compared; a pre-release suffix is ignored, so v0.24.0-rc1 and v0.24.0
    count as the same release and replace each other.
    """
    installed_parts, wanted_parts = _parsed(installed), _parsed(wanted)
    if installed_parts is None or wanted_parts is None or wanted_parts >= installed_parts:
        return None
    return ('%s %s is installed in %s, newer than the version %s asked for; it is not replaced. Set the version (and '
            'its checksum) where it is kept, in the inventory or group_vars, to the installed one, or give '
            'allow_downgrade=true (wcow_allow_downgrade=true for the roles of wcow.buildkit) to go back to %s. '
            'Nothing was changed.' % (name, installed, dest, wanted, wanted))
