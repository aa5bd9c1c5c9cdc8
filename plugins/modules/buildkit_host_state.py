#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/buildkit_host_state.py.

DOCUMENTATION = r'''
---
module: buildkit_host_state
short_description: Read and plan every resource of a BuildKit host in one PowerShell execution
version_added: 0.2.0
description:
  - Reads the state of every resource the tasks of a role of this collection manage (by default C(buildkit_host), that is
    the container features, containerd, the CNI plugins, the nat network and its config, BuildKit and their services)
    in one PowerShell execution, and plans each resource with the action plugin of its own module, in check mode;
    each resource's result is what its task would report in check mode.
  - The tasks, their arguments and their conditions are read from the roles' task files and templated with the host's
    variables over the roles' defaults, as the roles would. Tasks of modules outside C(wcow.buildkit) (such as
    M(ansible.builtin.fail)) are not run.
  - A task whose condition depends on the result of another task is decided with that result; when it then reads
    something the batch did not, it reads it on its own.
  - It changes nothing on the host. The C(buildkit_host) role runs it when C(wcow_whole_host) is true, and runs the
    roles only for a host with something to change, outside check mode.
options:
  role:
    description:
      - The role of this collection whose tasks are the resources. Its C(include_role) tasks of roles of this
        collection are followed.
    type: str
    default: buildkit_host
extends_documentation_fragment:
  - wcow.buildkit.attributes
  - wcow.buildkit.attributes.full
notes:
  - Handlers are not planned; they act on changes, which the roles make.
seealso:
  - module: wcow.buildkit.wcow_facts
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Read and plan the whole host at once
  wcow.buildkit.buildkit_host_state:
  register: host_state

- name: Converge with the roles only when something differs
  ansible.builtin.include_role:
    name: wcow.buildkit.buildkit_host
  when: not host_state.in_sync
'''

RETURN = r'''
in_sync:
  description: Whether every resource is as the roles would leave it (no task would change anything) and none failed.
  returned: always
  type: bool
resources:
  description: One entry per task of the roles, in order, up to the first that failed.
  returned: always
  type: list
  elements: dict
  contains:
    role:
      description: The role the task belongs to.
      type: str
    task:
      description: The task's name.
      type: str
    module:
      description: The task's module, as written in the role.
      type: str
    result:
      description: What the task returned in check mode (with C(diff) in diff mode), or C(skipped) when its condition
        did not hold.
      type: dict
ansible_facts:
  description: The facts the planned tasks set (the C(wcow) facts of M(wcow.buildkit.wcow_facts)).
  returned: when a task set facts
  type: dict
'''
