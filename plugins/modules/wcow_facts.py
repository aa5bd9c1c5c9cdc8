#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/wcow_facts.py.

DOCUMENTATION = r'''
---
module: wcow_facts
short_description: Gather facts about a Windows container build host, and refuse hosts the collection does not support
version_added: 0.1.0
description:
  - Reads, in one PowerShell run, what a BuildKit host for Windows containers is made of, and returns it as the
    C(wcow) fact (C(ansible_facts.wcow)).
  - The OS caption, edition, build and update revision (C(CurrentBuildNumber) and C(UBR) of
    C(HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion)), product type and the machine's architecture.
  - The states of the optional features C(Containers) and C(Microsoft-Hyper-V) (C(Microsoft-Hyper-V-All) on client
    editions); the HNS networks; the containerd and buildkitd services with the flags of their command lines and the
    C(--version) of the programs they run; the programs in the install directories; whether those directories are on
    the machine C(PATH); and whether a restart is pending.
  - On the controller it works out the base image tags the host can run with process isolation, by the rule of
    hcsshim's C(CheckHostAndContainerCompat) (below build 20348 the image build must equal the host's; from 20348 on
    it must lie between the newest LTSC build older than the host and the host's own), whether the host is supported,
    and known problems, which are also shown as warnings.
  - Never changes the host; C(changed) is always false, in check mode too.
  - The compatibility gate is the O(fail_unsupported) option rather than a module of its own, so that a role checks
    the host in the same task, and the same PowerShell run, that gathers the facts it then uses, and the check can
    never be made on facts gathered earlier. The facts RV(ansible_facts.wcow.supported) and
    RV(ansible_facts.wcow.unsupported_reasons) are returned whatever the option says.
options:
  gather:
    description:
      - The parts to read. V(all) reads every part; V(os) is always read, since the gate and the base images need it.
      - V(features), V(hns), V(services) (the services and the versions of the programs they run), V(binaries) (the
        programs in O(containerd_dir) and O(buildkit_dir)), V(path) (the machine C(PATH)) and V(reboot).
      - A part that is not read is missing from the facts.
    type: list
    elements: str
    choices: [all, os, features, hns, services, binaries, path, reboot]
    default: [all]
  containerd_service:
    description:
      - Name of the containerd service.
    type: str
    default: containerd
  buildkitd_service:
    description:
      - Name of the buildkitd service.
    type: str
    default: buildkitd
  containerd_dir:
    description:
      - Directory containerd is installed in. Environment variables are expanded on the host.
      - C(containerd.exe) there is probed, and the directory looked for on the machine C(PATH).
    type: str
    default: '%ProgramFiles%\containerd'
  buildkit_dir:
    description:
      - Directory BuildKit is installed in. Environment variables are expanded on the host.
      - C(buildkitd.exe) and C(buildctl.exe) there are probed, and the directory looked for on the machine C(PATH).
    type: str
    default: '%ProgramFiles%\buildkit'
  fail_unsupported:
    description:
      - Fail the task when the host is not supported, with a message naming its build and architecture, every reason
        and the supported builds. Nothing is changed on the host before; use it as the first task of a play or role.
      - Supported are builds 17763 (Windows Server 2019), 20348 (Windows Server 2022), 22000, 22621 and 22631
        (Windows 11 21H2 to 23H2), 26100 (Windows Server 2025, Windows 11 24H2) and 26200 (Windows 11 25H2);
        client editions only from Windows 11 on; architecture amd64.
    type: bool
    default: false
  allow_arm64_without_cni:
    description:
      - Accept arm64 hosts. BuildKit publishes arm64 binaries, but the CNI plugin
        (microsoft/windows-container-networking) is published for amd64 only, so builds on such a host run without a
        network. Without this option an arm64 host is not supported.
    type: bool
    default: false
extends_documentation_fragment:
  - wcow.buildkit.attributes
attributes:
  check_mode:
    support: full
    details: The module only reads the host and runs the same in check mode.
  diff_mode:
    support: none
  idempotent:
    support: full
notes:
  - The architecture is the machine's C(PROCESSOR_ARCHITECTURE) from the system environment in the registry; the
    variable a process sees can be that of an emulated x64 process on an arm64 host.
  - Versions come from running C(containerd.exe --version), C(buildkitd.exe --version) and C(buildctl.exe --version)
    on the host.
seealso:
  - name: Windows container version compatibility
    description: Which container images a Windows host runs with process isolation.
    link: https://learn.microsoft.com/virtualization/windowscontainers/deploy-containers/version-compatibility
  - name: BuildKit on Windows
    description: The guide whose hosts these facts describe.
    link: https://github.com/moby/buildkit/blob/master/docs/windows.md
  - module: wcow.buildkit.win_container_features
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Gather facts and refuse hosts the collection does not support
  wcow.buildkit.wcow_facts:
    fail_unsupported: true

- name: Show the base image to build from
  ansible.builtin.debug:
    msg: "mcr.microsoft.com/windows/nanoserver:{{ ansible_facts.wcow.base_images.recommended_tags.nanoserver }}"

- name: Read only the services, for services registered under other names
  wcow.buildkit.wcow_facts:
    gather: [services]
    containerd_service: containerd-test
    buildkitd_service: buildkitd-test

- name: Accept an arm64 host, whose builds have no network
  wcow.buildkit.wcow_facts:
    fail_unsupported: true
    allow_arm64_without_cni: true
'''

RETURN = r'''
ansible_facts:
  description: The facts.
  returned: always
  type: dict
  contains:
    wcow:
      description: Facts about the Windows container build host.
      type: dict
      contains:
        gathered:
          description: The parts read (V(os) always).
          type: list
          elements: str
          sample: [os, features, hns, services, binaries, path, reboot]
        os:
          description: The operating system.
          type: dict
          sample:
            caption: Microsoft Windows Server 2022 Datacenter
            edition_id: ServerDatacenter
            build: 20348
            ubr: 3207
            version: 10.0.20348.3207
            display_version: 21H2
            release: Windows Server 2022
            product_type: server
            architecture: amd64
          contains:
            caption:
              description: C(Win32_OperatingSystem.Caption).
              type: str
            edition_id:
              description: C(EditionID) of C(HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion).
              type: str
            build:
              description: C(CurrentBuildNumber), as a number.
              type: int
            ubr:
              description: C(UBR), the update build revision.
              type: int
            version:
              description: C(10.0.<build>.<ubr>).
              type: str
            display_version:
              description: C(DisplayVersion), or C(ReleaseId) on builds without it.
              type: str
            release:
              description: The supported release this build is, or null.
              type: str
            product_type:
              description: V(server), V(workstation) (client editions) or V(domain_controller).
              type: str
            architecture:
              description: V(amd64), V(arm64) or another C(PROCESSOR_ARCHITECTURE), lower case.
              type: str
        supported:
          description: Whether the collection supports this host (with O(allow_arm64_without_cni) taken into account).
          type: bool
          sample: true
        unsupported_reasons:
          description: Why the host is not supported; empty when it is.
          type: list
          elements: str
          sample: []
        base_images:
          description: The Windows base images this host runs with process isolation.
          type: dict
          sample:
            builds: [20348, 26100]
            servercore: [ltsc2022, ltsc2025]
            nanoserver: [ltsc2022, ltsc2025]
            recommended: ltsc2025
            recommended_tags: {servercore: ltsc2025, nanoserver: ltsc2025}
          contains:
            builds:
              description: Build numbers of the LTSC images the host runs.
              type: list
              elements: int
            servercore:
              description: Tags of C(mcr.microsoft.com/windows/servercore).
              type: list
              elements: str
            nanoserver:
              description: Tags of C(mcr.microsoft.com/windows/nanoserver); Nano Server for 2019 is C(1809).
              type: list
              elements: str
            recommended:
              description: The newest LTSC release among them (C(ltsc2019), C(ltsc2022), C(ltsc2025)), or null.
              type: str
            recommended_tags:
              description:
                - The servercore and nanoserver tags of RV(ansible_facts.wcow.base_images.recommended), or null.
              type: dict
        warnings:
          description: Known problems of this host (also shown as warnings).
          type: list
          elements: str
        features:
          description: Optional feature name to state (C(Enabled), C(EnablePending), C(Disabled), ...), for the features
            this edition has.
          type: dict
          sample: {Containers: Enabled, Microsoft-Hyper-V: Disabled}
        hns:
          description: HNS networks.
          type: dict
          contains:
            available:
              description: False until the Containers feature is enabled and the host restarted.
              type: bool
            error:
              description: Why HNS could not be read; empty when it was.
              type: str
            networks:
              description: Every HNS network, with C(id), C(name), C(type), C(network_adapter_name) and C(subnets)
                (C(address_prefix), C(gateway_address)).
              type: list
              elements: dict
        services:
          description: The containerd and buildkitd services, under the keys C(containerd) and C(buildkitd).
          type: dict
          contains:
            containerd:
              description:
                - C(exists), C(name), C(state) (C(Running), C(Stopped), ...), C(start_type) (C(auto), C(delayed),
                  C(manual), C(disabled)), C(start_mode), C(image_path) (unexpanded), C(binary), C(program) (the file
                  the service runs, its C(path), C(exists), C(version)), C(arguments) (the daemon's, without the
                  service flags), C(flags) (flag to value; a list for repeatable flags), C(flags_error), C(run_service),
                  C(service_name_flag), C(dependencies), C(account), C(process_id), C(version), C(version_error).
              type: dict
            buildkitd:
              description: As RV(ansible_facts.wcow.services.containerd).
              type: dict
        binaries:
          description: C(containerd), C(buildkitd) and C(buildctl) in the install directories, each with C(path),
            C(exists), C(version) and C(version_error).
          type: dict
        path:
          description: The machine C(PATH).
          type: dict
          contains:
            kind:
              description: Registry kind of the value (C(ExpandString), C(String), C(None) when absent).
              type: str
            containerd:
              description: C(directory) (expanded), C(present) and C(count) of O(containerd_dir) on the C(PATH).
              type: dict
            buildkit:
              description: The same for O(buildkit_dir).
              type: dict
            entries:
              description: Every entry that mentions containerd or buildkit, as written.
              type: list
              elements: str
        reboot:
          description: Whether a restart is pending.
          type: dict
          contains:
            pending:
              description: A pending-restart indicator is set, or a feature waits for a restart.
              type: bool
            reasons:
              description: The indicators set (C(component_based_servicing), C(windows_update),
                C(pending_file_rename_operations)).
              type: list
              elements: str
            features_pending:
              description: Features whose state is C(EnablePending) or C(DisablePending).
              type: list
              elements: str
            last_boot_time:
              description: C(Win32_OperatingSystem.LastBootUpTime) in UTC.
              type: str
'''
