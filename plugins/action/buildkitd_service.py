# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""buildkitd as a reconciled Windows service (see plugins/modules/buildkitd_service.py)."""

from __future__ import annotations

import base64
import dataclasses
import typing as t

from ansible.errors import AnsibleActionFail

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument, OperationError
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.shown_contents import shown
from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons import buildkitd as bk, buildkitd_config as bkconf
from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons import buildkitd_firewall as firewall
from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons import buildkitd_pipe as bk_pipe
from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons.buildkitd_plan import WantedBuildkitd, plan
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service import model as svc, removal
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.action_base import ServiceActionBase
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.environment import checked_environment
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.daemon_flags import BUILDKITD_FLAGS
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.flags import parse_flags
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.plan import (
    SERVICE_STATES,
    ApplyOptions,
    ServicePlan,
    apply_params,
    check_start_type,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.registration import registered_image_path
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.versions import probed_version
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.views import (
    config_diff,
    service_diff,
    service_view,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows import protected_acl

CONFIG_OPTIONS = ('grpc_addresses', 'registry_mirrors', 'gc', 'config_template')

_GC_SPACES = dict(reserved_space=dict(type='raw'), max_used_space=dict(type='raw'), min_free_space=dict(type='raw'))


@dataclasses.dataclass(frozen=True)
class BuildkitdTask:
    """What validate derives: config_path (always set: buildkitd always gets --config), the config the module
    writes as (text, TOML document), None when it does not manage one, whether config_path is the default one
    (an empty file is written there when it is missing), at state=absent what goes besides the service, and
    the firewall rule of its TCP listeners (None: no rule is wanted, and the module's rule goes)."""
    config_path: str
    config: tuple[str, dict[str, t.Any]] | None
    to_remove: removal.Targets | None = None
    default_config: bool = False
    environment: tuple[str, ...] | None = None
    firewall_rule: dict[str, t.Any] | None = None


class ActionModule(ServiceActionBase[BuildkitdTask]):
    ARGUMENT_SPEC = dict(
        name=dict(type='str', default=bk.SERVICE_NAME),
        binary=dict(type='str', default=bk.DEFAULT_BINARY),
        state=dict(type='str', default='started', choices=list(SERVICE_STATES)),
        start_type=dict(type='str', default='auto', choices=list(svc.START_TYPES)),
        dependencies=dict(type='list', elements='str', default=['containerd']),
        cni_config_path=dict(type='str', default=bk.DEFAULT_CNI_CONFIG),
        cni_binary_dir=dict(type='str', default=bk.DEFAULT_CNI_BINARY_DIR),
        containerd_address=dict(type='str', default=bk.DEFAULT_CONTAINERD_ADDRESS),
        debug=dict(type='bool', default=False),
        log_file=dict(type='str', default=bk.DEFAULT_LOG_FILE),
        groups=dict(type='list', elements='str', default=[]),
        config_path=dict(type='str', aliases=['config']),
        extra_args=dict(type='list', elements='str', default=[]),
        tlscert=dict(type='str'),
        tlskey=dict(type='str'),
        tlscacert=dict(type='str'),
        manage_config=dict(type='bool', default=False),
        network_mode=dict(type='str', default='auto', choices=list(bkconf.NETWORK_MODES)),
        grpc_addresses=dict(type='list', elements='str'),
        registry_mirrors=dict(type='dict'),
        gc=dict(type='dict', options=dict(
            enabled=dict(type='bool'),
            policies=dict(type='list', elements='dict', options=dict(
                all=dict(type='bool', default=False),
                filters=dict(type='list', elements='str', default=[]),
                keep_duration=dict(type='raw'),
                **_GC_SPACES)),
            **_GC_SPACES)),
        config_template=dict(type='path'),
        backup=dict(type='bool', default=False),
        timeout=dict(type='int', default=60),
        remove_config=dict(type='bool', default=True),
        remove_data=dict(type='bool', default=False),
        service_environment=dict(type='dict'),
        firewall=dict(type='bool', default=True),
        firewall_remote_addresses=dict(type='list', elements='str', default=[]),
    )
    REQUIRED_TOGETHER = (('tlscert', 'tlskey', 'tlscacert'),)

    # --- before the host is touched -----------------------------------------------

    def validate(self, args: dict[str, t.Any]) -> BuildkitdTask:
        problem = bk.service_name_problem(args['name'])
        if problem:
            raise InvalidArgument('name', problem)
        check_start_type(args['state'], args['start_type'])
        for option, directory in (('binary', False), ('cni_config_path', False), ('cni_binary_dir', True)):
            _check_path(option, args[option], directory)
        if args['log_file']:
            _check_path('log_file', args['log_file'], False)
        if not args['containerd_address'] or any(c in args['containerd_address'] for c in '"\r\n'):
            raise InvalidArgument('containerd_address', '%r is not a pipe address such as %s'
                                  % (args['containerd_address'], bk.DEFAULT_CONTAINERD_ADDRESS))
        for index, dependency in enumerate(args['dependencies']):
            problem = bk.service_name_problem(dependency)
            if problem:
                raise InvalidArgument('dependencies[%d]' % index, problem)
        bad_group = bk.group_list_problem(args['groups'])
        if bad_group:
            raise InvalidArgument(*bad_group)
        bk.check_extra_args(args['extra_args'])
        if args['timeout'] < 1:
            raise InvalidArgument('timeout', 'must be at least 1 second')
        config_path = args['config_path']
        if config_path is not None:
            _check_path('config_path', config_path, False)
        else:
            # buildkitd always gets --config, so that what it reads is a file the module protected
            # (docs/windows-facts.md#protected-dacls).
            config_path = bk.DEFAULT_CONFIG
        config = None
        if args['manage_config']:
            source = self._load_template(args['config_template']) if args['config_template'] else None
            variables = bkconf.template_variables(args)
            config = bkconf.render(variables, source, 'config_template' if source else 'manage_config')
        else:
            for option in CONFIG_OPTIONS:
                if args[option] is not None:
                    raise InvalidArgument(option, 'is written to buildkitd.toml, which needs manage_config=true')
        for option in bk.TLS_OPTIONS:
            if args[option]:
                _check_path(option, args[option], False)
        remote = firewall.remote_addresses(args['firewall_remote_addresses'])
        firewall_rule = None
        if args['state'] != 'absent':
            bk.check_tls(args, config[1] if config else None)
            ports = firewall.local_ports(_tcp_listeners(args, config))
            if ports and args['firewall']:
                firewall_rule = firewall.wanted_rule(args['name'], args['binary'], ports, remote)
        if args['remove_data'] and args['state'] != 'absent':
            raise InvalidArgument('remove_data', 'applies only with state=absent')
        task = BuildkitdTask(config_path, config, default_config=args['config_path'] is None,
                             environment=checked_environment(args), firewall_rule=firewall_rule)
        if args['state'] == 'absent':
            task = dataclasses.replace(task, to_remove=_removal_targets(args, task))
        return task

    def _load_template(self, template: str) -> str:
        source = self.read_template(template, 'config_template')
        bkconf.compile_template(source, 'config_template')
        return source

    # --- on the host ---------------------------------------------------------------------

    def reconcile(self, args: dict[str, t.Any], checked: BuildkitdTask) -> dict[str, t.Any]:
        if args['state'] == 'absent':
            return self._absent(args, checked)
        present = args['state'] != 'absent'
        manage_config = args['manage_config'] and present
        dependencies = [d for d in args['dependencies'] if not d.startswith('+')] if present else []
        wanted = _wanted(args, checked)
        # The pipes' DACLs hold the SIDs the groups had when buildkitd started (buildkitd_pipe.py).
        pipes = bk_pipe.listening_pipes(wanted.arguments, args['grpc_addresses'] if manage_config else None) \
            if present and args['groups'] and args['state'] != 'stopped' else []
        read = self.operation('service_read', {
            'names': [args['name']] + dependencies,
            'probe_versions': [args['binary']] if present else [],
            'read_files': [checked.config_path],
            'pipes': pipes,
            'accounts': list(args['groups']) if pipes else [],
            'acl_paths': _protected_paths(args, checked),
            'data_roots': self.markable([_data_root(args, checked)[1]]),
            'firewall_rules': [firewall.rule_name(args['name'])]})
        roots = [root['path'] for root in read['data_roots'] if not root['exists'] and not root['link']]
        stale = bk_pipe.stale_groups(read['pipes'], read['accounts'])
        warnings: list[str] = []
        version = self._host_version(read['binaries'][0], warnings) if present else None
        if present:
            self._check_dependencies(args, read['services'][1:], warnings)
        config: dict[str, t.Any] = dict(path=checked.config_path, content=None, changed=False, before=None)
        found = read['files'][0]
        config['before'] = base64.b64decode(found['content_b64']) if found['exists'] else None
        if manage_config:
            config['content'], wanted_document = checked.config
            config['changed'] = not bkconf.same_document(bkconf.existing_document(config['before']), wanted_document)
        elif found['exists']:
            # Not the module's to change: the same bytes are written again when only the DACL is wrong.
            config['kept'] = found['content_b64']
        elif checked.default_config:
            # --config names a missing file: buildkitd refuses to start (config.LoadFile), so an empty one
            # (buildkitd's defaults) is written, protected (docs/windows-facts.md#protected-dacls).
            config['content'], config['changed'] = '', True
        else:
            self._missing_config(checked.config_path, warnings)
        # buildkitd protects nothing it creates (os.MkdirAll): every folder of the list is created protected.
        protected_folders = [entry['path'] for entry in read['security'] if entry['path'] != checked.config_path]
        config['protection'] = protected_acl.protection(read['security'], required=protected_folders)
        service_plan = plan(wanted, read['services'][0], args['state'], config_changed=config['changed'] or bool(stale))
        found_rule = read['firewall_rules'][0]
        rule_params, rule_changes = firewall.plan(checked.firewall_rule, found_rule)
        changes = (['write the config'] if config['changed'] else []) + \
            config['protection'].changes() + \
            ['create the data folder %s' % root for root in roots] + service_plan.changes + rule_changes
        if stale and 'restart the service' in changes:
            changes.insert(changes.index('restart the service'), 'restart buildkitd, whose pipe does not admit the '
                           'group %s: created again since buildkitd started' % ', '.join(stale))
        arguments = list(wanted.arguments)
        result = dict(
            changed=bool(changes), name=args['name'], version=version, arguments=arguments if present else None,
            command_line=registered_image_path(args['binary'], args['name'], arguments) if present else None,
            config_path=checked.config_path, config=shown(config['content'], self.diff_mode),
            config_changed=config['changed'],
            backup_file=None, changes=changes, actions=[], service=service_plan.after,
            firewall_rule=firewall.view(checked.firewall_rule) if rule_params else firewall.view(found_rule))
        if not self.check_mode:
            self._apply(args, config, roots, service_plan, rule_params, result)
        warnings.extend(bk.version_warnings(version, args['groups']))
        if warnings:
            result['warnings'] = warnings
        if result['changed'] and self.diff_mode:
            result['diff'] = _diff(args['name'], config, service_plan)
            if rule_params:
                result['diff'].append(firewall.diff(found_rule['name'], firewall.view(found_rule),
                                                    result['firewall_rule']))
        return result

    def _absent(self, args: dict[str, t.Any], checked: BuildkitdTask) -> dict[str, t.Any]:
        result = dict(name=args['name'], version=None, arguments=None, command_line=None,
                      config_path=checked.config_path, config=None, config_changed=False, backup_file=None)
        return self.reconcile_absent(args, checked, checked.to_remove, result)

    def deletion_options(self, args: dict[str, t.Any], checked: BuildkitdTask) -> ApplyOptions:
        return ApplyOptions(timeout_s=args['timeout'])

    def firewall_rule_names(self, args: dict[str, t.Any], checked: BuildkitdTask) -> list[str]:
        return [firewall.rule_name(args['name'])]

    def config_is_ours(self, args: dict[str, t.Any], checked: BuildkitdTask, data: bytes) -> bool:
        return bkconf.same_document(bkconf.existing_document(data), checked.config[1])

    def _host_version(self, probe: dict[str, t.Any], warnings: list[str]) -> str | None:
        version, problem = probed_version(probe)
        if problem is None:
            return version
        if self.check_mode and not probe['exists']:
            warnings.append('%s; in check mode the service is planned as if it were installed (install BuildKit '
                            'first, for example with wcow.buildkit.win_release_archive)' % problem)
            return None
        raise AnsibleActionFail('binary: %s. Nothing was changed.' % problem)

    def _missing_config(self, path: str, warnings: list[str]) -> None:
        problem = ('config_path: %s does not exist, and buildkitd does not start when --config names a missing '
                   'file; write it first or set manage_config=true' % path)
        if self.check_mode:
            warnings.append(problem)
            return
        raise AnsibleActionFail(problem + '. Nothing was changed.')

    def _check_dependencies(self, args: dict[str, t.Any], entries: list[dict[str, t.Any]],
                            warnings: list[str]) -> None:
        missing = [entry['name'] for entry in entries if not entry['exists']]
        if not missing or args['state'] == 'stopped':
            return
        # StartService fails with 1075 when a dependency is not installed (docs/windows-facts.md#windows-services).
        names = ', '.join(repr(name) for name in missing)
        if len(missing) == 1:
            problem = 'service %s does not exist, and buildkitd cannot start without it' % names
        else:
            problem = 'services %s do not exist, and buildkitd cannot start without them' % names
        problem += (' (Win32 error 1075); install and register containerd first, for example with the '
                    'wcow.buildkit.containerd role') if missing == ['containerd'] else ' (Win32 error 1075)'
        if self.check_mode:
            warnings.append('dependencies: %s' % problem)
            return
        raise AnsibleActionFail('dependencies: %s. Nothing was changed.' % problem)

    def _apply(self, args: dict[str, t.Any], config: dict[str, t.Any], roots: list[str], service_plan: ServicePlan,
               rule_params: dict[str, t.Any] | None, result: dict[str, t.Any]) -> None:
        self.write_config_and_data_roots(args, config, roots, result)
        if service_plan.params is None and rule_params is None:
            return
        # The rule changes in the same service_apply, once the service's change succeeded.
        if service_plan.params is not None:
            params = dict(service_plan.params, firewall_rule=rule_params)
        else:
            params = apply_params(args['name'], timeout_s=args['timeout'], firewall_rule=rule_params)
        try:
            applied = self.apply_service(params)
        except OperationError as error:
            message = str(error)
            if 'failed to lookup sid for group' in message:
                message += (' Every group in groups must exist on the host: create it first, for example with '
                            'wcow.buildkit.win_local_group.')
            raise AnsibleActionFail(message)
        result['actions'] = applied['actions']
        result['service'] = service_view(applied['service'])


def _check_path(option: str, path: str, directory: bool) -> None:
    problem = bk.path_problem(path, directory)
    if problem:
        raise InvalidArgument(option, problem)


def _tcp_listeners(args: dict[str, t.Any], config: tuple[str, dict[str, t.Any]] | None) -> list[tuple[str, str]]:
    """(option, address) of each tcp:// address buildkitd listens on: --addr in extra_args, [grpc] address."""
    listeners = [('extra_args', address) for address in bk.tcp_addresses(args['extra_args'], None)]
    option = 'config_template' if args['config_template'] else 'grpc_addresses'
    return listeners + [(option, address) for address in bk.tcp_addresses([], config[1] if config else None)]


def _removal_targets(args: dict[str, t.Any], task: BuildkitdTask) -> removal.Targets:
    data = []
    if args['remove_data']:
        data = [_data_root(args, task), ('log_file', args['log_file'])]
    config_path = task.config_path if args['manage_config'] and args['remove_config'] else None
    return removal.targets(data, config_path, binary=args['binary'])


def _data_root(args: dict[str, t.Any], task: BuildkitdTask) -> tuple[str, str]:
    """(option, root): --root in extra_args, else root in the config the module writes, else the default."""
    root = None
    for name, value in parse_flags(args['extra_args'], BUILDKITD_FLAGS):
        if name == 'root':
            root = value
    if root is not None:
        return 'extra_args', root
    document = task.config[1] if task.config else {}
    if isinstance(document.get('root'), str):
        return ('config_template' if args['config_template'] else 'manage_config'), document['root']
    return 'remove_data', bk.DEFAULT_ROOT


def _wanted(args: dict[str, t.Any], task: BuildkitdTask) -> WantedBuildkitd:
    return WantedBuildkitd(name=args['name'], binary=args['binary'],
                           arguments=tuple(bk.daemon_arguments(args, task.config_path)),
                           start_type=args['start_type'], dependencies=tuple(args['dependencies']),
                           log_file=args['log_file'], timeout_s=args['timeout'], environment=task.environment)


def _diff(name: str, config: dict[str, t.Any], service_plan: ServicePlan) -> list[dict[str, str]]:
    diffs = []
    if service_plan.params is not None:
        diffs.append(service_diff(name, service_plan))
    if config['changed']:
        diffs.append(config_diff(config))
    if config['protection'].unprotected:
        diffs.append(config['protection'].diff())
    return diffs


def _protected_paths(args: dict[str, t.Any], task: BuildkitdTask) -> list[str]:
    """What buildkitd reads or writes, the config file last: buildkitd's default config folder, whose
    buildkitd.toml it reads at startup whatever --config says (docs/windows-facts.md#protected-dacls), the
    config's folder, the log's folder and the data root (docs/windows-facts.md#daemon-folders). Shared folders
    (a drive root, C:\\ProgramData...) are never made the module's."""
    default_folder = bk.DEFAULT_CONFIG.rsplit('\\', 1)[0]
    folders = [default_folder, protected_acl.folder_of(task.config_path),
               protected_acl.folder_of(args['log_file']) if args['log_file'] else None, _data_root(args, task)[1]]
    return protected_acl.own_folders(folders) + [task.config_path]
