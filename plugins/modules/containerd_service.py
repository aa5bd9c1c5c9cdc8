#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/containerd_service.py.

DOCUMENTATION = r'''
---
module: containerd_service
short_description: Run containerd as a reconciled Windows service, with its config.toml
version_added: 0.1.0
description:
  - Keeps containerd registered as a Windows service the way C(containerd.exe --register-service) registers it, with
    the command line, start type and recovery actions wanted, its C(config.toml) written from a template, and the
    service started, stopped, restarted or removed.
  - C(--register-service) freezes the flags of the registering command line into the service's command line
    (C(--run-service --service-name <name> <flags>)) and fails when the service exists. This module compares the
    registered command line with the wanted one flag by flag (C(--flag=value) is C(--flag value), the order of the
    flags does not matter). A flag changed by hand is reported in check mode and put back; the command line is
    rewritten in place (C(sc.exe config binPath=)) and a running service restarted. A service deleted by hand is
    registered again.
  - The config file is compared as TOML, so formatting and comments do not matter. When it changes, a running
    containerd is restarted to read it.
  - Refuses containerd older than O(min_version) (1.7.7 at the lowest, the oldest release BuildKit works with; with
    1.6.x builds fail with C(failed to create scratch layer), moby/buildkit#4826). The version is read from
    C(containerd.exe --version) in the same round trip that reads the service and the config; when O(version) is
    given it is checked before anything reaches the host.
  - One task reads the host once and, when something differs, writes the config once and changes the service once.
  - What containerd reads and writes is writable only by SYSTEM and Administrators. The config file, its folder, the
    log's folder (O(log_file)), the root and the state (O(config.root), O(config.state)) get a protected DACL, owner
    Administrators, SYSTEM and Administrators full control, nothing for other users. The config's folder keeps
    read and execute for Users when it holds the binary's folder (the default C(C:\Program Files\containerd), whose
    C(bin) is on the PATH). A missing config or log folder is created with that DACL, and so is a missing root or
    state, before containerd starts (the same DACL containerd gives them), recorded as the collection's own for
    O(remove_data). An owner or DACL that lets non-administrators write any
    of them is drift, reported in check mode (with a diff) and corrected with the config write, without a restart.
  - Only folders that are missing or loosened get a new DACL. Windows then rewrites the inherited entries of
    everything below the folder, which on a root holding images takes a while; explicit entries and owners
    (TrustedInstaller's image files) stay. Files a user created in a loosened folder stay too, and are theirs.
  - Drive roots and folders Windows shares with other programs (C(C:\Windows) and below, C(C:\Program Files),
    C(C:\ProgramData), C(C:\Users) and each profile) are never given this DACL. With O(manage_config=false) and no
    O(config_path), permissions are not looked at.
options:
  name:
    description:
      - Name of the service.
      - V(containerd) is registered by C(containerd.exe --register-service), display name C(Containerd). Another name
        (a second containerd) is registered with C(sc.exe create) under its own name as display name, since
        C(--register-service) gives every containerd the display name C(Containerd), which must be unique; the
        command line, description and recovery actions are the same.
    type: str
    default: containerd
  binary:
    description:
      - Path of C(containerd.exe) on the host. The release archive C(containerd-<version>-windows-amd64.tar.gz)
        holds it as C(bin/containerd.exe); installed into C(C:\Program Files\containerd) it is the default.
      - A literal absolute path, since containerd does not expand environment variables such as C(%ProgramFiles%).
    type: str
    default: C:\Program Files\containerd\bin\containerd.exe
  version:
    description:
      - The containerd version you install, such as V(2.1.4). When given, it is checked against O(min_version)
        before anything reaches the host, and a warning says so when the binary reports another version.
      - Also chooses the layout of the config in check mode when the binary is not installed yet.
    type: str
  min_version:
    description:
      - The oldest containerd accepted. A binary reporting an older version fails the task, and nothing is changed.
      - Cannot be lower than V(1.7.7).
    type: str
    default: 1.7.7
  manage_config:
    description:
      - Write the config file O(config_path) from the template and pass it with C(--config).
      - When V(false), the file is not touched; C(--config) is passed only when O(config_path) is given (the file
        must then exist, or containerd fails to start), else containerd reads its default path when the file exists.
    type: bool
    default: true
  config_path:
    description:
      - Path of the config file, passed to containerd with C(--config).
      - A literal absolute path. Defaults to C(C:\Program Files\containerd\config.toml) when O(manage_config=true).
    type: str
  config:
    description:
      - Values of the built-in template. Each defaults to what containerd uses on Windows.
      - 'The config is written in the layout of the containerd version found on the host: C(version = 2) with the CNI
        directories under C(plugins."io.containerd.grpc.v1.cri".cni) for 1.7, C(version = 3) under
        C(plugins."io.containerd.cri.v1.runtime".cni) from 2.0, with the list C(bin_dirs) instead of C(bin_dir) from
        2.1.'
    type: dict
    default: {}
    suboptions:
      root:
        description: Folder of containerd's persistent data (C(root)).
        type: str
        default: C:\ProgramData\containerd\root
      state:
        description: Folder of containerd's runtime state (C(state)).
        type: str
        default: C:\ProgramData\containerd\state
      grpc_address:
        description:
          - Named pipe containerd serves its API on (C([grpc] address)); BuildKit's containerd worker connects to
            the default.
        type: str
        default: \\.\pipe\containerd-containerd
      cni_bin_dir:
        description: Folder of the CNI plugin binaries the CRI plugin uses.
        type: str
        default: C:\Program Files\containerd\cni\bin
      cni_conf_dir:
        description: Folder of the CNI configs the CRI plugin uses.
        type: str
        default: C:\Program Files\containerd\cni\conf
  config_extra:
    description:
      - Further keys and tables for the config, merged into what the built-in template writes. Nested dictionaries
        are tables; see the examples.
      - A key the module writes itself (such as C(grpc.address) or C(root)) cannot be set here; use O(config).
      - Values must be strings, numbers, booleans, lists or dictionaries; null is refused.
      - Mutually exclusive with O(config_template).
    type: dict
  config_template:
    description:
      - A Jinja2 template of your own for the whole config file, looked up like M(ansible.builtin.template) sources
        (the role's or playbook's C(templates) folder).
      - It gets the variables C(root), C(state), C(grpc_address), C(cni_bin_dir), C(cni_conf_dir) (from O(config)),
        C(config_version), C(cri_runtime_plugin), C(cni_bin_dirs) (the layout for the containerd version found),
        C(containerd_version), C(config_extra) and C(document) (the config the built-in template would write, as a
        dictionary), and the filters C(to_toml), C(toml_value) and C(toml_key). It is rendered on the controller in a
        sandbox, without Ansible's filters and variables; the result must be valid TOML.
      - Mutually exclusive with O(config_extra).
    type: path
  log_file:
    description:
      - Path of containerd's log, passed with C(--log-file). Without it, a containerd service's log goes to C(NUL).
      - Its folder must exist when containerd starts; containerd creates its O(config.root) first, so a file in the
        parent folder of the root (C(C:\ProgramData\containerd\containerd.log)) works on a new host.
      - Its last lines are quoted when the service fails to start.
      - Its folder gets the protected DACL described above, created with it when missing. Users get no read access
        to it; the log names registries and images and may quote credentials in errors.
    type: str
  log_level:
    description: Passed with C(--log-level). When omitted, containerd's default (C(info)) applies.
    type: str
    choices: [trace, debug, info, warn, error, fatal, panic]
  extra_args:
    description:
      - Further flags of containerd, such as V(--root=D:\\containerd), checked against the flags containerd knows
        before anything reaches the host. An unknown flag fails the task.
      - The flags the module writes (C(--config), C(--log-file), C(--log-level)) and those of the registration
        (C(--register-service), C(--run-service), C(--service-name), ...) are refused here.
    type: list
    elements: str
    default: []
  stop_dependents:
    description:
      - When the service must stop (a restart, O(state=stopped), O(state=absent)) while services depending on it run,
        such as buildkitd, stop them first; after a restart they are started again.
      - When V(false), the task fails in that case, as C(Stop-Service) without C(-Force) does.
    type: bool
    default: true
notes:
  - When the config is written but the service then fails to restart, the task fails and says so; if containerd
    still runs with the previous config, run again with O(state=restarted).
  - Changing the command line of a running service restarts it, since the Service Control Manager reads the command
    line only when it starts a service.
  - In check mode, a binary that is not installed yet is reported in a warning and the service is planned as if it
    were, so that a whole role can be checked on a new host.
  - With O(state=absent) and O(remove_data=true), the data removed is the root and state folders O(config.root) and
    O(config.state) name (with their defaults) and O(log_file), then their folder when nothing else is left in it
    (V(C:\\ProgramData\\containerd) by default).
  - With O(state=absent) and O(remove_config=true), the config file is recognised in each layout containerd reads
    (1.7, 2.0, 2.1). The CNI folders it named (O(config.cni_bin_dir), O(config.cni_conf_dir)) and their parents
    below the config's folder go too when they are empty (the C(cni) role's uninstall empties them), so that the
    installation folder can go with the release archive.
extends_documentation_fragment:
  - wcow.buildkit.attributes
  - wcow.buildkit.attributes.full
  - wcow.buildkit.service
seealso:
  - module: wcow.buildkit.win_release_archive
  - module: wcow.buildkit.win_path_entry
  - name: BuildKit on Windows
    description: The guide whose containerd step this module makes repeatable.
    link: https://github.com/moby/buildkit/blob/master/docs/windows.md
  - name: containerd on Windows (cmd/containerd/command/service_windows.go)
    description: What C(--register-service) and C(--log-file) do.
    link: https://github.com/containerd/containerd/blob/main/cmd/containerd/command/service_windows.go
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Register and start containerd with its default config
  wcow.buildkit.containerd_service:
    version: 2.1.4

- name: Reach registries through a proxy
  wcow.buildkit.containerd_service:
    service_environment:
      HTTPS_PROXY: http://proxy.example.com:3128
      NO_PROXY: localhost,127.0.0.1,.corp.example.com

- name: Log to a file at debug level
  wcow.buildkit.containerd_service:
    log_file: C:\ProgramData\containerd\containerd.log
    log_level: debug

- name: Keep images on another disk and add a table to the config
  wcow.buildkit.containerd_service:
    config:
      root: D:\containerd\root
    config_extra:
      debug:
        level: info
      plugins:
        io.containerd.cri.v1.images:
          snapshotter: windows

- name: Restart containerd (and the services depending on it)
  wcow.buildkit.containerd_service:
    state: restarted

- name: Remove the service and the config it wrote (binaries and data stay)
  wcow.buildkit.containerd_service:
    state: absent

- name: Remove the service, its config, images and snapshots, and its log
  wcow.buildkit.containerd_service:
    state: absent
    remove_data: true
    log_file: C:\ProgramData\containerd\containerd.log
'''

RETURN = r'''
removed:
  description:
    - With O(state=absent), the paths removed (or, in check mode, that would be), in order - the config file, the
      data folders and the log, then the folders left empty.
  returned: when O(state=absent)
  type: list
  elements: str
  sample: ['C:\Program Files\containerd\config.toml', 'C:\ProgramData\containerd\root']
config_removed:
  description: Whether the config file was (or would be) removed (see O(remove_config)).
  returned: when O(state=absent)
  type: bool
name:
  description: O(name).
  returned: always
  type: str
  sample: containerd
version:
  description:
    - Version that C(containerd.exe --version) reports; O(version) in check mode when the binary is not installed
      yet; null with O(state=absent).
  returned: always
  type: str
  sample: v2.1.4
command_line:
  description: The wanted command line of the service, as the registration writes it; null with O(state=absent).
  returned: always
  type: str
  sample: '"C:\Program Files\containerd\bin\containerd.exe" --run-service --service-name containerd --config "C:\Program Files\containerd\config.toml"'
config_path:
  description: O(config_path) (its default when O(manage_config=true)).
  returned: always
  type: str
  sample: C:\Program Files\containerd\config.toml
config:
  description: The config text written (or that would be written); null when O(manage_config=false) or O(state=absent),
    and unless the run shows differences (C(--diff)) or is verbose (C(-vv) or more).
  returned: always
  type: str
config_changed:
  description: Whether the config file was (or would be) written.
  returned: always
  type: bool
backup_file:
  description: Where the replaced config was kept when O(backup=true); null otherwise.
  returned: always
  type: str
changes:
  description: What differed and was (or would be) changed, in words.
  returned: always
  type: list
  elements: str
  sample: [write the config, 'protect C:\ProgramData\containerd (BUILTIN\Users may write)', set the command line,
           restart the service]
actions:
  description: What the host did, in order (empty in check mode and when nothing changed).
  returned: always
  type: list
  elements: str
  sample: [command line set, stopped, started, started dependent buildkitd]
service:
  description: The service after the task (predicted in check mode); C(exists) is false when there is none.
  returned: always
  type: dict
  contains:
    exists:
      description: Whether the service exists.
      type: bool
    command_line:
      description: Its command line (registry C(ImagePath)).
      type: str
    start_type:
      description: C(auto), C(delayed), C(manual) or C(disabled).
      type: str
    display_name:
      description: Its display name.
      type: str
    description:
      description: Its description.
      type: str
    recovery:
      description: Recovery actions, C(reset_period_s) and C(actions) (C(type), C(delay_ms)).
      type: dict
    environment:
      description: The variables of the service's C(Environment) value, credentials in URLs hidden.
      type: dict
    state:
      description: C(Running), C(Stopped), ...
      type: str
    dependents:
      description: Services depending on it, with their state.
      type: list
      elements: dict
'''
