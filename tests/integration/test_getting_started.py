"""docs/getting-started.md, followed against simulated hosts: its inventory and group_vars files and its
`ansible-playbook` commands, as written, converge the hosts, report no drift and verify them.

Three things differ from the page, as they must on the simulator: each host's connection (host_vars, which win
over group_vars: the simulator speaks HTTP with Basic authentication on loopback), the host names (the simulated
hosts'), and where the archives come from (extra vars pointing at fake archives on a loopback server, with their
checksums, as for `make demo`).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import yaml

from demo import artifacts
from winsim.fleet import HostSpec

DOC = Path(__file__).resolve().parent.parent.parent / 'docs' / 'getting-started.md'
GROUP = 'wcow_buildkit_hosts'


def files_of(text):
    """{path: YAML text} of the yaml blocks whose first line is a comment naming a file under inventory/."""
    found = {}
    for block in re.findall(r'```yaml\n(.*?)```', text, re.S):
        first, _newline, body = block.partition('\n')
        if first.startswith('# inventory/'):
            found[first[2:].strip()] = body
    return found


def playbook_commands(text):
    """(environment, playbook, arguments) of each `ansible-playbook -i inventory/ ...` line of the sh blocks."""
    commands = []
    for block in re.findall(r'```sh\n(.*?)```', text, re.S):
        for line in block.splitlines():
            words = shlex.split(line)
            if 'ansible-playbook' not in words:
                continue
            at = words.index('ansible-playbook')
            environment = dict(word.split('=', 1) for word in words[:at])
            arguments = words[at + 1:]
            assert arguments[:2] == ['-i', 'inventory/'], line
            playbook = next(word for word in arguments[2:] if word.startswith('wcow.buildkit.'))
            commands.append((environment, playbook, [word for word in arguments[2:] if word != playbook]))
    return commands


def test_the_getting_started_page_converges_a_simulated_fleet(ansible, start_fleet, artifact_server, tmp_path):
    text = DOC.read_text(encoding='utf-8')
    documented = files_of(text)
    assert set(documented) == {'inventory/hosts.yml', 'inventory/group_vars/%s/connection.yml' % GROUP,
                               'inventory/group_vars/%s/buildkit.yml' % GROUP}
    connection = yaml.safe_load(documented['inventory/group_vars/%s/connection.yml' % GROUP])
    assert connection['ansible_winrm_scheme'] == 'https' and connection['ansible_port'] == 5986
    assert connection['ansible_winrm_server_cert_validation'] == 'validate'
    assert connection['ansible_winrm_transport'] in ('kerberos', 'ntlm')
    desired = yaml.safe_load(documented['inventory/group_vars/%s/buildkit.yml' % GROUP])
    assert desired['wcow_buildkit_version'] == artifacts.BUILDKIT and 'wcow_buildkit_checksum' in desired
    commands = playbook_commands(text)
    assert [playbook for _env, playbook, _args in commands] == [
        'wcow.buildkit.site', 'wcow.buildkit.drift', 'wcow.buildkit.verify']

    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    simulated = yaml.safe_load(fleet.inventory_path.read_text())['all']['children'][GROUP]['hosts']
    inventory = tmp_path / 'inventory'
    for path, body in documented.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body)
    hosts = yaml.safe_load((inventory / 'hosts.yml').read_text())
    assert list(hosts['all']['children'][GROUP]['hosts']) == ['build01.example.com', 'build02.example.com']
    hosts['all']['children'][GROUP]['hosts'] = dict.fromkeys(simulated)
    (inventory / 'hosts.yml').write_text(yaml.safe_dump(hosts))
    (inventory / 'host_vars').mkdir()
    for name, variables in simulated.items():
        (inventory / 'host_vars' / ('%s.yml' % name)).write_text(yaml.safe_dump(variables))

    published = artifacts.archives()
    for path, data in published.items():
        artifact_server.publish(path, data)
    archives = tmp_path / 'archives.json'
    archives.write_text(json.dumps(artifacts.extra_vars(artifact_server.base_url, published)))

    runs = {}
    for environment, playbook, arguments in commands:
        if 'WCOW_DRIFT_REPORT_DIR' in environment:
            environment['WCOW_DRIFT_REPORT_DIR'] = str(tmp_path / environment['WCOW_DRIFT_REPORT_DIR'])
        if 'ANSIBLE_CALLBACKS_ENABLED' in environment:
            environment['ANSIBLE_CALLBACKS_ENABLED'] += ',wcow_results'
        run = ansible.playbook(tmp_path, inventory, [{'import_playbook': playbook}], env=environment,
                               extra_args=arguments + ['-e', '@%s' % archives])
        assert run.rc == 0, run.output
        runs[playbook] = run
    assert runs['wcow.buildkit.site'].changed_hosts == ['ws2022']
    report = json.loads((tmp_path / 'drift' / 'drift-report.json').read_text())
    assert report['hosts']['ws2022']['status'] == 'in_sync' and len(report['hosts']['ws2022']['resources']) >= 10
    assert runs['wcow.buildkit.verify'].changed_hosts == []
    assert 'buildctl debug info on ws2022' in runs['wcow.buildkit.verify'].output
