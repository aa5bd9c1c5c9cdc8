"""Every operation has contract cases, and every golden transcript belongs to a case."""

import ast
from pathlib import Path

HERE = Path(__file__).resolve().parent
POWERSHELL = HERE.parents[1] / 'plugins' / 'plugin_utils' / 'powershell'


def _cases():
    """(operation, case) of every test marked @pytest.mark.operation(...) in this folder."""
    found = set()
    for module in HERE.glob('test_*.py'):
        for node in ast.parse(module.read_text(encoding='utf-8')).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                        and decorator.func.attr == 'operation'):
                    found.add((decorator.args[0].value, node.name[len('test_'):]))
    return found


def test_every_operation_has_a_case():
    operations = {path.stem for path in POWERSHELL.glob('*.ps1')} - {'bootstrap'}
    covered = {operation for operation, _case in _cases()}
    assert sorted(operations - covered) == [], 'operations without a contract case'
    assert sorted(covered - operations) == [], 'cases of operations that do not exist'


def test_every_golden_transcript_has_its_case():
    golden = {(path.parent.name, path.stem) for path in (HERE / 'golden').glob('*/*.json')}
    assert sorted(golden - _cases()) == [], 'golden transcripts of no case: run `make contract-golden`'
