#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/preflight.py.

DOCUMENTATION = r'''
---
module: preflight
short_description: Check the variables of the collection's roles on the controller, before anything reaches a host
version_added: 0.1.0
description:
  - Checks the variables of the entry points of the collection's roles, as the host's inventory, group_vars and extra
    vars give them, and fails listing every problem at once, each with the variable's name. It runs on the
    controller only and opens no connection to the host.
  - Required variables that are not set.
  - Values of the wrong type, converted as ansible-core's role argument spec validation converts them (so V("false")
    is a boolean, V("maybe") is not).
  - "Values the module they are passed to would refuse, checked by that module's own checks: checksums
    (C(sha256:<hex>)), URLs, the nat subnet (CIDR), daemon flags (C(extra_args)), Windows paths, group and member
    names, versions."
  - C(wcow_*) variables that no role of the collection reads (a misspelt name), with the closest known name.
  - The variables of an entry point are those of its C(meta/argument_specs.yml) and those of the collection's roles
    its tasks include (C(buildkit_host) runs C(windows_containers), C(containerd), C(cni) and C(buildkit)).
  - The roles C(buildkit_host) and C(buildkit_verify) run it first, through their dependency on the C(preflight)
    role, so a mistake fails before the first task that touches a host.
options:
  roles:
    description:
      - The entry points whose variables to check, as V(role) (its C(main) entry point) or V(role:entry_point), with
        or without the C(wcow.buildkit.) prefix.
      - When not set, the entry point of the role that depends on the role running this task (the C(preflight)
        role as a dependency of C(buildkit_host) checks C(buildkit_host:main), or C(buildkit_host:uninstall) when
        the uninstall entry point is included).
    type: list
    elements: str
extends_documentation_fragment:
  - wcow.buildkit.attributes
attributes:
  action:
    details: Runs on the controller only; it needs no connection to the host.
  check_mode:
    support: full
    details: The module only reads variables and runs the same in check mode.
  diff_mode:
    support: none
  idempotent:
    support: full
notes:
  - Variables a role's C(defaults/main.yml) gives are not checked when the host's variables do not set them.
seealso:
  - module: ansible.builtin.validate_argument_spec
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Check the variables of the upgrade before the first host is touched
  wcow.buildkit.preflight:
    roles:
      - buildkit:upgrade

- name: Check the variables of the converge and the verify roles
  wcow.buildkit.preflight:
    roles:
      - wcow.buildkit.buildkit_host
      - wcow.buildkit.buildkit_verify
'''

RETURN = r'''
entry_points:
  description: The entry points checked, as C(role (entry point)).
  returned: always
  type: str
  sample: buildkit_host (main)
'''
