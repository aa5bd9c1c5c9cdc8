"""A file_write killed between staging and the swap (winsim.host.faults kill_after_moves): the next run
removes the staged `<path>.<8 hex>.tmp` it left and writes the file; a third run changes nothing."""

from __future__ import annotations

import base64
import json
import re

from winsim.fleet import HostSpec
from winsim.host import faults
from winsim.windows import files

MODULE = 'wcow.buildkit.win_cni_config'
CONF_DIR = 'C:\\Program Files\\containerd\\cni\\conf'
CONF = CONF_DIR + '\\0-containerd-nat.conf'
STAGED = re.compile(re.escape(CONF) + r'\.[0-9a-f]{8}\.tmp$', re.IGNORECASE)
# Someone else's file of a similar name: never touched.
FOREIGN = CONF + '.keep.tmp'


def outcome(ansible, fleet, tmp_path):
    return ansible.module(tmp_path, fleet.inventory_path, MODULE, {}).task('h', 'module')


def staged_files(fleet):
    return [key for key in fleet.store('h').read()['files'] if STAGED.search(key)]


def test_the_run_after_a_kill_before_the_swap_removes_the_staged_file(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('h', 'ws2022', containers=True))
    with fleet.store('h').transaction() as state:
        files.ensure_dir(state, CONF_DIR)
        files.write_bytes(state, FOREIGN, b'not ours')
    faults.set_faults(fleet.store('h').path, [{'kind': 'http_500', 'operation': 'file_write', 'kill_after_moves': 0}])

    killed = outcome(ansible, fleet, tmp_path)
    assert killed['status'] == 'failed', killed
    state = fleet.store('h').read()
    assert not files.is_file(state, CONF), 'killed before the move'
    assert len(staged_files(fleet)) == 1, 'the killed run left its staged file'

    faults.clear_faults(fleet.store('h').path)
    again = outcome(ansible, fleet, tmp_path)
    assert again['status'] == 'ok' and again['result']['changed'] is True, again
    state = fleet.store('h').read()
    assert staged_files(fleet) == []
    assert json.loads(base64.b64decode(files.lookup(state, CONF)['content_b64']))['type'] == 'nat'
    assert files.read_bytes(state, FOREIGN) == b'not ours'

    third = outcome(ansible, fleet, tmp_path)
    assert third['status'] == 'ok' and third['result']['changed'] is False, third
