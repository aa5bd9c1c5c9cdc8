# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""containerd as a reconciled Windows service (see plugins/modules/containerd_service.py)."""

from __future__ import annotations

import dataclasses
import typing as t

from ansible.errors import AnsibleActionFail

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument, OperationError
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.shown_contents import shown
from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons import containerd as ctd
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service import data_paths, model as svc, removal
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.action_base import ServiceActionBase, ServiceRead
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.environment import checked_environment
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.command_line import join_command_line
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.daemon_flags import CONTAINERD_FLAGS
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.plan import (
    SERVICE_STATES,
    ApplyOptions,
    ServicePlan,
    WantedService,
    check_start_type,
    plan_service,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.registration import (
    REGISTER_SERVICE_RECOVERY,
    REGISTERED_DISPLAY,
    registered_arguments,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.versions import probed_version, version_tuple
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.views import (
    config_diff,
    service_diff,
    service_view,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows import protected_acl


@dataclasses.dataclass(frozen=True)
class ContainerdTask:
    """What validate derives: the paths as containerd gets them (backslashes; config_path defaulted when the
    module manages the config), extra_args as its flag parser reads them, the config's settings (defaults filled
    in), extra keys and template (None: the built-in one), and at state=absent what goes besides the service."""
    binary: str
    config_path: str | None
    log_file: str | None
    extra_args: tuple[str, ...]
    settings: dict[str, str]
    extra: dict[str, t.Any]
    template: str | None
    to_remove: removal.Targets | None = None
    environment: tuple[str, ...] | None = None

    def render(self, version: str | None) -> str:
        """config.toml for containerd `version` (None: the newest layout)."""
        variables = ctd.template_variables(self.settings, version, self.extra)
        return ctd.render(variables, self.template, 'config_template' if self.template else 'config_extra')


class ActionModule(ServiceActionBase[ContainerdTask]):
    ARGUMENT_SPEC = dict(
        name=dict(type='str', default=ctd.SERVICE_NAME),
        binary=dict(type='str', default=ctd.DEFAULT_BINARY),
        state=dict(type='str', default='started', choices=list(SERVICE_STATES)),
        start_type=dict(type='str', default='auto', choices=list(svc.START_TYPES)),
        version=dict(type='str'),
        min_version=dict(type='str', default=ctd.MIN_VERSION),
        manage_config=dict(type='bool', default=True),
        config_path=dict(type='str'),
        config=dict(type='dict', default={}, options=dict(
            root=dict(type='str', default=ctd.DEFAULT_SETTINGS['root']),
            state=dict(type='str', default=ctd.DEFAULT_SETTINGS['state']),
            grpc_address=dict(type='str', default=ctd.DEFAULT_SETTINGS['grpc_address']),
            cni_bin_dir=dict(type='str', default=ctd.DEFAULT_SETTINGS['cni_bin_dir']),
            cni_conf_dir=dict(type='str', default=ctd.DEFAULT_SETTINGS['cni_conf_dir']),
        )),
        config_extra=dict(type='dict'),
        config_template=dict(type='path'),
        backup=dict(type='bool', default=False),
        log_file=dict(type='str'),
        log_level=dict(type='str', choices=list(ctd.LOG_LEVELS)),
        extra_args=dict(type='list', elements='str', default=[]),
        stop_dependents=dict(type='bool', default=True),
        timeout=dict(type='int', default=60),
        remove_config=dict(type='bool', default=True),
        remove_data=dict(type='bool', default=False),
        service_environment=dict(type='dict'),
    )
    MUTUALLY_EXCLUSIVE = (('config_template', 'config_extra'),)

    # --- before the host is touched -----------------------------------------------

    def validate(self, args: dict[str, t.Any]) -> ContainerdTask:
        ctd.check_name(args['name'])
        binary = ctd.check_path('binary', args['binary'])
        check_start_type(args['state'], args['start_type'])
        if args['timeout'] < 1:
            raise InvalidArgument('timeout', 'must be at least 1 second')
        minimum = args['min_version']
        if ctd.check_version('min_version', minimum) < version_tuple(ctd.MIN_VERSION):
            raise InvalidArgument('min_version', '%s is lower than %s, the oldest containerd BuildKit works with '
                                  '(moby/buildkit#4826)' % (minimum, ctd.MIN_VERSION))
        if args['version'] is not None:
            ctd.check_version('version', args['version'])
            problem = ctd.too_old(args['version'], minimum)
            if problem:
                raise InvalidArgument('version', problem)
        config_path = args['config_path']
        if config_path is not None:
            config_path = ctd.check_path('config_path', config_path)
        elif args['manage_config']:
            config_path = ctd.DEFAULT_CONFIG_PATH
        log_file = args['log_file']
        if log_file is not None:
            log_file = ctd.check_path('log_file', log_file)
        task = ContainerdTask(
            binary=binary, config_path=config_path, log_file=log_file,
            extra_args=tuple(ctd.check_extra_args(args['extra_args'])),
            settings=ctd.check_settings(args['config']), extra=ctd.check_extra(args['config_extra']),
            template=self._load_template(args['config_template']) if args['config_template'] else None,
            environment=checked_environment(args))
        if args['manage_config']:
            # Render with the stated version (or the newest layout) to find mistakes before the host.
            task.render(args['version'])
        if args['remove_data'] and args['state'] != 'absent':
            raise InvalidArgument('remove_data', 'applies only with state=absent')
        if args['state'] == 'absent':
            task = dataclasses.replace(task, to_remove=_removal_targets(args, task))
        return task

    def _load_template(self, template: str) -> str:
        source = self.read_template(template, 'config_template')
        ctd.compile_template(source, 'config_template')
        return source

    # --- on the host ---------------------------------------------------------------------

    def reconcile(self, args: dict[str, t.Any], checked: ContainerdTask) -> dict[str, t.Any]:
        if args['state'] == 'absent':
            return self._absent(args, checked)
        wanted = _wanted(args, checked)
        service = wanted.config
        manage_config = args['manage_config'] and args['state'] != 'absent'
        acl_paths = _protected_paths(checked)
        read = self.read_service(args['name'], probe_versions=[] if args['state'] == 'absent' else [checked.binary],
                                 read_files=[checked.config_path] if checked.config_path else [], acl_paths=acl_paths,
                                 data_roots=self.markable([checked.settings['root'], checked.settings['state']]))
        roots = self.missing_data_roots(read)
        warnings: list[str] = []
        version = None
        if args['state'] != 'absent':
            version = self._host_version(args, checked, read, warnings)
        config: dict[str, t.Any] = dict(path=checked.config_path, content=None, changed=False, before=None)
        if manage_config:
            config['content'] = checked.render(version)
            config['before'] = read.file_bytes(0)
            config['changed'] = not ctd.same_config(config['before'], config['content'])
        elif checked.config_path and read.files[0]['exists']:
            # Not the module's to change: the same bytes are written again when only a DACL is wrong.
            config['kept'] = read.files[0]['content_b64']
        config['protection'] = _protection(checked, read.security, manage_config or 'kept' in config)
        plan = plan_service(wanted, read.entry, args['state'], restart=config['changed'])
        changes = (['write the config'] if config['changed'] else []) + config['protection'].changes() + \
            ['create the data folder %s' % root for root in roots] + plan.changes
        result = dict(changed=bool(changes), name=args['name'], version=version,
                      command_line=join_command_line([service.binary] + registered_arguments(
                          service.name, service.arguments)) if args['state'] != 'absent' else None,
                      config_path=checked.config_path, config=shown(config['content'], self.diff_mode),
                      config_changed=config['changed'],
                      backup_file=None, changes=changes,
                      actions=[], service=plan.after)
        if not self.check_mode:
            self._apply(args, config, roots, plan, result)
        if warnings:
            result['warnings'] = warnings
        if result['changed'] and self.diff_mode:
            result['diff'] = _diff(args, config, plan)
        return result

    def _absent(self, args: dict[str, t.Any], checked: ContainerdTask) -> dict[str, t.Any]:
        result = dict(name=args['name'], version=None, command_line=None, config_path=checked.config_path,
                      config=None, config_changed=False, backup_file=None)
        return self.reconcile_absent(args, checked, checked.to_remove, result)

    def deletion_options(self, args: dict[str, t.Any], checked: ContainerdTask) -> ApplyOptions:
        return _apply_options(args, checked)

    def config_is_ours(self, args: dict[str, t.Any], checked: ContainerdTask, data: bytes) -> bool:
        """Whether a config file holds what this module writes with these options, for any containerd layout."""
        for version in (args['version'], None, '2.0.0', ctd.MIN_VERSION):
            try:
                if ctd.same_config(data, checked.render(version)):
                    return True
            except InvalidArgument:
                continue
        return False

    def _host_version(self, args: dict[str, t.Any], checked: ContainerdTask, read: ServiceRead,
                      warnings: list[str]) -> str | None:
        version, problem = probed_version(read.binaries[0])
        if problem:
            if self.check_mode and not read.binaries[0]['exists']:
                warnings.append('%s; in check mode the service is planned as if it were installed (install containerd '
                                'first, for example with wcow.buildkit.win_release_archive)' % problem)
                return args['version']
            raise AnsibleActionFail('binary: %s. Nothing was changed.' % problem)
        old = ctd.too_old(version, args['min_version'])
        if old:
            raise AnsibleActionFail('binary: %s: %s Install a newer release; nothing was changed.'
                                    % (checked.binary, old))
        if args['version'] is not None and version_tuple(args['version']) != version_tuple(version):
            warnings.append('version: %s was stated, but %s reports %s' % (args['version'], checked.binary, version))
        return version

    def _apply(self, args: dict[str, t.Any], config: dict[str, t.Any], roots: list[str], plan: ServicePlan,
               result: dict[str, t.Any]) -> None:
        self.write_config_and_data_roots(args, config, roots, result)
        if not plan.changed:
            return
        try:
            applied = self.apply_service(plan.params)
        except OperationError as error:
            message = str(error)
            if config['changed']:
                message += (' The new config was written to %s before this failure; if containerd still runs with '
                            'the previous one, run again with state=restarted.' % config['path'])
            raise AnsibleActionFail(message)
        result['actions'] = applied['actions']
        result['service'] = service_view(applied['service'])


def _removal_targets(args: dict[str, t.Any], task: ContainerdTask) -> removal.Targets:
    data = []
    if args['remove_data']:
        data = [('config.root', task.settings['root']), ('config.state', task.settings['state']),
                ('log_file', task.log_file)]
    config_path = task.config_path if args['manage_config'] and args['remove_config'] else None
    tidy = []
    if config_path:
        # The CNI folders the config named, once the cni role emptied them, up to the config's folder.
        tidy = data_paths.folders_below([task.settings['cni_bin_dir'], task.settings['cni_conf_dir']],
                                        data_paths.parent(config_path) or config_path)
    return removal.targets(data, config_path, tidy, binary=task.binary)


def _apply_options(args: dict[str, t.Any], task: ContainerdTask) -> ApplyOptions:
    return ApplyOptions(stop_dependents=args['stop_dependents'], log_file=task.log_file, timeout_s=args['timeout'])


def _wanted(args: dict[str, t.Any], task: ContainerdTask) -> WantedService:
    name = args['name']
    arguments = ctd.daemon_arguments(task.config_path, task.log_file, args['log_level'], task.extra_args)
    config = svc.ServiceConfig(
        name=name, binary=task.binary, arguments=tuple(arguments), start_type=args['start_type'],
        display_name=_display_name(name), description=ctd.DESCRIPTION, recovery=REGISTER_SERVICE_RECOVERY,
        environment=task.environment)
    return WantedService(config, CONTAINERD_FLAGS, _register_with(name), _apply_options(args, task))


def _display_name(name: str) -> str:
    # --register-service names every containerd "Containerd", and a display name must be unique
    # (Win32 error 1078): another instance is registered with sc.exe under its own name.
    return REGISTERED_DISPLAY['containerd'][0] if _register_with(name) == 'binary' else name


def _register_with(name: str) -> str:
    return 'binary' if name.casefold() == ctd.SERVICE_NAME else 'sc'


def _diff(args: dict[str, t.Any], config: dict[str, t.Any], plan: ServicePlan) -> list[dict[str, str]]:
    diffs = []
    if plan.changed:
        diffs.append(service_diff(args['name'], plan, 'restart: true\n' if 'restart the service' in plan.changes
                                  else ''))
    if config['changed']:
        diffs.append(config_diff(config))
    if config['protection'].unprotected:
        diffs.append(config['protection'].diff())
    return diffs


def _protected_paths(task: ContainerdTask) -> list[str]:
    """What containerd reads or writes, the config file last: the config's folder, the log's folder, the root and
    the state (docs/windows-facts.md#daemon-folders). Nothing without a config file: the DACLs are set as the
    config is written. Shared folders (a drive root, C:\\ProgramData...) are never made the module's."""
    if not task.config_path:
        return []
    folders = [protected_acl.folder_of(task.config_path), protected_acl.folder_of(task.log_file) if task.log_file else None,
               task.settings['root'], task.settings['state']]
    return protected_acl.own_folders(folders) + [task.config_path]


def _protection(task: ContainerdTask, security: list[dict[str, t.Any]], written: bool) -> protected_acl.Protection:
    """The config's and the log's folders are created protected when missing; the root and the state are not
    here: data_root_apply creates them protected and records them, as containerd itself would create them
    (sys.MkdirAllWithACL, docs/windows-facts.md#daemon-folders). The
    config's folder keeps Users' read and execute when it holds the binary's (the install folder, bin on the
    PATH). Nothing is protected when no config file is there to write."""
    if not written:
        return protected_acl.protection([])
    config_folder = protected_acl.folder_of(task.config_path)
    required = [config_folder, protected_acl.folder_of(task.log_file) if task.log_file else None]
    binary_folder = task.binary.rsplit('\\', 1)[0].lower()
    holds_binary = config_folder and (binary_folder + '\\').startswith(config_folder.lower() + '\\')
    readable = [config_folder] if holds_binary else []
    return protected_acl.protection(security, required=[path for path in required if path], readable=readable)
