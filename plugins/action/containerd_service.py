# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""containerd as a reconciled Windows service (see plugins/modules/containerd_service.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.wcow.buildkit.plugins.plugin_utils import _containerd as ctd
from ansible_collections.wcow.buildkit.plugins.plugin_utils import _data_paths as data_paths
from ansible_collections.wcow.buildkit.plugins.plugin_utils import _service_removal as removal
from ansible_collections.wcow.buildkit.plugins.plugin_utils import _service as svc
from ansible_collections.wcow.buildkit.plugins.plugin_utils._action import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._runner import OperationError
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service_action import (
    SERVICE_STATES,
    ServiceActionBase,
    check_start_type,
    config_diff,
    plan_service,
    probed_version,
    service_text,
    service_view,
)


class ActionModule(ServiceActionBase):
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
    )
    MUTUALLY_EXCLUSIVE = (('config_template', 'config_extra'),)

    # --- before the host is touched -----------------------------------------------

    def validate(self, args):
        ctd.check_name(args['name'])
        args['binary'] = ctd.check_path('binary', args['binary'])
        check_start_type(args['state'], args['start_type'])
        if args['timeout'] < 1:
            raise InvalidArgument('timeout', 'must be at least 1 second')
        minimum = args['min_version']
        if ctd.check_version('min_version', minimum) < svc.version_tuple(ctd.MIN_VERSION):
            raise InvalidArgument('min_version', '%s is lower than %s, the oldest containerd BuildKit works with '
                                  '(moby/buildkit#4826)' % (minimum, ctd.MIN_VERSION))
        if args['version'] is not None:
            ctd.check_version('version', args['version'])
            problem = ctd.too_old(args['version'], minimum)
            if problem:
                raise InvalidArgument('version', problem)
        if args['config_path'] is not None:
            args['config_path'] = ctd.check_path('config_path', args['config_path'])
        elif args['manage_config']:
            args['config_path'] = ctd.DEFAULT_CONFIG_PATH
        if args['log_file'] is not None:
            args['log_file'] = ctd.check_path('log_file', args['log_file'])
        args['extra_args'] = ctd.check_extra_args(args['extra_args'])
        self._settings = ctd.check_settings(args['config'])
        self._extra = ctd.check_extra(args['config_extra'])
        self._template = self._load_template(args['config_template']) if args['config_template'] else None
        if args['manage_config']:
            # Render with the stated version (or the newest layout) to find mistakes before the host.
            self._render(args['version'])
        if args['remove_data'] and args['state'] != 'absent':
            raise InvalidArgument('remove_data', 'applies only with state=absent')
        self._removal = self._removal_targets(args) if args['state'] == 'absent' else None

    def _removal_targets(self, args):
        data = []
        if args['remove_data']:
            data = [('config.root', self._settings['root']), ('config.state', self._settings['state']),
                    ('log_file', args['log_file'])]
        config_path = args['config_path'] if args['manage_config'] and args['remove_config'] else None
        tidy = []
        if config_path:
            # The CNI folders the config named, once the cni role emptied them, up to the config's folder.
            tidy = data_paths.folders_below([self._settings['cni_bin_dir'], self._settings['cni_conf_dir']],
                                            data_paths.parent(config_path) or config_path)
        return removal.targets(data, config_path, tidy, binary=args['binary'])

    def _is_ours(self, args, data):
        """Whether a config file holds what this module writes with these options, for any containerd layout."""
        for version in (args['version'], None, '2.0.0', ctd.MIN_VERSION):
            try:
                if ctd.same_config(data, self._render(version)):
                    return True
            except InvalidArgument:
                continue
        return False

    def _load_template(self, template):
        source = self.read_template(template, 'config_template')
        ctd.compile_template(source, 'config_template')
        return source

    def _render(self, version):
        variables = ctd.template_variables(self._settings, version, self._extra)
        return ctd.render(variables, self._template, 'config_template' if self._template else 'config_extra')

    def _wanted(self, args):
        name = args['name']
        arguments = ctd.daemon_arguments(args['config_path'], args['log_file'], args['log_level'], args['extra_args'])
        return svc.ServiceConfig(
            name=name, binary=args['binary'], arguments=tuple(arguments), start_type=args['start_type'],
            display_name=self._display_name(name), description=ctd.DESCRIPTION,
            recovery=svc.REGISTER_SERVICE_RECOVERY)

    @staticmethod
    def _display_name(name):
        # --register-service names every containerd "Containerd", and a display name must be unique
        # (Win32 error 1078): another instance is registered with sc.exe under its own name.
        return svc.REGISTERED_DISPLAY['containerd'][0] if _register_with(name) == 'binary' else name

    # --- on the host ---------------------------------------------------------------------

    def reconcile(self, args):
        if args['state'] == 'absent':
            return self._absent(args)
        wanted = self._wanted(args)
        manage_config = args['manage_config'] and args['state'] != 'absent'
        read = self.read_service(args['name'], probe_versions=[] if args['state'] == 'absent' else [args['binary']],
                                 read_files=[args['config_path']] if manage_config else [])
        warnings = []
        version = None
        if args['state'] != 'absent':
            version = self._host_version(args, read, warnings)
        config = dict(path=args['config_path'], content=None, changed=False, before=None)
        if manage_config:
            config['content'] = self._render(version)
            config['before'] = read.file_bytes(0)
            config['changed'] = not ctd.same_config(config['before'], config['content'])
        plan = plan_service(wanted, read.entry, args['state'], svc.CONTAINERD_FLAGS, restart=config['changed'],
                            stop_dependents=args['stop_dependents'], log_file=args['log_file'],
                            timeout_s=args['timeout'], register_with=_register_with(args['name']))
        result = dict(changed=config['changed'] or plan.changed, name=args['name'], version=version,
                      command_line=svc.join_command_line([wanted.binary] + svc.registered_arguments(
                          wanted.name, wanted.arguments)) if args['state'] != 'absent' else None,
                      config_path=args['config_path'], config=config['content'], config_changed=config['changed'],
                      backup_file=None, changes=(['write the config'] if config['changed'] else []) + plan.changes,
                      actions=[], service=plan.after)
        if not self.check_mode:
            self._apply(args, config, plan, result)
        if warnings:
            result['warnings'] = warnings
        if result['changed'] and self.diff_mode:
            result['diff'] = _diff(args, config, plan)
        return result

    def _absent(self, args):
        result = dict(name=args['name'], version=None, command_line=None, config_path=args['config_path'],
                      config=None, config_changed=False, backup_file=None)

        def make_plan(entry):
            return plan_service(self._wanted(args), entry, 'absent', svc.CONTAINERD_FLAGS,
                                stop_dependents=args['stop_dependents'], log_file=args['log_file'],
                                timeout_s=args['timeout'], register_with=_register_with(args['name']))

        def service_diff(plan):
            return _diff(args, dict(changed=False), plan)[0]

        return self.reconcile_absent(args['name'], self._removal, lambda data: self._is_ours(args, data),
                                     make_plan, service_diff, result)

    def _host_version(self, args, read, warnings):
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
                                    % (args['binary'], old))
        if args['version'] is not None and svc.version_tuple(args['version']) != svc.version_tuple(version):
            warnings.append('version: %s was stated, but %s reports %s' % (args['version'], args['binary'], version))
        return version

    def _apply(self, args, config, plan, result):
        if config['changed']:
            written = self.operation('file_write', {'path': config['path'], 'content': config['content'],
                                                    'content_encoding': 'text', 'backup': args['backup']})
            result['backup_file'] = written['backup_file']
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


def _register_with(name):
    return 'binary' if name.casefold() == ctd.SERVICE_NAME else 'sc'


def _diff(args, config, plan):
    diffs = []
    if plan.changed:
        header = 'service %s' % args['name']
        after = service_text(plan.after)
        if 'restart the service' in plan.changes:
            after += 'restart: true\n'
        diffs.append(dict(before=service_text(plan.before), after=after, before_header=header, after_header=header))
    if config['changed']:
        diffs.append(config_diff(config))
    return diffs
