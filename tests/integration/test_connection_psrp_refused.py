"""A task over ansible_connection=psrp fails, naming the connection and what to use, before anything reaches the host.

The operations need the console of a WinRM shell (powershell/bootstrap.ps1 reads [Console]::In); over PSRP the
payload arrives as pipeline input and there is no console host (docs/windows-facts.md#ansible-over-winrm).
"""

from __future__ import annotations

HOST = 'ws2022'


def test_psrp_is_refused_before_anything_is_sent(ansible, start_fleet, tmp_path):
    fleet = start_fleet((HOST, 'ws2022'))
    fleet.reset_counters()
    run = ansible.playbook(tmp_path, fleet.inventory_path, [{
        'name': 'over psrp', 'hosts': HOST, 'gather_facts': False,
        'tasks': [
            {'name': 'facts', 'ignore_errors': True, 'wcow.buildkit.wcow_facts': {}},
            {'name': 'path entry', 'ignore_errors': True, 'check_mode': True,
             'wcow.buildkit.win_path_entry': {'path': 'C:\\Program Files\\containerd'}},
        ],
    }], extra_args=['-e', 'ansible_connection=psrp'])
    for name in ('facts', 'path entry'):
        task = run.task(HOST, name)
        assert task['status'] == 'failed', task
        message = task['result']['msg']
        assert 'The connection psrp is not supported' in message, message
        assert 'ansible_connection=winrm' in message, message
    counters = fleet.counters(HOST)
    assert counters['requests_total'] == 0 and counters['powershell_executions'] == 0, counters
