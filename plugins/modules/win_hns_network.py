#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/win_hns_network.py.

DOCUMENTATION = r'''
---
module: win_hns_network
short_description: Ensure a Host Networking Service (HNS) network is present or absent on Windows
version_added: 0.1.0
description:
  - Ensures an HNS network of a given name and type exists on a Windows host, such as the C(nat) network that
    Windows containers and the nat CNI plugin use.
  - Windows Server 2022, Windows Server 2025 and Windows 11 create a C(nat) network by default; Windows Server 2019
    does not, and this module creates it.
  - Talks to HNS through the C(HNSCall) function of C(vmcompute.dll); nothing is downloaded to the host.
  - A network that already matches is never deleted and created again, since containers depend on it. One that
    differs in type or subnet is only replaced when O(recreate=true).
  - HNS is available only once the C(Containers) feature is enabled and the host rebooted. Before that the module
    fails, or in check mode reports the network as to be created, with a warning.
  - When it creates a network, the module records the network's HNS id as the data of a C(REG_SZ) value named after
    the network, under C(HKLM:\SOFTWARE\wcow.buildkit\HnsNetworks). Only a network whose id matches that record
    counts as created by the module. HNS gives a network a new id whenever it is created, so a network that Windows
    builds again itself (the default C(nat) network is rebuilt at each boot) never matches a record.
  - The record is written right after the network is created, in the same step. Should that write fail, the network
    stays unrecorded; O(state=absent) then keeps it, which errs on the side of keeping a network.
options:
  name:
    description:
      - Name of the HNS network. Compared without regard to case, as C(Get-HnsNetwork | Where-Object Name -eq) does.
    type: str
    required: true
  state:
    description:
      - V(present) creates the network when no network of that name exists.
      - V(absent) deletes the network of that name that this module created (see O(only_if_created)), and the record
        that it created it.
    type: str
    choices: [present, absent]
    default: present
  type:
    description:
      - HNS network type. Compared without regard to case with the existing network.
    type: str
    choices: [ics, internal, l2bridge, l2tunnel, nat, overlay, private, transparent]
    default: nat
  subnet:
    description:
      - Address prefix in CIDR notation, such as C(172.20.0.0/16), used when the network is created.
      - When given, an existing network must have this subnet; when omitted, any subnet is accepted and HNS chooses
        one at creation.
    type: str
  gateway:
    description:
      - Gateway address inside O(subnet). Defaults to the first host address of O(subnet).
      - Requires O(subnet).
    type: str
  adapter_name:
    description:
      - Name of the network adapter to bind, as BuildKit's guide does with C(New-HnsNetwork -AdapterName).
      - Used only when the network is created.
    type: str
  enforce_subnet:
    description:
      - When V(false), O(subnet) and O(gateway) are used only to create a missing network; an existing network is
        accepted whatever its subnet, such as the default C(nat) network of Windows Server 2022, whose subnet HNS
        chooses.
    type: bool
    default: true
  recreate:
    description:
      - Delete and create again a network of that name whose type or subnet differs from the options.
      - Containers attached to the network lose their network.
    type: bool
    default: false
  only_if_created:
    description:
      - With O(state=absent), delete a network only when this module created it. A network of that name that it did
        not create, such as the default C(nat) network of Windows Server 2022, is kept, and the result says so in
        C(msg).
      - When V(false), every network of that name is deleted.
      - Not used with O(state=present).
    type: bool
    default: true
extends_documentation_fragment:
  - wcow.buildkit.attributes
  - wcow.buildkit.attributes.full
seealso:
  - name: BuildKit on Windows
    description: The guide whose networking step this module automates.
    link: https://github.com/moby/buildkit/blob/master/docs/windows.md
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Ensure the nat network exists (created on Windows Server 2019)
  wcow.buildkit.win_hns_network:
    name: nat
    subnet: 172.20.0.0/16
    gateway: 172.20.0.1

- name: Ensure a nat network, creating it with this subnet only where it is missing
  wcow.buildkit.win_hns_network:
    name: nat
    subnet: 172.20.0.0/16
    enforce_subnet: false

- name: Remove the nat network if this module created it (Windows Server 2019); keep the default one elsewhere
  wcow.buildkit.win_hns_network:
    name: nat
    state: absent

- name: Remove a network whoever created it
  wcow.buildkit.win_hns_network:
    name: buildnet
    state: absent
    only_if_created: false
'''

RETURN = r'''
id:
  description:
    - HNS id of the network after the task; null when absent, or when it would be created in check mode.
    - With O(state=absent), the id of a network that was kept.
  returned: always
  type: str
  sample: 2A3B8D9E-1C4F-4B7A-9E2D-0F5A6B7C8D9E
type:
  description: HNS type of the network after the task as HNS reports it; null when absent.
  returned: always
  type: str
  sample: NAT
created_by_collection:
  description:
    - Whether the network that exists after the task was created by this module (its id matches the record); false
      when no network of that name exists.
  returned: always
  type: bool
  sample: true
msg:
  description: Why a network was kept with O(state=absent) and O(only_if_created=true).
  returned: when a network of that name was kept
  type: str
  sample: >-
    HNS network 'nat' (id 2A3B8D9E-1C4F-4B7A-9E2D-0F5A6B7C8D9E) kept: wcow.buildkit did not create it
    (only_if_created=true)
subnets:
  description: Subnets of the network.
  returned: always
  type: list
  elements: dict
  contains:
    address_prefix:
      description: Address prefix in CIDR notation.
      type: str
      sample: 172.20.0.0/16
    gateway_address:
      description: Gateway address.
      type: str
      sample: 172.20.0.1
'''
