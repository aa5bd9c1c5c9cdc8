"""win_cni_config state=absent: check, remove (the emptied folder too), again; backup keeps the file."""

from __future__ import annotations

from winsim.fleet import HostSpec
from winsim.windows import files

MODULE = 'wcow.buildkit.win_cni_config'
CONF_DIR = 'C:\\Program Files\\containerd\\cni\\conf'
CONF = CONF_DIR + '\\0-containerd-nat.conf'


def run(ansible, fleet, tmp_path, args, check=False):
    return ansible.module(tmp_path, fleet.inventory_path, MODULE, args, check=check, diff=True)


def test_absent_removes_the_config_and_backup_keeps_it(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('plain', 'ws2022', containers=True), HostSpec('kept', 'ws2022', containers=True))
    written = run(ansible, fleet, tmp_path, {})
    assert written.changed_hosts == ['kept', 'plain']
    content = written.task('plain', 'module')['result']['content']

    check = run(ansible, fleet, tmp_path, dict(state='absent'), check=True).task('plain', 'module')['result']
    assert check['changed'] is True and check['diff'] == dict(before=content, after='', before_header=CONF,
                                                              after_header=CONF)
    assert files.is_file(fleet.store('plain').read(), CONF), 'check mode must not touch the host'

    fleet.reset_counters()
    removed = ansible.module(tmp_path, fleet.inventory_path, MODULE, dict(state='absent'), hosts='plain')
    assert removed.task('plain', 'module')['result']['changed'] is True
    state = fleet.store('plain').read()
    assert files.lookup(state, CONF) is None and not files.is_dir(state, CONF_DIR), 'the emptied folder goes'
    assert files.is_dir(state, 'C:\\Program Files\\containerd\\cni')
    assert fleet.counters('plain')['powershell_executions'] == 2

    backed_up = ansible.module(tmp_path, fleet.inventory_path, MODULE, dict(state='absent', backup=True), hosts='kept')
    backup_file = backed_up.task('kept', 'module')['result']['backup_file']
    state = fleet.store('kept').read()
    assert files.lookup(state, CONF) is None
    assert files.read_bytes(state, backup_file).decode('utf-8') == content

    again = run(ansible, fleet, tmp_path, dict(state='absent'))
    assert again.changed_hosts == []
