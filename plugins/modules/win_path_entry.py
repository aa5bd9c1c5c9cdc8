#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/win_path_entry.py.

DOCUMENTATION = r'''
---
module: win_path_entry
short_description: Ensure a directory is on the Windows machine or user PATH exactly once, or not at all
version_added: 0.1.0
description:
  - Ensures one directory is present exactly once on, or absent from, the C(Path) environment variable of the machine
    (C(HKLM:\System\CurrentControlSet\Control\Session Manager\Environment)) or of the connecting user
    (C(HKCU:\Environment)), such as C(%ProgramFiles%\buildkit) for C(buildctl.exe).
  - Entries are compared without regard to case, ignoring surrounding double quotes and trailing backslashes. An entry
    also counts as the directory when its expanded form matches, so C(%ProgramFiles%\buildkit) and
    C(C:\Program Files\buildkit) are the same entry.
  - Copies of the directory already on the PATH are collapsed into the first one, which keeps its place and spelling.
    Every other entry, empty entries included, keeps its text and its order.
  - The value is read without expanding C(%VARIABLES%) and written as C(REG_EXPAND_SZ) through the registry, then
    C(WM_SETTINGCHANGE) is broadcast, as M(ansible.windows.win_path) does.
    C([Environment]::SetEnvironmentVariable) is not used because it writes C(REG_SZ).
  - A C(REG_SZ) PATH, as C([Environment]::SetEnvironmentVariable) leaves it, is read as is and written back as
    C(REG_EXPAND_SZ) when the module changes it.
  - When another process changes the PATH between the module's read and its write, the module fails without writing,
    rather than lose that change; running the task again applies it to the new value.
  - Processes already running, including the WinRM session of the task, keep the PATH they started with.
options:
  path:
    description:
      - The directory, as it is to be written to the PATH.
      - An absolute path (C(C:\...)), a UNC share (C(\\server\share\...)), or a path starting with an environment
        variable (C(%ProgramFiles%\...)), written with backslashes.
      - Must not contain C(;) or double quotes.
    type: str
    required: true
  state:
    description:
      - V(present) adds the directory when no entry matches it and removes later copies.
      - V(absent) removes every entry that matches it.
    type: str
    choices: [present, absent]
    default: present
  scope:
    description:
      - V(machine) changes the PATH of every user, V(user) the PATH of the user the task connects as.
    type: str
    choices: [machine, user]
    default: machine
  position:
    description:
      - Where the directory is added when it is not on the PATH yet. An entry already there is not moved.
      - With V(append), a PATH ending with C(;) keeps ending with it.
    type: str
    choices: [append, prepend]
    default: append
extends_documentation_fragment:
  - wcow.buildkit.attributes
  - wcow.buildkit.attributes.full
notes:
  - In diff mode, the PATH before and after is shown one entry per line.
seealso:
  - module: ansible.windows.win_path
  - name: BuildKit on Windows
    description: The guide whose PATH step this module automates.
    link: https://github.com/moby/buildkit/blob/master/docs/windows.md
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Put BuildKit's folder on the machine PATH once
  wcow.buildkit.win_path_entry:
    path: '%ProgramFiles%\buildkit'

- name: Put a tools folder first on the connecting user's PATH
  wcow.buildkit.win_path_entry:
    path: C:\tools\bin
    scope: user
    position: prepend

- name: Remove every copy of an old folder from the machine PATH
  wcow.buildkit.win_path_entry:
    path: C:\ProgramData\buildkitd\bin
    state: absent
'''

RETURN = r'''
path_value:
  description:
    - The PATH value after the task, unexpanded; in check mode, the value it would have.
  returned: always
  type: str
  sample: '%SystemRoot%\system32;%SystemRoot%;%ProgramFiles%\buildkit'
'''
