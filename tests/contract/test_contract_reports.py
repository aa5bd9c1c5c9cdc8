"""The suite's own machinery: a real-host run reports differences from the golden transcripts as
Markdown, and a simulator run fails on them. Runs one case in a pytest of its own, against a
simulated host standing in for the real one (WINRM_HOST over HTTP with basic authentication)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from contract.backend import SIMULATOR_PLUGINS, SIMULATOR_PROFILE

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OPERATION, CASE = 'local_group_read', 'a_missing_group_reads_as_none'

pytestmark = [
    pytest.mark.skipif(os.environ.get('WCOW_CONTRACT_GOLDEN') == 'update',
                       reason='tests the golden files, which `make contract-golden` is rewriting'),
    pytest.mark.skipif(bool(os.environ.get('WINRM_HOST')),
                       reason='a run on a real host tests the host; these start a simulated one'),
]


@pytest.fixture
def golden(tmp_path):
    """A copy of the case's golden transcript that says the name is taken by a user, which it is not."""
    folder = tmp_path / 'golden'
    (folder / OPERATION).mkdir(parents=True)
    document = json.loads((HERE / 'golden' / OPERATION / ('%s.json' % CASE)).read_text(encoding='utf-8'))
    document['steps'][0]['result']['name_taken_by_user'] = True
    (folder / OPERATION / ('%s.json' % CASE)).write_text(json.dumps(document), encoding='utf-8')
    return folder


def run_case(tmp_path, golden, **env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(('WINRM_', 'WCOW_CONTRACT_'))}
    environment.update(WCOW_CONTRACT_GOLDEN_DIR=str(golden), WCOW_CONTRACT_REPORT=str(tmp_path / 'report'), **env)
    return subprocess.run([sys.executable, '-m', 'pytest', '-p', 'no:xdist', '-p', 'no:cacheprovider', '-q',
                           'tests/contract/test_read_ops.py', '-k', CASE], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=120, check=False)


def test_a_real_host_run_reports_each_difference_as_markdown(tmp_path, golden):
    from winsim.fleet import Fleet, HostSpec

    with Fleet(tmp_path / 'fleet', plugins=SIMULATOR_PLUGINS) as fleet:
        fleet.start(hosts=[HostSpec('real', SIMULATOR_PROFILE, containers=True)])
        host = fleet.host('real')
        run = run_case(tmp_path, golden, WINRM_HOST='127.0.0.1', WINRM_PORT=str(host['port']), WINRM_SCHEME='http',
                       WINRM_TRANSPORT='basic', WINRM_USER=host['username'], WINRM_PASSWORD=host['password'])
    assert run.returncode == 0, run.stdout + run.stderr
    report = (tmp_path / 'report' / 'fidelity.md').read_text(encoding='utf-8')
    assert '1 case(s) answered differently from the simulator' in report
    assert '### `local_group_read`: a missing group reads as none' in report
    assert '-        "name_taken_by_user": true,\n+        "name_taken_by_user": false,' in report
    real = json.loads((tmp_path / 'report' / 'real' / OPERATION / ('%s.json' % CASE)).read_text(encoding='utf-8'))
    assert real['steps'][0]['params']['name'] == '<group>', 'the throw-away name of the run is a placeholder'


def test_a_simulator_run_fails_on_a_difference(tmp_path, golden):
    run = run_case(tmp_path, golden)
    assert run.returncode == 1, run.stdout + run.stderr
    assert 'run `make contract-golden`' in run.stdout
    assert not (tmp_path / 'report').exists()
    shutil.rmtree(golden / OPERATION)
    missing = run_case(tmp_path, golden)
    assert missing.returncode == 1 and 'no golden transcript' in missing.stdout
