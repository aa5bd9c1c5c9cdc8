# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Attributes every module of the collection states.
    DOCUMENTATION = r'''
options: {}
attributes:
  action:
    description: The module is an action plugin that runs on the controller and talks to the host over the connection.
    support: full
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
      - This assumes that the host was not changed by anything else in between.
  platform:
    description: Target OS/families that can be operated against.
    platforms: windows
    support: full
'''

    # Modules that read and change the host, with full check mode and diff support.
    FULL = r'''
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
'''
