#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/buildctl_debug_info.py.

DOCUMENTATION = r'''
---
module: buildctl_debug_info
short_description: Ask buildkitd on a Windows host for its version with buildctl debug info
version_added: 0.1.0
description:
  - Runs C(buildctl [--addr <addr>] debug info) on the host, as the connecting user or as O(as_user), and returns the
    BuildKit version buildkitd reports.
  - Fails, with the text C(buildctl) printed, when buildkitd does not answer (not running, or the user may not open
    its pipe), and when O(buildctl_path) does not exist.
  - Reads only; it never reports a change, and runs in check mode too.
options:
  buildctl_path:
    description: Path of C(buildctl.exe) on the host.
    type: str
    default: C:\Program Files\buildkit\buildctl.exe
  as_user:
    description:
      - Local user to run C(buildctl) as, to check that a member of buildkitd's C(--group) may use it. The command
        then runs from a one-off scheduled task with an S4U logon; the user needs the "Log on as a batch job" right.
      - The task is registered in the Task Scheduler folder C(wcow.buildkit). A task left there by a run whose connection
        dropped is removed by the first run with O(as_user) at least 10 minutes later, once it is not running.
      - The connecting user when not set.
    type: str
  addr:
    description:
      - buildkitd's address (C(--addr)), such as C(npipe:////./pipe/buildkitd); buildctl's default when not set.
      - Either C(npipe:////./pipe/<name>) (or C(npipe:////<server>/pipe/<name>)) with a pipe name of letters, digits,
        C(.), C(_) and C(-), or C(tcp://<host>:<port>); anything else is refused before the host is touched.
    type: str
extends_documentation_fragment:
  - wcow.buildkit.attributes
attributes:
  check_mode:
    support: full
    details: Changes nothing, so it runs in check mode as well.
  diff_mode:
    support: none
  idempotent:
    support: full
seealso:
  - module: wcow.buildkit.buildkitd_service
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Check that buildkitd answers
  wcow.buildkit.buildctl_debug_info:
  register: buildkit_info

- name: Check that a member of buildkit-users may use buildkitd
  wcow.buildkit.buildctl_debug_info:
    as_user: alice
'''

RETURN = r'''
version:
  description: BuildKit version buildkitd reports, with the leading C(v); null when it did not answer.
  returned: always
  type: str
  sample: v0.23.2
revision:
  description: Git revision buildkitd reports; null when it did not answer.
  returned: always
  type: str
  sample: 8ffe1d4f9a0d4b4ef43a4fae3d2b5ad3f2a0c2a1
reachable:
  description: Whether buildkitd answered.
  returned: always
  type: bool
user:
  description: User C(buildctl) ran as.
  returned: always
  type: str
  sample: Administrator
exit_code:
  description: Exit code of C(buildctl); null when it could not run.
  returned: always
  type: int
stdout:
  description: What C(buildctl) printed.
  returned: always
  type: str
  sample: "BuildKit: github.com/moby/buildkit v0.23.2 8ffe1d4f9a0d4b4ef43a4fae3d2b5ad3f2a0c2a1\n"
stderr:
  description: What C(buildctl) printed to its error stream.
  returned: always
  type: str
'''
