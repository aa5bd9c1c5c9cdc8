# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the BuildKit guide's nanoserver sample build with buildctl (see plugins/modules/buildctl_build.py)."""

from __future__ import annotations

import typing as t

from ansible_collections.wcow.buildkit.plugins.plugin_utils._buildctl import (
    image_ref as _image_ref,
    sample_build as _sample_build,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._buildctl.options import check_addr, check_buildctl_path
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.action_base import WcowActionBase
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument

MAX_TIMEOUT = 2147483


class ActionModule(WcowActionBase[None]):
    ARGUMENT_SPEC = dict(
        image_name=dict(type='str'),
        push=dict(type='bool', default=False),
        base_image=dict(type='str', default=_sample_build.NANOSERVER),
        base_image_tag=dict(type='str'),
        registry_username=dict(type='str'),
        registry_password=dict(type='str', no_log=True),
        buildctl_path=dict(type='str', default='C:\\Program Files\\buildkit\\buildctl.exe'),
        addr=dict(type='str'),
        timeout=dict(type='int', default=1800),
    )
    REQUIRED_TOGETHER = (('registry_username', 'registry_password'),)
    REQUIRED_IF = (('push', True, ('image_name',)),)

    def validate(self, args: dict[str, t.Any]) -> None:
        check_buildctl_path(args['buildctl_path'])
        check_addr(args['addr'])
        if args['image_name'] is not None:
            problem = _image_ref.problem(args['image_name'], tag=True, digest=False)
            if problem:
                raise InvalidArgument('image_name', problem)
        problem = _image_ref.problem(args['base_image'], tag=False, digest=False)
        if problem:
            raise InvalidArgument('base_image', '%s; give the tag in base_image_tag' % problem)
        tag = args['base_image_tag']
        if tag is not None and not _image_ref.TAG_RE.match(tag):
            raise InvalidArgument('base_image_tag', 'must be up to 128 letters, digits, "_", "." or "-", not starting '
                                  'with "." or "-"')
        if tag is None and args['base_image'] not in _sample_build.KNOWN_BASES:
            raise InvalidArgument('base_image_tag', 'is required when base_image is not %s'
                                  % ' or '.join(sorted(_sample_build.KNOWN_BASES)))
        if args['registry_username'] is not None and not args['push']:
            raise InvalidArgument('registry_username', 'registry credentials are only used to push: set push=true '
                                  'or leave them out')
        if args['registry_username'] is not None and (not args['registry_username']
                                                      or ':' in args['registry_username']):
            raise InvalidArgument('registry_username', 'must be a non-empty user name without ":"')
        # Process.WaitForExit takes Int32 milliseconds.
        if not 1 <= args['timeout'] <= MAX_TIMEOUT:
            raise InvalidArgument('timeout', 'must be between 1 and %d seconds' % MAX_TIMEOUT)

    def reconcile(self, args: dict[str, t.Any], checked: None) -> dict[str, t.Any]:
        read = self.operation('buildctl_build_read', dict(buildctl_path=args['buildctl_path']))
        host_build = read['build']
        tag, warnings = self._tag(args, host_build)
        output = _sample_build.output_spec(args['image_name'], args['push'])
        base_ref = '%s:%s' % (args['base_image'], tag) if tag else None
        result = dict(
            changed=False, image_name=args['image_name'], push=args['push'], pushed=False, host_build=host_build,
            base_image=base_ref, base_image_tag=tag, output=output, digest=None, duration=None, log_tail=[],
            exit_code=None, dockerfile=_sample_build.dockerfile(base_ref) if base_ref else None,
            command=_sample_build.command(args['buildctl_path'], args['addr'], output),
        )
        if warnings:
            result['warnings'] = warnings
        if tag is None:
            return dict(result, failed=True, msg=(
                'Host build %d runs no %s tag process-isolated (buildkitd cannot use Hyper-V isolation); set '
                'base_image_tag to build anyway.' % (host_build, args['base_image'])))
        if not read['buildctl_exists']:
            return dict(result, failed=True, msg='%s does not exist.' % args['buildctl_path'])
        if self.check_mode:
            return dict(result, changed=True, msg='Would build %s on %s%s.' % (
                args['image_name'] or 'an unnamed image', base_ref, ' and push it' if args['push'] else ''))
        return self._build(args, result, base_ref, output)

    def _tag(self, args: dict[str, t.Any], host_build: int) -> tuple[str | None, list[str]]:
        fitting = _sample_build.fitting_tags(args['base_image'], host_build)
        tag = args['base_image_tag']
        if tag is None:
            return _sample_build.chosen_tag(args['base_image'], host_build), []
        if fitting is not None and tag not in fitting:
            return tag, ['base_image_tag %s does not fit host build %d, which runs %s process-isolated: a RUN step '
                         'will fail.' % (tag, host_build, ', '.join(fitting) or 'no %s tag' % args['base_image'])]
        return tag, []

    def _build(self, args: dict[str, t.Any], result: dict[str, t.Any], base_ref: str,
               output: str) -> dict[str, t.Any]:
        credentials = args['registry_username'] is not None
        docker_config = None
        if credentials:
            docker_config = _image_ref.docker_config(_image_ref.registry_of(args['image_name']),
                                                     args['registry_username'], args['registry_password'])
        params = dict(buildctl_path=args['buildctl_path'], addr=args['addr'], output=output,
                      files=_sample_build.context_files(base_ref), docker_config=docker_config,
                      timeout=args['timeout'])
        run = self.operation('buildctl_build_run', params, log_params=not credentials)
        result.update(exit_code=run['exit_code'], duration=round(run['duration_seconds'], 3),
                      log_tail=_sample_build.tail(run['stderr']), command=[args['buildctl_path']] + run['arguments'])
        if not run['temp_dir_removed']:
            result.setdefault('warnings', []).append('The temporary build folder %s could not be removed.'
                                                     % run['temp_dir'])
        if run['exit_code'] != 0:
            return dict(result, failed=True, msg='buildctl build on %s failed (exit code %d): %s' % (
                base_ref, run['exit_code'], _sample_build.error_line(run['stderr']) or 'no output'))
        return dict(result, changed=True, pushed=args['push'], digest=_sample_build.digest_of(run['metadata']))
