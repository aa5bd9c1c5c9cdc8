"""containerd_service and buildkitd_service at state=absent with remove_data: data left by a daemon (no service
registered any more) in the folders the collection created is listed in check mode, removed by a run with the
folders' records, and a second run changes nothing; a file a process holds stops the removal with a clear message,
and a run after it is released finishes; a folder the collection did not create is kept with a warning; paths outside
the allow rule and links anywhere along a path are refused."""

from __future__ import annotations

import pytest

from wcow_winsim.operations import HANDLERS
from wcow_winsim.operations.data_root import MARKER_KEY
from winsim.fleet import HostSpec
from winsim.windows import files, registry_keys

CONTAINERD = 'wcow.buildkit.containerd_service'
BUILDKITD = 'wcow.buildkit.buildkitd_service'
ROOT = 'C:\\ProgramData\\containerd\\root'
STATE = 'C:\\ProgramData\\containerd\\state'
LOG = 'C:\\ProgramData\\containerd\\containerd.log'
LAYER = ROOT + '\\io.containerd.snapshotter.v1.windows\\snapshots\\1\\Files\\layer.dat'
ARGS = dict(state='absent', remove_data=True, manage_config=False, log_file=LOG)


def leave_data(fleet, host, in_use=False):
    with fleet.store(host).transaction() as state:
        # The data folders as containerd_service creates and records them before containerd first starts.
        HANDLERS['data_root_apply'](state, {'paths': [ROOT, STATE]})
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
    assert not registry_keys.key_exists(state, MARKER_KEY), 'the records go with the folders'

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


FINANCE = 'D:\\Shares\\Finance'


def shares(fleet):
    with fleet.store('ws2022').transaction() as state:
        files.ensure_dir(state, FINANCE)
        files.write_bytes(state, FINANCE + '\\budget.xlsx', b'numbers')


def test_a_folder_the_collection_did_not_create_is_kept_with_a_warning(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    shares(fleet)
    args = dict(ARGS, config={'root': FINANCE})
    check = run(ansible, fleet, tmp_path, CONTAINERD, args, check=True)
    assert check['status'] == 'ok' and FINANCE not in check['result']['removed'], check
    done = run(ansible, fleet, tmp_path, CONTAINERD, args)
    assert done['status'] == 'ok', done
    warning, = [w for w in done['result'].get('warnings', []) if FINANCE in w]
    assert 'did not create it' in warning and 'config.root' in warning
    assert files.is_file(fleet.store('ws2022').read(), FINANCE + '\\budget.xlsx'), 'an unmarked folder is kept'
    again = run(ansible, fleet, tmp_path, CONTAINERD, args)
    assert again['status'] == 'ok' and again['result']['changed'] is False, again


def test_a_link_in_the_middle_of_the_path_refuses_the_removal(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    shares(fleet)
    with fleet.store('ws2022').transaction() as state:
        # The root is recorded, then its parent is swapped for a junction to the shares: the same path now
        # names D:\\Shares\\root, which Windows reaches through the junction.
        HANDLERS['data_root_apply'](state, {'paths': [ROOT]})
        files.ensure_dir(state, 'D:\\Shares\\root')
        files.write_bytes(state, 'D:\\Shares\\root\\payroll.xlsx', b'numbers')
        for key in [k for k in state['files'] if files.normalise(k).startswith('c:\\programdata\\containerd')]:
            del state['files'][key]
        state['files']['C:\\ProgramData\\containerd'] = {'type': 'dir', 'link_target': 'D:\\Shares'}
    before = fleet.store('ws2022').read()
    for check in (True, False):
        failed = run(ansible, fleet, tmp_path, CONTAINERD, dict(ARGS, log_file=None), check=check)
        assert failed['status'] == 'failed', failed
        assert ('%s is not removed: C:\\ProgramData\\containerd along its path is a link' % ROOT
                in failed['result']['msg']), failed['result']['msg']
        assert 'Nothing was changed' in failed['result']['msg']
    after = fleet.store('ws2022').read()
    assert after['files'] == before['files'] and after['registry_keys'] == before['registry_keys']


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
