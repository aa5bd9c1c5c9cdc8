"""containerd_service and buildkitd_service at state=absent with remove_data: data left by a daemon (no service
registered any more) is listed in check mode, removed by a run, and a second run changes nothing; a file a process
holds stops the removal with a clear message, and a run after it is released finishes; paths outside the allow rule
and links are refused."""

from __future__ import annotations

import pytest

from winsim.fleet import HostSpec
from winsim.windows import files

CONTAINERD = 'wcow.buildkit.containerd_service'
BUILDKITD = 'wcow.buildkit.buildkitd_service'
ROOT = 'C:\\ProgramData\\containerd\\root'
STATE = 'C:\\ProgramData\\containerd\\state'
LOG = 'C:\\ProgramData\\containerd\\containerd.log'
LAYER = ROOT + '\\io.containerd.snapshotter.v1.windows\\snapshots\\1\\Files\\layer.dat'
ARGS = dict(state='absent', remove_data=True, manage_config=False, log_file=LOG)


def leave_data(fleet, host, in_use=False):
    with fleet.store(host).transaction() as state:
        for path in (LAYER, STATE + '\\meta.db', LOG):
            files.ensure_dir(state, files.parent(path))
            files.write_bytes(state, path, b'data')
        # A process still holding a layer (docs/windows-facts.md#files-in-use: an open file cannot be deleted).
        state['files'][files.find_key(state, LAYER)]['in_use'] = in_use


def run(ansible, fleet, tmp_path, module, args, check=False):
    return ansible.module(tmp_path, fleet.inventory_path, module, args, check=check, diff=True).task('ws2022', 'module')


@pytest.mark.every_core
def test_data_left_by_containerd_goes_in_use_first(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    leave_data(fleet, 'ws2022', in_use=True)
    before = fleet.store('ws2022').read()['files']

    check = run(ansible, fleet, tmp_path, CONTAINERD, ARGS, check=True)
    assert check['status'] == 'ok' and check['result']['changed'] is True, check
    assert check['result']['removed'] == [ROOT, STATE, LOG, 'C:\\ProgramData\\containerd']
    assert check['result']['diff'][0]['before'].startswith('%s: folder, 1 files, 4 folders, 4 bytes\n' % ROOT)
    assert fleet.store('ws2022').read()['files'] == before, 'check mode must not touch the host'

    held = run(ansible, fleet, tmp_path, CONTAINERD, ARGS)
    assert held['status'] == 'failed'
    message = held['result']['msg']
    assert 'because it is being used by another process' in message and 'run the task again' in message, message
    assert files.is_file(fleet.store('ws2022').read(), LAYER), 'the held file stays'

    with fleet.store('ws2022').transaction() as state:
        state['files'][files.find_key(state, LAYER)]['in_use'] = False
    fleet.reset_counters()
    removed = run(ansible, fleet, tmp_path, CONTAINERD, ARGS)
    assert removed['status'] == 'ok' and removed['result']['changed'] is True, removed
    assert fleet.counters('ws2022')['powershell_executions'] == 2, 'one read, one removal (no service to delete)'
    state = fleet.store('ws2022').read()
    for path in (ROOT, STATE, LOG, 'C:\\ProgramData\\containerd'):
        assert files.lookup(state, path) is None, path
    assert files.is_dir(state, 'C:\\ProgramData'), 'never above the data folders'

    fleet.reset_counters()
    again = run(ansible, fleet, tmp_path, CONTAINERD, ARGS)
    assert again['status'] == 'ok' and again['result']['changed'] is False, again
    assert again['result']['removed'] == []
    assert fleet.counters('ws2022')['powershell_executions'] == 1


def test_a_data_root_that_is_a_link_is_not_followed(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    with fleet.store('ws2022').transaction() as state:
        files.ensure_dir(state, 'D:\\data\\buildkit')
        files.write_bytes(state, 'D:\\data\\buildkit\\keep.txt', b'x')
        files.ensure_dir(state, 'C:\\ProgramData\\buildkitd')
        state['files']['C:\\ProgramData\\buildkitd\\.buildstate'] = {'type': 'dir', 'link_target': 'D:\\data\\buildkit'}
    before = fleet.store('ws2022').read()['files']
    failed = run(ansible, fleet, tmp_path, BUILDKITD, dict(state='absent', remove_data=True))
    assert failed['status'] == 'failed' and 'is a link' in failed['result']['msg'], failed
    assert 'Nothing was changed' in failed['result']['msg']
    assert fleet.store('ws2022').read()['files'] == before


BAD_INPUT = [
    (dict(name='containerd', state='absent', remove_data=True, config={'root': 'C:\\'}), 'config.root'),
    (dict(name='containerd', state='absent', remove_data=True, config={'state': 'C:\\Windows\\containerd'}),
     'config.state'),
    (dict(name='containerd', state='absent', remove_data=True, log_file='C:\\Users\\admin\\ctr.log'), 'log_file'),
    (dict(name='containerd', state='absent', remove_data=True, config={'root': 'C:\\PROGRA~3\\containerd\\root'}),
     'config.root'),
    (dict(name='containerd', state='started', remove_data=True), 'remove_data'),
]
BAD_BUILDKITD = [
    (dict(state='absent', remove_data=True, extra_args=['--root', 'C:\\Program Files\\buildkit']), 'extra_args'),
    (dict(state='absent', remove_data=True, extra_args=['--root=\\\\server\\share\\bk']), 'extra_args'),
    (dict(state='absent', remove_data=True, log_file='D:\\buildkitd.log'), 'log_file'),
]


def test_bad_input_is_refused_before_the_host(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    fleet.reset_counters()
    ansible.rejected(tmp_path, fleet.inventory_path, CONTAINERD, BAD_INPUT, 'ws2022')
    ansible.rejected(tmp_path / 'buildkitd', fleet.inventory_path, BUILDKITD, BAD_BUILDKITD, 'ws2022')
    assert fleet.counters('ws2022')['powershell_executions'] == 0
