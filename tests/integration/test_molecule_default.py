"""The molecule `default` scenario (extensions/molecule/default): `molecule test` against two bare simulated hosts,
Windows Server 2019 and 2022, with the newest ansible-core.

create starts the hosts and the archive server, converge runs the buildkit_host role, idempotence runs it again,
verify runs buildkit_verify, destroy stops everything: also when a step failed.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from ansible_runner import REPO, ansible_bindirs, collections_path
from winsim.fleet import Fleet
from winsim.windows import scm

HOSTS = ('ws2019', 'ws2022')
RECAP = re.compile(r'^\W*(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.MULTILINE)
# "[default > converge] Executing" (or "default ➜ converge: Executing" on a terminal).
STEP = re.compile(r'\bdefault\W+(\w+)\W+Executing\b')
# The DETAILS summary at the end: "default > converge: Executed: Failed (...)".
OUTCOME = re.compile(r'^default\W+(\w+): Executed: (\w+)', re.MULTILINE)
ANSI = re.compile(r'\x1b\[[0-9;]*m')


def molecule(tmp_path, *args):
    """Run molecule from the collection root, as a user would, with its own ephemeral directory."""
    bindir = Path(ansible_bindirs()[0])
    executable = bindir / 'molecule'
    assert executable.exists(), '%s is missing: `make venv` installs molecule (requirements/tools.txt)' % executable
    environment = dict(os.environ)
    environment.update({
        # molecule runs the ansible-playbook it finds on PATH.
        'PATH': '%s%s%s' % (bindir, os.pathsep, environment.get('PATH', '')),
        'ANSIBLE_COLLECTIONS_PATH': collections_path(),
        'MOLECULE_EPHEMERAL_DIRECTORY': str(tmp_path / 'molecule'),
        'ANSIBLE_HOME': str(tmp_path / 'ansible-home'),
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
        'ANSIBLE_NOCOLOR': '1',
        'NO_COLOR': '1',
        'COLUMNS': '200',  # one line per PLAY RECAP host
    })
    # One stream: molecule logs its steps on stderr, ansible-playbook writes on stdout.
    done = subprocess.run([str(executable), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=environment, cwd=str(REPO), timeout=600, check=False)
    return done.returncode, ANSI.sub('', done.stdout)


def outcomes(output):
    """[(step, outcome)] in the order molecule ran them, from its summary."""
    return OUTCOME.findall(output.rsplit('DETAILS', 1)[-1])


def recaps(output):
    """{step: {host: (changed, unreachable, failed)}} from the PLAY RECAP of each step (the last step of that name)."""
    found = {}
    positions = [(match.start(), match.group(1)) for match in STEP.finditer(output)]
    for index, (start, step) in enumerate(positions):
        end = positions[index + 1][0] if index + 1 < len(positions) else len(output)
        found[step] = {host: (int(changed), int(unreachable), int(failed))
                       for host, changed, unreachable, failed in RECAP.findall(output[start:end])}
    return found


def processes_mentioning(text):
    """Command lines of the running processes that mention text (the scenario's ephemeral directory)."""
    found = []
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / 'cmdline').read_bytes().replace(b'\0', b' ').decode(errors='replace')
        except OSError:
            continue
        if text in command:
            found.append(command)
    return found


def processes_gone(text, timeout=10.0):
    """Whether no process mentions text, waiting a little for those just sent SIGTERM to exit."""
    deadline = time.monotonic() + timeout
    while processes_mentioning(text):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.fixture
def destroy_afterwards(tmp_path):
    """Runs `molecule destroy` after a test that kept the hosts (--destroy never), also when the test failed."""
    yield
    if (tmp_path / 'molecule' / 'winsim').exists():
        molecule(tmp_path, 'destroy', '--scenario-name', 'default')


def test_molecule_default_scenario_converges_both_hosts_idempotently_and_destroy_stops_them(
        tmp_path, destroy_afterwards):
    ephemeral = tmp_path / 'molecule'
    rc, output = molecule(tmp_path, 'test', '--scenario-name', 'default', '--destroy', 'never')
    assert rc == 0, output
    assert outcomes(output) == [('destroy', 'Successful'), ('create', 'Successful'), ('converge', 'Successful'),
                                ('idempotence', 'Successful'), ('verify', 'Successful'),
                                ('destroy', 'Successful')], output
    assert "Skipping, '--destroy=never' requested." in output
    steps = recaps(output)
    for host in HOSTS:
        assert steps['converge'][host][0] > 0, 'converge changed nothing on %s:\n%s' % (host, output)
        assert steps['idempotence'][host] == (0, 0, 0), output
        assert steps['verify'][host] == (0, 0, 0), output
        assert 'buildctl debug info on %s: BuildKit' % host in output

    fleet = Fleet(ephemeral / 'winsim' / 'fleet')
    assert fleet.running()
    for host in HOSTS:
        state = fleet.store(host).read()
        assert state['features']['Containers'] == 'Enabled', host
        assert state['boot']['count'] == 2, '%s: the bare host restarted once' % host
        for service in ('containerd', 'buildkitd'):
            assert state['services'][scm.find(state, service)]['State'] == 'Running', (host, service)
    assert processes_mentioning(str(ephemeral)), 'the simulator and the archive server run until destroy'

    rc, output = molecule(tmp_path, 'destroy', '--scenario-name', 'default')
    assert rc == 0, output
    assert not fleet.running()
    assert processes_gone(str(ephemeral)), processes_mentioning(str(ephemeral))
    assert not (ephemeral / 'winsim').exists()


def test_molecule_default_scenario_destroys_the_hosts_when_converge_fails(tmp_path):
    ephemeral = tmp_path / 'molecule'
    # Extra variables reach every step; a wrong WinRM password fails converge
    # at its first task (create and destroy run on localhost, without WinRM).
    rc, output = molecule(tmp_path, 'test', '--scenario-name', 'default', '--', '-e', 'ansible_password=wrong')
    assert rc != 0, output
    assert outcomes(output) == [('destroy', 'Successful'), ('create', 'Successful'), ('converge', 'Failed'),
                                ('cleanup', 'Missing'), ('destroy', 'Successful')], output
    converge = recaps(output)['converge']
    assert sorted(converge) == sorted(HOSTS), output
    assert all(failed or unreachable for _unused, unreachable, failed in converge.values()), output
    assert processes_gone(str(ephemeral)), 'destroy left %s' % processes_mentioning(str(ephemeral))
    assert not (ephemeral / 'winsim').exists()
