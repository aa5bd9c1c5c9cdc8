#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/win_defender_exclusion.py.

DOCUMENTATION = r'''
---
module: win_defender_exclusion
short_description: Keep Microsoft Defender Antivirus exclusions for processes and folders
version_added: 0.2.0
description:
  - Adds the given process and folder exclusions to Microsoft Defender Antivirus, or removes them, with
    C(Add-MpPreference) and C(Remove-MpPreference) (C(-ExclusionProcess), C(-ExclusionPath)), as
    L(containers-toolkit,https://github.com/microsoft/containers-toolkit) does for C(containerd.exe) and
    C(buildkitd.exe).
  - Only the entries given are added or removed. Every other exclusion on the host, whoever set it, stays as it is.
  - Entries compare without regard to case and to a trailing backslash, as Defender keeps them as registry value
    names. An entry already there in another spelling is left as it is.
  - Where Defender cannot be asked, the task does nothing and succeeds, unchanged, with a message (and a warning
    with O(state=present)) - on Windows Server without the C(Windows-Defender) feature (no C(WinDefend) service), and
    where C(Get-MpPreference) fails with HRESULT C(0x800106ba) because Defender does not run (disabled when another
    antivirus is the primary one, or by a policy).
  - Defender in passive mode (another antivirus with Defender for Endpoint, or C(ForceDefenderPassiveMode) on Windows
    Server) keeps and shows its exclusions, and the module manages them as in active mode.
  - 'Where the policy C(HideExclusionsFromLocalAdmins) hides the exclusions from local administrators,
    C(Get-MpPreference) shows C(N/A: Must be an administrator to view exclusions) in their place. The module cannot
    compare them then: it changes nothing and succeeds with a warning; manage the exclusions where that policy is set.'
  - The account the task connects as must be an administrator of the host; the task fails otherwise.
options:
  processes:
    description:
      - Executables to exclude, each by its full path, such as C(C:\Program Files\containerd\bin\containerd.exe).
        Defender then does not scan the files that process opens; a bare name would exclude every process of that
        name, wherever it runs from, so only full paths ending in C(.exe) are accepted.
      - A local absolute path, without wildcards (C(*), C(?)), environment variables (C(%VAR%)) or forward slashes.
    type: list
    elements: str
    default: []
  paths:
    description:
      - Folders to exclude, such as the daemons' data roots (C(C:\ProgramData\containerd\root)). Defender then does not
        scan the files below them.
      - A local absolute path, without wildcards, environment variables or forward slashes, and not a drive root.
      - O(processes) or O(paths) must name at least one entry.
    type: list
    elements: str
    default: []
  state:
    description:
      - V(present) adds the entries the host lacks.
      - V(absent) removes the host's entries that match one given.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - wcow.buildkit.attributes
  - wcow.buildkit.attributes.full
notes:
  - In diff mode, the diff shows which of the given entries the host has before and after, one per line; the other
    exclusions of the host are not shown.
  - Exclusions make Defender skip files, so give only what the daemons themselves write and run.
seealso:
  - name: Configure exclusions for files opened by processes
    description: What a process exclusion with a full path covers.
    link: https://learn.microsoft.com/en-us/defender-endpoint/configure-process-opened-file-exclusions-microsoft-defender-antivirus
  - name: Microsoft Defender Antivirus compatibility with other security products
    description: When Defender runs in active or passive mode, is disabled or removed.
    link: https://learn.microsoft.com/en-us/defender-endpoint/microsoft-defender-antivirus-compatibility
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Exclude containerd's executable and data folders from Defender scans
  wcow.buildkit.win_defender_exclusion:
    processes:
      - C:\Program Files\containerd\bin\containerd.exe
    paths:
      - C:\ProgramData\containerd\root
      - C:\ProgramData\containerd\state

- name: Remove the exclusion of buildkitd's executable
  wcow.buildkit.win_defender_exclusion:
    processes:
      - C:\Program Files\buildkit\buildkitd.exe
    state: absent
'''

RETURN = r'''
available:
  description:
    - Whether Defender answered and showed its exclusions. When false, nothing was compared or changed and C(msg) says
      why.
  returned: always
  type: bool
  sample: true
hidden:
  description: Whether Defender hid its exclusions from the account (the policy C(HideExclusionsFromLocalAdmins)).
  returned: always
  type: bool
  sample: false
processes:
  description: The entries of O(processes) the host has after the task, as the host spells them (in check mode, would have).
  returned: always
  type: list
  elements: str
  sample: ['C:\Program Files\containerd\bin\containerd.exe']
paths:
  description: The entries of O(paths) the host has after the task, as the host spells them (in check mode, would have).
  returned: always
  type: list
  elements: str
  sample: ['C:\ProgramData\containerd\root']
added:
  description: The entries added (in check mode, that would be).
  returned: always
  type: dict
  contains:
    processes:
      description: Process exclusions added.
      type: list
      elements: str
    paths:
      description: Folder exclusions added.
      type: list
      elements: str
  sample: {processes: ['C:\Program Files\containerd\bin\containerd.exe'], paths: []}
removed:
  description: The entries removed (in check mode, that would be), as the host spelled them.
  returned: always
  type: dict
  contains:
    processes:
      description: Process exclusions removed.
      type: list
      elements: str
    paths:
      description: Folder exclusions removed.
      type: list
      elements: str
  sample: {processes: [], paths: ['C:\ProgramData\containerd\root']}
msg:
  description: Why nothing was compared or changed.
  returned: when RV(available) is false
  type: str
  sample: >-
    Microsoft Defender Antivirus is not installed on this host (there is no WinDefend service, as after
    Uninstall-WindowsFeature Windows-Defender); no exclusion was added.
'''
