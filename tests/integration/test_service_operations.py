"""service_read, service_apply and buildctl_debug_info through the collection's runner.

No module runs these operations yet, so the runner (plugin_utils/_core/runner.py)
drives them directly: it composes the real scripts with their snippets,
builds the command line and stdin it sends over WinRM, and checks every
result against the operation's schema. The simulated host takes that command
line where its WinRM server would (winsim.transport.cmdline down to the
wcow_winsim plug-in), in the shape ansible-core 2.18 sends (encoded once
more) and in the shape of 2.19 and newer.
"""

from __future__ import annotations

import base64
import os
import sys

import pytest

from wcow_winsim import run_powershell
from winsim.host.store import HostStore
from winsim.programs import fake_binary
from winsim.transport import cmdline
from winsim.windows import accounts, files, scheduled_tasks

sys.path[:0] = os.environ['ANSIBLE_COLLECTIONS_PATH'].split(os.pathsep)

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import OperationError  # noqa: E402
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.runner import (  # noqa: E402
    COMMAND_PREFIX,
    run_operation,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.daemon_flags import BUILDKITD_FLAGS  # noqa: E402
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.model import (  # noqa: E402
    ServiceConfig,
    differences,
    service_from_read,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.registration import (  # noqa: E402
    REGISTER_SERVICE_RECOVERY,
    registered_arguments,
    registered_image_path,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.versions import parse_version_output  # noqa: E402

CONTAINERD = 'C:\\Program Files\\containerd\\containerd.exe'
BUILDKITD = 'C:\\Program Files\\buildkit\\buildkitd.exe'
BUILDCTL = 'C:\\Program Files\\buildkit\\buildctl.exe'
LOG = 'C:\\ProgramData\\buildkitd\\buildkitd.log'
CNI_CONF = 'C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf'
APPLY = dict(create=None, image_path=None, start_type=None, dependencies=None, display_name=None, description=None,
             recovery=None, delete=False, state=None, stop_dependents=False, timeout_s=60, log_file=None,
             environment=None, firewall_rule=None)


class HostConnection:
    """exec_command as the winrm connection plugin offers it, ending in the simulated host."""

    def __init__(self, store, shape):
        self.store = store
        self.shape = shape
        self.executions = 0

    def exec_command(self, cmd, in_data=None, sudoable=True):
        self.executions += 1
        if self.shape == '2.18':
            cmd = COMMAND_PREFIX + base64.b64encode(cmd.encode('utf-16-le')).decode()
        result = cmdline.run_command_line(cmd, in_data or b'', lambda script, stdin: run_powershell(self.store, script, stdin))
        return result.rc, result.stdout, result.stderr


@pytest.fixture(params=['2.18', '2.21'])
def host(request, tmp_path):
    store = HostStore.create(tmp_path / 'host.json', 'ws2022', containers=True)
    with store.transaction() as state:
        for folder in ('C:\\Program Files\\containerd', 'C:\\Program Files\\buildkit', 'C:\\ProgramData\\buildkitd'):
            files.ensure_dir(state, folder)
        files.write_bytes(state, CONTAINERD, fake_binary('containerd', 'v1.7.28'))
        files.write_bytes(state, BUILDKITD, fake_binary('buildkitd', 'v0.23.2'))
        files.write_bytes(state, BUILDCTL, fake_binary('buildctl', 'v0.23.2'))
    return HostConnection(store, request.param)


def read(host, *names, probes=()):
    return run_operation(host, 'service_read', {'names': list(names), 'probe_versions': list(probes)})


def apply(host, name, **params):
    return run_operation(host, 'service_apply', dict(APPLY, name=name, **params))


def wanted_buildkitd(*arguments):
    return ServiceConfig(name='buildkitd', binary=BUILDKITD, arguments=tuple(arguments), start_type='auto',
                         dependencies=('containerd',), recovery=REGISTER_SERVICE_RECOVERY)


def register_buildkitd(host, *arguments, state='started'):
    create = {'binary': BUILDKITD, 'arguments': list(arguments), 'register_with': 'binary'}
    return apply(host, 'buildkitd', create=create, dependencies=['containerd'], state=state, log_file=LOG)


def test_bare_host_to_running_services_and_again(host):
    first = read(host, 'containerd', 'buildkitd', probes=[CONTAINERD])
    assert [s['exists'] for s in first['services']] == [False, False]
    assert parse_version_output(first['binaries'][0]['stdout']) == \
        ('containerd', 'github.com/containerd/containerd', 'v1.7.28')

    apply(host, 'containerd', create={'binary': CONTAINERD, 'arguments': [], 'register_with': 'binary'},
          state='started')
    arguments = ('--log-file', LOG, '--containerd-cni-config-path=' + CNI_CONF, '--debug')
    result = register_buildkitd(host, *arguments)
    assert result['actions'] == ['registered', 'configured', 'started']

    entry = read(host, 'buildkitd')['services'][0]
    config, state = service_from_read(entry)
    assert differences(wanted_buildkitd(*arguments), config, BUILDKITD_FLAGS).empty
    assert config.arguments == tuple(registered_arguments('buildkitd', arguments))
    assert state.state == 'Running' and state.pid > 0
    assert entry['image_path'] == registered_image_path(BUILDKITD, 'buildkitd', arguments)

    host.executions = 0
    assert apply(host, 'buildkitd', state='started')['actions'] == []
    assert host.executions == 1


def test_flag_and_dependency_drift_is_found_and_corrected(host):
    apply(host, 'containerd', create={'binary': CONTAINERD, 'arguments': [], 'register_with': 'binary'},
          state='started')
    register_buildkitd(host, '--log-file', LOG)
    with host.store.transaction() as state:
        state['services']['buildkitd']['DependOnService'] = []
        state['services']['buildkitd']['ImagePath'] += ' --debug'

    config, _state = service_from_read(read(host, 'buildkitd')['services'][0])
    tracker = differences(wanted_buildkitd('--log-file', LOG), config, BUILDKITD_FLAGS)
    assert tracker.names() == ['arguments', 'dependencies']

    image_path = registered_image_path(BUILDKITD, 'buildkitd', ['--log-file', LOG])
    fixed = apply(host, 'buildkitd', image_path=image_path, dependencies=['containerd'], state='restarted', log_file=LOG)
    assert fixed['actions'] == ['command line set', 'configured', 'stopped', 'started']
    config, _state = service_from_read(fixed['service'])
    assert differences(wanted_buildkitd('--log-file', LOG), config, BUILDKITD_FLAGS).empty


def test_failed_reregistration_keeps_the_previous_service(host):
    apply(host, 'containerd', create={'binary': CONTAINERD, 'arguments': [], 'register_with': 'binary'},
          state='started')
    register_buildkitd(host, '--log-file', LOG)
    before = read(host, 'buildkitd')['services'][0]
    with pytest.raises(OperationError) as raised:
        register_buildkitd(host, '--log-file', LOG, '--group', 'missing-group')
    message = str(raised.value)
    assert message.startswith('service_apply: failed on the host: Registering service')
    assert 'failed to lookup sid for group missing-group' in message
    assert "The previous registration of service 'buildkitd' was restored. Service 'buildkitd' is running again." \
        in message
    after = read(host, 'buildkitd')['services'][0]
    assert {k: v for k, v in after.items() if k != 'process_id'} == {k: v for k, v in before.items() if k != 'process_id'}


def test_group_members_reach_buildkitd_and_others_do_not(host):
    with host.store.transaction() as state:
        accounts.create_group(state, 'buildkit-users')
        dev = accounts.create_user(state, 'dev')
        accounts.add_member(state, 'buildkit-users', dev.sid)
        # Both may run a scheduled task: a batch logon (docs/windows-facts.md#scheduled-tasks).
        for user in (dev, accounts.create_user(state, 'guest1')):
            scheduled_tasks.grant_right(state, 'SeBatchLogonRight', user.sid)
    apply(host, 'containerd', create={'binary': CONTAINERD, 'arguments': [], 'register_with': 'binary'},
          state='started')
    register_buildkitd(host, '--group', 'buildkit-users')

    def info(user):
        return run_operation(host, 'buildctl_debug_info', {'buildctl_path': BUILDCTL, 'as_user': user, 'addr': None})

    member = info('dev')
    assert member['exit_code'] == 0 and member['stdout'].startswith('BuildKit: github.com/moby/buildkit v0.23.2 ')
    outsider = info('guest1')
    assert outsider['exit_code'] == 1 and outsider['stderr'].rstrip().endswith('Access is denied."')
    assert info(None)['user'] == 'Administrator'
