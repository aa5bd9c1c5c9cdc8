#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/win_container_features.py.

DOCUMENTATION = r'''
---
module: win_container_features
short_description: Enable the Windows features that containers need, and restart the host once when asked
version_added: 0.1.0
description:
  - Enables the C(Containers) optional feature, and C(Microsoft-Hyper-V) when O(hyperv=true), as the first step of
    BuildKit's guide to Windows containers does.
  - On Windows 10 and 11 (client editions, C(Win32_OperatingSystem.ProductType) 1) Hyper-V is always enabled,
    whatever O(hyperv) says, under the name these editions use, C(Microsoft-Hyper-V-All). Server editions have no
    C(Microsoft-Hyper-V-All) and use C(Microsoft-Hyper-V).
  - Features are enabled with their parent features (C(Enable-WindowsOptionalFeature -All -NoRestart)). A feature
    that reports C(EnablePending) is already enabled and waits for a restart; it is not enabled again, but the
    module reports RV(reboot_required).
  - With O(reboot=true), when a restart is needed for these features, the module restarts the host once with
    C(shutdown.exe /r /t 2), waits until C(Win32_OperatingSystem.LastBootUpTime) changes, and fails unless every
    feature then reports C(Enabled). A shutdown already scheduled on the host is aborted and replaced, with a warning.
  - A restart that other changes wait for (Component Based Servicing, Windows Update, pending file renames) is
    reported as a warning and never performed by this module.
  - In check mode the host is never restarted; the module reports RV(reboot_required) and whether it would change
    or restart.
options:
  hyperv:
    description:
      - Enable C(Microsoft-Hyper-V) on Windows Server as well.
      - Ignored on client editions, where C(Microsoft-Hyper-V-All) is always enabled.
    type: bool
    default: false
  reboot:
    description:
      - Restart the host when the features need it, and wait for it to come back.
      - When V(false), the features stay C(EnablePending) until the host restarts, and HNS networking (and so
        BuildKit's C(nat) network) is not available until then.
    type: bool
    default: false
  reboot_timeout:
    description:
      - Seconds to wait, after the restart was scheduled, for the host to answer with a new boot time.
      - The task fails when the host has not come back within that time.
    type: int
    default: 600
  connect_timeout:
    description:
      - Connection timeout in seconds while waiting for the host to come back. It replaces the connection's
        C(connection_timeout) option during the wait, and the previous value is restored afterwards.
    type: int
    default: 5
  post_reboot_delay:
    description:
      - Seconds to wait after scheduling the restart before checking whether the host is back.
    type: int
    default: 0
  msg:
    description:
      - Message shown to logged-on users, passed to C(shutdown.exe /c).
      - At most 512 characters, without double quotes or line breaks.
    type: str
    default: Reboot initiated by Ansible to enable Windows container features
extends_documentation_fragment:
  - wcow.buildkit.attributes
  - wcow.buildkit.attributes.full
notes:
  - The module restarts at most once per task, and runs at most three PowerShell commands for it (the read, one
    command that enables the features and schedules the restart, and one read after the new boot).
  - While the host restarts, the module waits out the 2 seconds given to C(shutdown.exe /t), then opens and closes
    WinRM shells (no PowerShell starts) every half second until the host stops answering. Then it waits about a
    second, half as long again after each failure up to 10 seconds, resetting the connection each time, until the
    host answers and its boot time is new. A read that still finds the old boot sends it back to waiting for the
    shutdown.
  - A boot time that moved by less than a second is the same boot; Windows' C(LastBootUpTime) can differ by a few
    milliseconds between reads.
seealso:
  - name: BuildKit on Windows
    description: The guide whose first step this module automates.
    link: https://github.com/moby/buildkit/blob/master/docs/windows.md
  - module: ansible.windows.win_reboot
  - module: ansible.windows.win_optional_feature
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Enable Containers and restart when needed
  wcow.buildkit.win_container_features:
    reboot: true

- name: Enable Containers and Hyper-V on a server, restart later
  wcow.buildkit.win_container_features:
    hyperv: true
  register: features

- name: Restart in a maintenance window
  ansible.windows.win_reboot:
  when: features.reboot_required
'''

RETURN = r'''
features:
  description:
    - The features this task manages and their state afterwards, as C(Get-WindowsOptionalFeature) reports it
      (C(Enabled), C(EnablePending), ...). In check mode, the state a run would leave.
  returned: always
  type: dict
  sample:
    Containers: Enabled
    Microsoft-Hyper-V: Enabled
reboot_required:
  description: Whether the features still need a restart to take effect.
  returned: always
  type: bool
  sample: false
rebooted:
  description: Whether the host was restarted.
  returned: always
  type: bool
  sample: true
elapsed:
  description: Seconds between scheduling the restart and the host answering with a new boot time; 0 without a restart.
  returned: always
  type: float
  sample: 48.2
'''
