"""The contract suite's fixtures: the backend (the simulator, or WINRM_HOST), and `contract`, a case.

Every test is one case of one operation, marked `@pytest.mark.operation('<operation>')`; its
transcript is compared with golden/<operation>/<case>.json (the case is the test's name without
`test_`). Environment:

- WINRM_HOST, WINRM_USER, WINRM_PASSWORD: run on that Windows host instead of the simulator;
  WINRM_PORT (5986), WINRM_SCHEME (https), WINRM_TRANSPORT (ntlm), WINRM_CA (a CA bundle to trust),
  WINRM_CERT_VALIDATION (validate, or ignore), WCOW_CONTRACT_SCRATCH (C:\\wcow-contract: where the
  run's scratch folder goes), WCOW_CONTRACT_DESTRUCTIVE=1 (also the cases marked destructive:
  restarts, Windows features).
- WCOW_CONTRACT_GOLDEN=update: write the simulator's transcripts as the golden files
  (`make contract-golden`).
- WCOW_CONTRACT_REPORT: where a real-host run writes its report (.build/contract).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import typing as t
from pathlib import Path

import jsonschema
import pytest

# The collection, importable as ansible_collections.wcow.buildkit: tests/conftest.py links it into
# ANSIBLE_COLLECTIONS_PATH (.build/collections), as `make` does.
for _root in reversed(os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep)):
    if _root and os.path.isdir(os.path.join(_root, 'ansible_collections', 'wcow', 'buildkit')) and _root not in sys.path:
        sys.path.insert(0, _root)

from contract import windows_controller  # noqa: E402

windows_controller.install()

from contract import transcript  # noqa: E402
from contract.backend import Backend, Leftovers, SimulatorBackend, backend_from_environment  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
POWERSHELL = REPO / 'plugins' / 'plugin_utils' / 'powershell'
REPORT = Path(os.environ.get('WCOW_CONTRACT_REPORT') or REPO / '.build' / 'contract')
UPDATE_GOLDEN = os.environ.get('WCOW_CONTRACT_GOLDEN') == 'update'


def pytest_configure(config):
    config.addinivalue_line('markers', 'operation(name): the operation a contract case is about')
    config.addinivalue_line('markers', 'destructive: a contract case that restarts the host or changes Windows '
                                       'features; on a real host only with WCOW_CONTRACT_DESTRUCTIVE=1')


@pytest.fixture(scope='session')
def backend():
    chosen = backend_from_environment()
    if UPDATE_GOLDEN and not isinstance(chosen, SimulatorBackend):
        pytest.exit('WCOW_CONTRACT_GOLDEN=update writes the simulator\'s answers: unset WINRM_HOST', 2)
    chosen.start()
    yield chosen
    chosen.stop()


class OperationFailed(AssertionError):
    pass


class Contract:
    """One case on the backend's host: runs operations, checks each result against its schema,
    and keeps the transcript. Paths go under `scratch`; names come from `name()`."""

    def __init__(self, backend: Backend, operation: str, case: str) -> None:
        self.backend = backend
        self.operation = operation
        self.case = case
        self.scratch = '%s\\%s' % (backend.scratch, case)
        self.steps: list[dict[str, t.Any]] = []
        self.leftovers = Leftovers()
        self._names: list[tuple[str, str]] = []

    # -- what a case works with ------------------------------------------------
    def path(self, *parts: str) -> str:
        return '\\'.join((self.scratch,) + parts)

    def name(self, kind: str) -> str:
        """A throw-away name for a service, group or network: fixed on the simulator, random on a real host."""
        suffix = 'sim' if isinstance(self.backend, SimulatorBackend) else secrets.token_hex(3)
        made = 'wcowct-%s-%s' % (kind, suffix)
        self._names.append((made, '<%s>' % kind))
        if kind == 'service':
            self.leftovers.services.append(made)
        elif kind == 'group':
            self.leftovers.groups.append(made)
        return made

    def volatile(self, value: str, label: str) -> str:
        """`value`, a string the host made up (a backup file's name, an id), shown as `<label>` wherever
        it appears in the transcript, later parameters included."""
        self._names.append((value, '<%s>' % label))
        return value

    @property
    def destructive(self) -> bool:
        return self.backend.destructive

    def call(self, operation: str, params: dict[str, t.Any], stream: bytes | None = None,
             masks: t.Mapping[str, str] | None = None) -> dict[str, t.Any]:
        """Run `operation`; fail the case unless it succeeded with a result of its declared shape."""
        answer = self.backend.run(operation, params, stream)
        self._record(operation, params, answer, masks, stream)
        if answer.error is not None:
            raise OperationFailed(answer.error)
        jsonschema.validate(answer.result, _schema(operation))
        return answer.result

    def fail(self, operation: str, params: dict[str, t.Any], stream: bytes | None = None,
             masks: t.Mapping[str, str] | None = None) -> str:
        """Run `operation`, which must fail on the host; return the runner's message."""
        answer = self.backend.run(operation, params, stream)
        self._record(operation, params, answer, masks, stream)
        if answer.error is None:
            raise AssertionError('%s succeeded where it must fail: %s' % (operation, json.dumps(answer.result)))
        return answer.error

    # -- transcript --------------------------------------------------------------
    def _record(self, operation, params, answer, masks, stream) -> None:
        step: dict[str, t.Any] = {'operation': operation, 'params': params}
        if stream is not None:
            step['stream_bytes'] = len(stream)
        if answer.error is not None:
            step['error'] = _without_position(answer.error)
        else:
            step['result'] = answer.result
        step['masks'] = dict(masks or {})
        self.steps.append(step)

    def transcript(self) -> dict[str, t.Any]:
        replacements = sorted(self._names + [(self.scratch, '<scratch>')], key=lambda pair: -len(pair[0]))
        steps = []
        for step in self.steps:
            masks = {'result.' + key: value for key, value in step.pop('masks', {}).items()} if 'masks' in step else {}
            steps.append(transcript.normalize(step, replacements, masks))
        return {'operation': self.operation, 'case': self.case, 'steps': steps}


def _without_position(error: str) -> str:
    """The runner's message without the script position a real host adds (line numbers of the composed
    script are not part of the contract)."""
    return error.split('\nAt line:', 1)[0].split('\nAt char:', 1)[0]


_SCHEMAS: dict[str, dict] = {}


def _schema(operation: str) -> dict:
    if operation not in _SCHEMAS:
        _SCHEMAS[operation] = json.loads((POWERSHELL / ('%s.result.json' % operation)).read_text(encoding='utf-8'))
    return _SCHEMAS[operation]


@pytest.fixture
def contract(request, backend):
    marker = request.node.get_closest_marker('operation')
    if marker is None:
        raise pytest.UsageError('%s: a contract case needs @pytest.mark.operation(name)' % request.node.nodeid)
    operation = marker.args[0]
    if request.node.get_closest_marker('destructive') and not backend.destructive:
        pytest.skip('destructive: set WCOW_CONTRACT_DESTRUCTIVE=1 to run it on a real host')
    case = request.node.name[len('test_'):] if request.node.name.startswith('test_') else request.node.name
    made = Contract(backend, operation, case)
    try:
        yield made
    finally:
        backend.after_case(made.leftovers)
    outcome = getattr(request.node, 'contract_outcome', 'failed')
    if outcome != 'skipped':
        _compare(made, outcome == 'failed')


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == 'call':
        item.contract_outcome = report.outcome
    return report


def _compare(made: Contract, failed: bool) -> None:
    actual = made.transcript()
    if isinstance(made.backend, SimulatorBackend):
        if failed:
            return
        if UPDATE_GOLDEN:
            transcript.write_golden(made.operation, made.case, actual)
            return
        golden = transcript.read_golden(made.operation, made.case)
        if golden is None:
            pytest.fail('no golden transcript %s: run `make contract-golden` and commit it'
                        % transcript.golden_path(made.operation, made.case))
        diff = transcript.difference(golden, actual, 'simulator (now)')
        if diff:
            pytest.fail('the simulator no longer answers as its golden transcript says; if the change is meant, '
                        'run `make contract-golden` and commit the files:\n' + diff)
        return
    real = REPORT / 'real' / made.operation / ('%s.json' % made.case)
    real.parent.mkdir(parents=True, exist_ok=True)
    real.write_text(transcript.dumps(actual), encoding='utf-8')
    golden = transcript.read_golden(made.operation, made.case)
    if golden is None:
        return
    diff = transcript.difference(golden, actual, 'real host')
    if diff:
        summary = ('The contract case failed on the real host as well.' if failed else
                   'The contract case passed on the real host, but the host answered differently.')
        entry = transcript.fidelity_entry(made.operation, made.case, summary, diff)
        target = REPORT / 'differences' / ('%s__%s.md' % (made.operation, made.case))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(entry, encoding='utf-8')


def pytest_sessionstart(session):
    if _real_host_run() and not hasattr(session.config, 'workerinput'):
        for stale in (REPORT / 'differences', REPORT / 'real'):
            shutil.rmtree(stale, ignore_errors=True)


def _real_host_run() -> bool:
    return bool(os.environ.get('WINRM_HOST'))


def pytest_sessionfinish(session):
    if not _real_host_run() or hasattr(session.config, 'workerinput'):
        return
    entries = [path.read_text(encoding='utf-8') for path in sorted((REPORT / 'differences').glob('*.md'))]
    host = os.environ['WINRM_HOST']
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / 'fidelity.md').write_text(transcript.fidelity_report(
        entries, 'a real Windows host (WINRM_HOST=%s)' % host,
        'Transcripts of this run: `.build/contract/real/<operation>/<case>.json`.'), encoding='utf-8')
