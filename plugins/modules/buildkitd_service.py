#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/buildkitd_service.py.

DOCUMENTATION = r'''
---
module: buildkitd_service
short_description: Keep buildkitd registered, configured and running as a Windows service
version_added: 0.1.0
description:
  - Registers C(buildkitd.exe) as a Windows service the way C(buildkitd --register-service) does, and keeps that
    registration as the options describe it. The flags are compared with the service's registered command line, so a
    flag changed by hand, a dependency removed by hand or a service deleted by hand is found (also in check mode) and
    corrected.
  - C(--register-service) freezes its flags into the service's command line and fails when the service exists. When
    the program, the flags or the account differ, the module stops the service, deletes it, registers it again with
    C(buildkitd --register-service) and starts it. buildkitd then checks the new flags itself; for example a group in
    O(groups) that does not exist fails the registration with C(failed to lookup sid for group <name>).
  - When any step of a change fails, the previous registration (command line, start type, dependencies, display
    name, description, recovery actions) is put back and the service is started again if it ran. The task fails with
    the reason, and says so when putting the previous state back failed too.
  - Start type, dependencies, display name, description and recovery actions are changed in place. The display
    name, description and recovery actions are kept as C(--register-service) sets them. These are C(Buildkitd),
    C(Container image build engine) and restart after 15 s, restart after 15 s, then nothing, reset after one day.
  - C(--register-service) sets no dependency. By default the service depends on C(containerd), so Windows starts
    containerd first and buildkitd's containerd worker finds its pipe.
  - Optionally writes C(buildkitd.toml) (O(manage_config)) from a built-in template, with the CNI paths, the network
    mode, the listening addresses and registry mirrors. The file is compared as TOML and replaced atomically. A
    running service is restarted when it changed.
  - Options are checked before the host is touched. This covers unknown flags in O(extra_args), group names and paths.
  - buildkitd always gets C(--config). The config file and its folder, and buildkitd's default config folder
    C(C:\ProgramData\buildkitd) (whose C(buildkitd.toml) buildkitd reads at startup whatever C(--config) says),
    get a protected DACL, owner Administrators, SYSTEM and Administrators full control, nothing for other users.
    An owner or DACL that lets non-administrators write them is drift, reported in check mode and corrected.
  - The log's folder (O(log_file)) and buildkitd's data root (C(--root) in O(extra_args), C(root) of the written
    config, else C(C:\ProgramData\buildkitd\.buildstate)) get the same DACL. buildkitd creates its root inheriting
    its parent's DACL and does not create the log's folder, so a missing one is created protected before buildkitd
    first starts, unless it lies below another of these folders and inherits its protection. Users get no read
    access to the log. Only folders that are missing or loosened get a new DACL; Windows then rewrites the inherited
    entries of everything below (a build cache takes a while). Drive roots and folders Windows shares with other
    programs (C(C:\Windows), C(C:\Program Files), C(C:\ProgramData), C(C:\Users) and each profile) are never
    given it.
  - A run costs one round trip to read the host, and when something changes, at most two more (the config file
    and its permissions, then the service).
options:
  name:
    description:
      - The service name.
      - C(--register-service) gives every buildkitd the display name C(Buildkitd), which must be unique on a host. A
        second buildkitd service cannot be registered this way.
    type: str
    default: buildkitd
  binary:
    description:
      - Path of C(buildkitd.exe) on the host. The module runs C(<binary> --version) to check it and to report the
        version.
      - In check mode a missing binary is reported as a warning (it may be installed by an earlier task); otherwise
        the task fails before anything is changed.
    type: str
    default: C:\Program Files\buildkit\buildkitd.exe
  dependencies:
    description:
      - Services that Windows starts before buildkitd. The default is containerd, which buildkitd's only Windows
        worker needs.
      - An empty list removes every dependency.
      - With O(state=started) or O(state=restarted), a dependency that is not installed fails the task before
        anything is changed. In check mode it is a warning.
    type: list
    elements: str
    default: [containerd]
  cni_config_path:
    description:
      - The CNI network config buildkitd uses, C(--containerd-cni-config-path).
      - The default is BuildKit's own default from v0.22.0 on, written out so that older releases use it too.
      - When the file does not exist and O(network_mode=auto), buildkitd starts without networking for builds.
    type: str
    default: C:\Program Files\containerd\cni\conf\0-containerd-nat.conf
  cni_binary_dir:
    description:
      - The folder of the CNI plugin binaries (C(nat.exe)), C(--containerd-cni-binary-dir).
    type: str
    default: C:\Program Files\containerd\cni\bin
  containerd_address:
    description:
      - containerd's pipe, C(--containerd-worker-addr).
    type: str
    default: \\.\pipe\containerd-containerd
  debug:
    description:
      - Debug logging, C(--debug).
    type: bool
    default: false
  log_file:
    description:
      - Where buildkitd writes its log, C(--log-file). Its folder must exist.
      - Without a log file, a buildkitd service writes its log nowhere. Set an empty string for that.
      - The last lines of the log go into the message of a failed start.
    type: str
    default: C:\ProgramData\buildkitd\buildkitd.log
  groups:
    description:
      - Local or domain groups (C(NAME) or C(DOMAIN\NAME)) whose members may use buildkitd, C(--group). buildkitd
        grants them read and write on its pipe. Administrators and SYSTEM always have access.
      - Written as one comma-separated C(--group), as buildkitd reads it. A group name cannot hold a comma.
      - Each group must exist on the host; create it first, for example with M(wcow.buildkit.win_local_group).
      - BuildKit before v0.14.0 does not restrict the pipe; the module warns.
    type: list
    elements: str
    default: []
  config_path:
    description:
      - The config file buildkitd reads, C(--config), always passed.
      - When omitted, C(C:\ProgramData\buildkitd\buildkitd.toml). With O(manage_config=false) its content is left
        as it is; when it does not exist an empty file (buildkitd's defaults) is written, since buildkitd does not
        start when C(--config) names a missing file. A path given here must exist unless O(manage_config=true).
      - The file and its folder (unless a drive root) get the protected DACL described above.
    type: str
    aliases: [config]
  extra_args:
    description:
      - Further buildkitd flags, such as C(--containerd-worker-gc-keepstorage=20000).
      - Each is checked against buildkitd's flags before the host is touched. An unknown flag fails the task, and so
        do the flags that the module's options or the registration set (C(--log-file), C(--group),
        C(--service-name), ...).
    type: list
    elements: str
    default: []
  tlscert:
    description:
      - The server certificate (PEM) buildkitd presents on its TCP listeners, C(--tlscert), as an absolute path on the
        host.
      - Required, with O(tlskey) and O(tlscacert), when buildkitd listens on a C(tcp://) address (O(grpc_addresses),
        C(--addr) in O(extra_args), or the C([grpc]) address of O(config_template)). Without mutual TLS anyone who
        reaches the port runs builds on a daemon running as SYSTEM, since the group options guard only the named
        pipe.
      - Requires O(tlskey) and O(tlscacert).
    type: str
  tlskey:
    description:
      - The private key of O(tlscert), C(--tlskey), as an absolute path on the host.
      - Requires O(tlscert) and O(tlscacert).
    type: str
  tlscacert:
    description:
      - The CA certificate (PEM) that client certificates must chain to, C(--tlscacert). With it buildkitd refuses
        clients without a certificate of this CA (mutual TLS).
      - Requires O(tlscert) and O(tlskey).
    type: str
  firewall:
    description:
      - Keep an inbound Windows Firewall rule for buildkitd's C(tcp://) listeners - TCP, their local ports, the program
        O(binary), from O(firewall_remote_addresses), in every profile. The rule's Name is
        C(wcow.buildkit.<name>.tcp) and its group C(wcow.buildkit); a rule of that Name changed or deleted by hand is
        created again.
      - The rule is removed when buildkitd no longer listens on TCP, with O(firewall=false), and with O(state=absent).
      - Without a C(tcp://) address no rule is created.
    type: bool
    default: true
  firewall_remote_addresses:
    description:
      - The remote addresses the firewall rule admits, as IP addresses or networks (V(10.0.0.0/8), V(fd00::/8)). Empty
        admits any address; mutual TLS still refuses clients without a certificate of O(tlscacert).
      - Applies when buildkitd listens on TCP and O(firewall=true).
    type: list
    elements: str
    default: []
  manage_config:
    description:
      - Write O(config_path) from the built-in template (or O(config_template)), with C([worker.containerd])
        (containerd address, network mode, CNI paths), C([grpc]) addresses and registry mirrors.
    type: bool
    default: false
  network_mode:
    description:
      - C(networkMode) of the containerd worker in the config file. V(auto) uses the CNI config when it exists and
        builds without a network when it does not. V(cni) requires it, so buildkitd does not start without it.
      - C(host) is not offered. buildkitd refuses it on Windows.
      - Requires O(manage_config=true) to take effect.
    type: str
    choices: [auto, cni]
    default: auto
  grpc_addresses:
    description:
      - Addresses buildkitd listens on (C([grpc] address)), such as C(npipe:////./pipe/buildkitd) (the default) or
        C(tcp://0.0.0.0:1234). Requires O(manage_config=true).
      - A C(tcp://) address requires O(tlscert), O(tlskey) and O(tlscacert).
    type: list
    elements: str
  registry_mirrors:
    description:
      - Registry mirrors, as a dictionary of a registry host (such as C(docker.io)) to a list of mirror hosts.
        Written as C([registry."<host>"] mirrors = [...]). Requires O(manage_config=true).
    type: dict
  gc:
    description:
      - Build cache garbage collection of the containerd worker, written to C([worker.containerd]) of buildkitd.toml
        (keys of moby/buildkit C(cmd/buildkitd/config/config.go)). Requires O(manage_config=true).
      - Values are checked on the controller before the host is touched, as buildkitd parses them.
      - Without it, buildkitd uses its default policies, which on Windows reserve 20% of the disk (at most 10GB),
        use at most 80% (at most 100GB) and try to leave 20% free (C(cmd/buildkitd/config/gcpolicy_windows.go)).
    type: dict
    suboptions:
      enabled:
        description:
          - C(gc), whether buildkitd collects garbage at all. Unset leaves buildkitd's default (enabled).
        type: bool
      reserved_space:
        description:
          - C(reservedSpace), disk space the build cache may always keep.
          - A size such as V(10GB), V(512MB) or V(2GiB) (binary multiples, as buildkitd reads them), a number of bytes,
            or a percentage of the disk such as V(10%). Negative values and percentages above 100 are refused.
        type: raw
      max_used_space:
        description:
          - C(maxUsedSpace), the most disk space the build cache may use; more is removed at the next collection.
          - Same values as O(gc.reserved_space).
        type: raw
      min_free_space:
        description:
          - C(minFreeSpace), the free disk space the collection tries to leave, never going below
            O(gc.reserved_space).
          - Same values as O(gc.reserved_space).
        type: raw
      policies:
        description:
          - C([[worker.containerd.gcpolicy]]) tables, in order. When set, they replace buildkitd's default
            policies; a collection applies them one after the other.
        type: list
        elements: dict
        suboptions:
          all:
            description:
              - C(all), the policy also removes internal records, not only the build cache.
            type: bool
            default: false
          filters:
            description:
              - C(filters), which cache records the policy applies to, as C(buildctl prune --filter) takes them,
                such as V(type==exec.cachemount) or V(type==source.local). Empty for all.
            type: list
            elements: str
            default: []
          keep_duration:
            description:
              - C(keepDuration), records used within this time are kept.
              - A duration such as V(48h) or V(1h30m) (units ns, us, ms, s, m, h) or a whole number of seconds.
            type: raw
          reserved_space:
            description:
              - C(reservedSpace) of the policy, disk space the records the policy matches may always keep.
              - Same values as O(gc.reserved_space).
            type: raw
          max_used_space:
            description:
              - C(maxUsedSpace) of the policy, the most disk space the records the policy matches may use; more is
                removed at the next collection.
              - Same values as O(gc.policies[].reserved_space).
            type: raw
          min_free_space:
            description:
              - C(minFreeSpace) of the policy, the free disk space the collection of the records the policy matches
                tries to leave, never going below O(gc.policies[].reserved_space).
              - Same values as O(gc.policies[].reserved_space).
            type: raw
  config_template:
    description:
      - A Jinja2 template on the controller to render instead of the built-in one, found as M(ansible.builtin.template)
        finds its source. It is rendered in a sandbox with the variables C(containerd_address), C(network_mode),
        C(cni_config_path), C(cni_binary_dir), C(grpc_addresses), C(registry_mirrors) and C(gc) (the GC keys as
        written to the file, or None), and the filter C(to_toml).
        The output must be valid TOML. Requires O(manage_config=true).
    type: path
notes:
  - The service runs as LocalSystem, as C(--register-service) sets it.
  - Paths are given to buildkitd as they are. buildkitd expands no C(%VARIABLES%), so they must be absolute.
  - A failure after the config file was written leaves the new file in place. buildkitd reads it at its next start,
    and the module starts the service again when it puts the previous registration back.
  - With O(state=absent) and O(remove_data=true), the data removed is the data root (C(--root) in O(extra_args), else
    C(root) in the config the module writes, else buildkitd's default V(C:\\ProgramData\\buildkitd\\.buildstate))
    and O(log_file), then their folder when nothing else is left in it (V(C:\\ProgramData\\buildkitd) by default).
extends_documentation_fragment:
  - wcow.buildkit.attributes
  - wcow.buildkit.attributes.full
  - wcow.buildkit.service
seealso:
  - module: wcow.buildkit.win_local_group
  - module: wcow.buildkit.win_cni_config
  - module: wcow.buildkit.win_release_archive
  - name: BuildKit on Windows
    description: The guide whose buildkitd service step this module makes idempotent.
    link: https://github.com/moby/buildkit/blob/master/docs/windows.md
  - name: buildkitd.toml
    description: The config file's keys.
    link: https://github.com/moby/buildkit/blob/master/docs/buildkitd.toml.md
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Run buildkitd as a service that members of buildkit-users may use
  wcow.buildkit.buildkitd_service:
    groups: [buildkit-users]

- name: Debug logging, a registry mirror and CNI networking required
  wcow.buildkit.buildkitd_service:
    debug: true
    groups: [buildkit-users]
    manage_config: true
    network_mode: cni
    registry_mirrors:
      docker.io: [mirror.example.com:5000]

- name: Keep the build cache under 50GB, dropping cache mounts and local sources unused for two days first
  wcow.buildkit.buildkitd_service:
    groups: [buildkit-users]
    manage_config: true
    gc:
      reserved_space: 10GB
      max_used_space: 50GB
      min_free_space: 20%
      policies:
        - filters: [type==exec.cachemount, type==source.local]
          keep_duration: 48h
          max_used_space: 5GB
        - keep_duration: 1440h
          max_used_space: 50GB
        - all: true
          max_used_space: 50GB

- name: Also listen on TCP port 1234, for clients holding a certificate of the build CA only (mutual TLS)
  wcow.buildkit.buildkitd_service:
    groups: [buildkit-users]
    manage_config: true
    grpc_addresses:
      - npipe:////./pipe/buildkitd
      - tcp://0.0.0.0:1234
    tlscert: C:\ProgramData\buildkitd\certs\server.pem
    tlskey: C:\ProgramData\buildkitd\certs\server-key.pem
    tlscacert: C:\ProgramData\buildkitd\certs\client-ca.pem

- name: Listen on TCP port 1234 with mutual TLS, the firewall admitting the build network only
  wcow.buildkit.buildkitd_service:
    groups: [buildkit-users]
    extra_args: [--addr, npipe:////./pipe/buildkitd, --addr, tcp://0.0.0.0:1234]
    tlscert: C:\ProgramData\buildkitd\certs\server.pem
    tlskey: C:\ProgramData\buildkitd\certs\server-key.pem
    tlscacert: C:\ProgramData\buildkitd\certs\client-ca.pem
    firewall_remote_addresses: [10.20.0.0/16]

- name: Remove the service
  wcow.buildkit.buildkitd_service:
    state: absent

- name: Remove the service, the buildkitd.toml it wrote, the build cache and the log
  wcow.buildkit.buildkitd_service:
    state: absent
    manage_config: true
    remove_data: true
'''

RETURN = r'''
removed:
  description:
    - With O(state=absent), the paths removed (or, in check mode, that would be), in order - the config file, the
      data folders and the log, then the folders left empty.
  returned: when O(state=absent)
  type: list
  elements: str
  sample: ['C:\ProgramData\buildkitd\buildkitd.toml', 'C:\ProgramData\buildkitd\.buildstate']
config_removed:
  description: Whether the config file was (or would be) removed (see O(remove_config)).
  returned: when O(state=absent)
  type: bool
name:
  description: The service name.
  returned: always
  type: str
  sample: buildkitd
version:
  description: The version C(<binary> --version) reports; null with O(state=absent) or when the binary is missing in
    check mode.
  returned: always
  type: str
  sample: v0.23.2
arguments:
  description: The buildkitd flags the service is to run with, without the service's own; null with O(state=absent).
  returned: always
  type: list
  elements: str
  sample: [--log-file, 'C:\ProgramData\buildkitd\buildkitd.log', --containerd-worker-addr,
           '\\.\pipe\containerd-containerd']
command_line:
  description: The command line C(--register-service) writes for these options; null with O(state=absent).
  returned: always
  type: str
  sample: '"C:\Program Files\buildkit\buildkitd.exe" --run-service --service-name buildkitd --log-file ...'
config_path:
  description: O(config_path), or the default path with O(manage_config=true); null otherwise.
  returned: always
  type: str
config:
  description: The rendered config file; null without O(manage_config), and unless the run shows differences (C(--diff)) or is
    verbose (C(-vv) or more), so that whole config files stay out of registered results and logs.
  returned: always
  type: str
config_changed:
  description: Whether the config file was (in check mode, would be) written.
  returned: always
  type: bool
backup_file:
  description: Where the replaced config file was kept; null when no backup was made.
  returned: always
  type: str
changes:
  description: What was (in check mode, would be) changed, in words.
  returned: always
  type: list
  elements: str
  sample: [write the config, register the service again (its flags differ)]
actions:
  description: What the host did, in order (empty in check mode and when nothing changed).
  returned: always
  type: list
  elements: str
  sample: [stopped, deleted, registered, configured, started]
service:
  description: The service after the task (in check mode, as it would be); C(exists) false when absent.
  returned: always
  type: dict
  contains:
    exists:
      description: Whether the service is registered.
      type: bool
    command_line:
      description: The registered command line (ImagePath).
      type: str
    start_type:
      description: auto, delayed, manual or disabled.
      type: str
    dependencies:
      description: The services it depends on.
      type: list
      elements: str
    environment:
      description: The variables of the service's C(Environment) value, credentials in URLs hidden.
      type: dict
    state:
      description: Running or Stopped.
      type: str
firewall_rule:
  description: The module's Windows Firewall rule after the task (in check mode, as it would be); C(exists) false
    when there is none.
  returned: always
  type: dict
  contains:
    exists:
      description: Whether the rule exists.
      type: bool
    name:
      description: The rule's Name, C(wcow.buildkit.<name>.tcp).
      type: str
    local_ports:
      description: The TCP ports it opens.
      type: list
      elements: str
    remote_addresses:
      description: The remote addresses it admits, IPv4 networks with their mask as Windows reports them, or C(Any).
      type: list
      elements: str
    program:
      description: The program it applies to.
      type: str
  sample: {exists: true, name: wcow.buildkit.buildkitd.tcp, display_name: 'BuildKit buildkitd (TCP, mutual TLS)',
           group: wcow.buildkit, enabled: true, direction: Inbound, action: Allow, profile: Any, protocol: TCP,
           local_ports: ['1234'], remote_addresses: [10.20.0.0/255.255.0.0],
           program: 'C:\Program Files\buildkit\buildkitd.exe'}
'''
