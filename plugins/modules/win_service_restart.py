#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/win_service_restart.py.

DOCUMENTATION = r'''
---
module: win_service_restart
short_description: Restart a Windows service when it exists
version_added: 0.1.0
description:
  - Restarts a Windows service, for handlers such as "restart buildkitd after the CNI config changed".
  - A service that does not exist is skipped (O(missing=skip)), so a role can notify the handler before the service
    is installed.
  - A restart always reports a change; use it from handlers.
options:
  name:
    description: Name of the service, such as C(buildkitd).
    type: str
    required: true
  missing:
    description: What to do when the service does not exist.
    type: str
    choices: [skip, fail]
    default: skip
  stop_dependents:
    description:
      - Stop the running services that depend on this one first, and start them again afterwards.
      - Without it, restarting a service that running services depend on fails, as C(Stop-Service) without
        C(-Force) does.
    type: bool
    default: false
  timeout:
    description: Seconds to wait for the service to stop and to start.
    type: int
    default: 60
extends_documentation_fragment:
  - wcow.buildkit.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: none
    details: A restart is an action, not a state.
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Restart buildkitd if it is installed
  wcow.buildkit.win_service_restart:
    name: buildkitd
'''

RETURN = r'''
exists:
  description: Whether the service exists.
  returned: always
  type: bool
restarted:
  description: Whether the service was (or in check mode would be) restarted.
  returned: always
  type: bool
state:
  description: State of the service afterwards, as Win32_Service reports it; null when it does not exist.
  returned: always
  type: str
  sample: Running
'''
