# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a result carries whole file contents: only when the run asks to see them."""

from __future__ import annotations

import typing as t

from ansible.utils.display import Display

# -vv: the verbosity at which a result shows the files it wrote.
VERBOSITY = 2

T = t.TypeVar('T')


def shown(content: T, diff_mode: bool) -> T | None:
    """`content` with --diff or at -vv and more; None otherwise, so that registered results, logs and
    callbacks do not keep whole config files (addresses, registry mirrors, certificate paths)."""
    return content if diff_mode or Display().verbosity >= VERBOSITY else None
