#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/win_cni_config.py.

DOCUMENTATION = r'''
---
module: win_cni_config
short_description: Render the NAT CNI config that containerd and BuildKit use on Windows
version_added: 0.1.0
description:
  - Writes the config file of the C(nat) CNI plugin of microsoft/windows-container-networking, rendered with Jinja2
    from a built-in template or from a template of your own.
  - The subnet and gateway come from the options, or, when O(subnet) is omitted, from the first subnet of the live
    HNS network named O(network_name), read in the same task. The default C(nat) network of Windows Server 2022 and
    Windows 11 may get another subnet at each reboot; run this module after a reboot and it renders the config again
    when the subnet changed, and only then.
  - Routes are written with the key C(gw), which the plugin reads; the key C(gateway) used by BuildKit's guide is
    silently ignored by the plugin, which then guesses the subnet's first address as gateway.
  - Everything is checked before the host is touched; when the subnet is read from the live network, it is checked
    after that read and before anything is written.
  - The existing file is compared as JSON, so a file formatted differently but holding the same object is left
    alone. A file that is not valid JSON (or starts with a byte order mark, which the plugin's JSON reader refuses)
    is rewritten.
  - The file is written atomically. It is staged beside the target and then swapped in, so a reader never sees half
    a file and a failure leaves the old file in place.
  - When the subnet is to be read from the live network but HNS is not available or no such network exists, the
    module fails; in check mode it reports a change with a warning instead.
  - containerd and buildkitd (SYSTEM) read the config, the first file of its folder in name order. With
    O(state=present) the file and its folder get a protected DACL, owner Administrators, SYSTEM and Administrators
    full control, nothing for other users; a missing folder is created with it. An owner or DACL that lets
    non-administrators write either is drift, reported in check mode (with a diff) and corrected, writing the same
    bytes again when the content is right. Only a folder missing or loosened gets a new DACL. Files a user created
    in a loosened folder stay, and may sort before this one; remove them. A drive root and the folders Windows
    shares with other programs (C(C:\Windows), C(C:\Program Files), C(C:\ProgramData), C(C:\Users) and each
    profile) are never given this DACL.
options:
  path:
    description:
      - Path of the config file on the host. Environment variables such as C(%ProgramFiles%) are expanded on the host.
      - The default is where BuildKit v0.22.0 and newer look for the config. Older BuildKit releases read
        C(C:\ProgramData\buildkitd\cni.json), unless C(cniConfigPath) is set in C(buildkitd.toml).
      - Missing parent directories are created, the file's own folder with the protected DACL described above.
    type: str
    default: C:\Program Files\containerd\cni\conf\0-containerd-nat.conf
  state:
    description:
      - V(present) renders the config and writes it when it differs.
      - V(absent) deletes the file, or with O(backup=true) renames it to a backup file. Its directory goes too when
        nothing is left in it. The HNS network is not touched, and the options that render the config are not used.
    type: str
    choices: [present, absent]
    default: present
  network_name:
    description:
      - The CNI network name (the C(name) field), which the nat plugin uses as the name of the HNS network.
      - When O(subnet) is omitted, the HNS network of this name supplies the subnet and gateway.
    type: str
    default: nat
  subnet:
    description:
      - IPv4 subnet in CIDR notation, such as C(172.20.0.0/16), written as C(ipam.subnet). The prefix must be
        C(/30) or shorter.
      - When omitted, the first subnet (C(AddressPrefix), C(GatewayAddress)) of the live HNS network O(network_name)
        is used. The config then follows that network.
      - When given while a network of that name exists with another subnet, the module warns. The plugin uses an
        existing network as it is, so the config must match it.
    type: str
  gateway:
    description:
      - Gateway address inside O(subnet). Defaults to the first host address of O(subnet).
      - Requires O(subnet).
    type: str
  cni_version:
    description:
      - The C(cniVersion) field. The nat plugin refuses other versions, such as C(0.3.1).
    type: str
    choices: ['0.2.0', '0.3.0', '0.4.0', '1.0.0']
    default: '1.0.0'
  routes:
    description:
      - Routes written to C(ipam.routes).
      - The plugin takes the network's gateway from the first route, so the first route's O(routes[].gw) must be the
        gateway.
      - Defaults to one route with O(routes[].dst=0.0.0.0/0) and O(routes[].gw) the gateway.
    type: list
    elements: dict
    suboptions:
      dst:
        description: Destination in CIDR notation.
        type: str
        default: 0.0.0.0/0
      gw:
        description: Next hop, an address inside the subnet. Defaults to the gateway.
        type: str
  dns_nameservers:
    description:
      - DNS server addresses, written to C(dns.nameservers).
    type: list
    elements: str
    default: []
  dns_search:
    description:
      - DNS search domains, written to C(dns.search).
    type: list
    elements: str
    default: []
  extra:
    description:
      - Further plugin fields, written at the top level of the config as given, such as C(optionalFlags) or
        C(AdditionalArgs).
      - May not set the fields the module writes itself. Those are C(cniVersion), C(name), C(type), C(ipam), C(dns)
        and C(capabilities).
    type: dict
    default: {}
  backup:
    description:
      - Keep the replaced file beside the new one, named C(<path>.<yyyyMMdd-HHmmss>.<random>.bak).
      - With O(state=absent), the file is renamed to that name instead of being deleted.
    type: bool
    default: false
  template:
    description:
      - A Jinja2 template on the controller to render instead of the built-in one. It is found like the
        M(ansible.builtin.template) module finds its source, in the role's or playbook's C(templates) directory first.
      - It is rendered in a sandbox with these variables only. They are C(cni_version), C(network_name),
        C(subnet), C(gateway), C(routes) (a list of C(dst), C(gw)), C(dns_nameservers), C(dns_search) and C(extra).
        The filters C(to_json) and C(to_nice_json) are available.
      - The output must be a JSON object. Otherwise the module fails naming this option, before the host is touched
        when O(subnet) is given.
    type: path
notes:
  - The written file is UTF-8 without a byte order mark.
  - The config does not carry a C(master) key. The nat plugin does not read it.
  - Whatever reads the config must pick up the change. buildkitd reads it at start, so restart it after a change.
extends_documentation_fragment:
  - wcow.buildkit.attributes
  - wcow.buildkit.attributes.full
seealso:
  - module: wcow.buildkit.win_hns_network
  - name: BuildKit on Windows
    description: The guide whose CNI configuration step this module automates.
    link: https://github.com/moby/buildkit/blob/master/docs/windows.md
  - name: windows-container-networking
    description: The nat CNI plugin and the config fields it reads.
    link: https://github.com/microsoft/windows-container-networking
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Render the CNI config from the live default nat network (Windows Server 2022)
  wcow.buildkit.win_cni_config:
  register: cni

- name: Create the nat network on Windows Server 2019, then render the config from it
  block:
    - name: Ensure the nat network
      wcow.buildkit.win_hns_network:
        name: nat
        subnet: 172.20.0.0/16
        gateway: 172.20.0.1

    - name: Render the CNI config
      wcow.buildkit.win_cni_config:
        subnet: 172.20.0.0/16
        gateway: 172.20.0.1
        dns_nameservers: [10.0.0.10]
        dns_search: [corp.example.com]
        backup: true

- name: Remove the config (buildkitd then runs its builds without a network until it is rendered again)
  wcow.buildkit.win_cni_config:
    state: absent

- name: Render your own template
  wcow.buildkit.win_cni_config:
    template: cni-nat.conf.j2
    extra:
      optionalFlags:
        localRoutedPortMapping: true
'''

RETURN = r'''
path:
  description: Path of the config file, environment variables expanded.
  returned: always
  type: str
  sample: C:\Program Files\containerd\cni\conf\0-containerd-nat.conf
config:
  description: The rendered config as an object; null when the subnet could not be read in check mode, with
    O(state=absent), and unless the run shows differences (C(--diff)) or is verbose (C(-vv) or more).
  returned: always
  type: dict
  sample:
    cniVersion: 1.0.0
    name: nat
    type: nat
    capabilities: {portMappings: true, dns: true}
    ipam:
      subnet: 172.20.0.0/16
      routes: [{dst: 0.0.0.0/0, gw: 172.20.0.1}]
content:
  description:
    - The rendered text, as written to the file; null when the subnet could not be read in check mode, with
      O(state=absent), and unless the run shows differences (C(--diff)) or is verbose (C(-vv) or more).
  returned: always
  type: str
subnet:
  description:
    - The subnet rendered into the config; null when it could not be read in check mode, and with O(state=absent).
  returned: always
  type: str
  sample: 172.20.0.0/16
gateway:
  description:
    - The gateway rendered into the config; null when it could not be read in check mode, and with O(state=absent).
  returned: always
  type: str
  sample: 172.20.0.1
backup_file:
  description:
    - Path of the backup of the replaced (or, with O(state=absent), removed) file; null when none was made.
  returned: always
  type: str
  sample: C:\Program Files\containerd\cni\conf\0-containerd-nat.conf.20260101-120000.1a2b3c4d.bak
config_changed:
  description: Whether the config's content differed (false when only permissions did).
  returned: with O(state=present), when the config was rendered
  type: bool
  sample: false
changes:
  description: What differed and was (or would be) changed, in words.
  returned: with O(state=present), when the config was rendered
  type: list
  elements: str
  sample: ['protect C:\Program Files\containerd\cni\conf (BUILTIN\Users may write)']
depends_on:
  description:
    - In check mode, when the subnet cannot be read because what the config follows does not exist yet, what that is
      (the HNS network, or HNS itself). The config is then reported as changed with no diff, and is compared once
      that exists; the P(wcow.buildkit.drift_report#callback) callback shows it as waiting on another resource.
  returned: when the subnet could not be read in check mode
  type: str
  sample: the HNS network 'nat'
'''
