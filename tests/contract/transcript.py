"""A case's transcript: each operation it ran, with the parameters sent and the answer.

The simulator's transcripts are kept as golden files (golden/<operation>/<case>.json, rewritten by
`make contract-golden`). A simulator run must reproduce them; a real-host run reports each
difference from them as a simulator-fidelity bug (Markdown under .build/contract/).
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
import typing as t
from pathlib import Path

# WCOW_CONTRACT_GOLDEN_DIR: another folder of golden files (the suite's own tests use one).
GOLDEN = Path(os.environ.get('WCOW_CONTRACT_GOLDEN_DIR') or Path(__file__).resolve().parent / 'golden')
VOLATILE = '<volatile>'
HOST = '<host>'


def golden_path(operation: str, case: str) -> Path:
    return GOLDEN / operation / ('%s.json' % case)


def normalize(value: t.Any, replacements: t.Sequence[tuple[str, str]],
              masks: t.Mapping[str, str], where: str = '') -> t.Any:
    """`value` with the run's own strings (scratch folder, throw-away names) replaced by placeholders
    and the values at masked paths (`a.b`, `a.*.c`: fnmatch on the dotted path) replaced by theirs."""
    for pattern, placeholder in masks.items():
        if where and fnmatch.fnmatchcase(where, pattern):
            return placeholder
    if isinstance(value, dict):
        return {key: normalize(item, replacements, masks, '%s.%s' % (where, key) if where else key)
                for key, item in value.items()}
    if isinstance(value, list):
        return [normalize(item, replacements, masks, '%s.%d' % (where, index) if where else str(index))
                for index, item in enumerate(value)]
    if isinstance(value, str):
        for found, placeholder in replacements:
            value = re.sub(re.escape(found), lambda _match, text=placeholder: text, value, flags=re.IGNORECASE)
        return value
    return value


def dumps(document: t.Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + '\n'


def read_golden(operation: str, case: str) -> dict[str, t.Any] | None:
    path = golden_path(operation, case)
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding='utf-8'))


def write_golden(operation: str, case: str, transcript: dict[str, t.Any]) -> None:
    path = golden_path(operation, case)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(transcript), encoding='utf-8')


def difference(golden: dict[str, t.Any], actual: dict[str, t.Any], actual_label: str) -> str:
    """A unified diff of the two transcripts, empty when they are the same."""
    return ''.join(difflib.unified_diff(dumps(golden).splitlines(True), dumps(actual).splitlines(True),
                                        'simulator (golden)', actual_label))


def fidelity_entry(operation: str, case: str, summary: str, diff: str) -> str:
    """One difference, as a Markdown section ready to paste into an issue."""
    return '\n'.join([
        '### `%s`: %s' % (operation, case.replace('_', ' ')),
        '',
        summary,
        '',
        'Golden transcript: `tests/contract/golden/%s/%s.json`. Lines starting with `-` are what the simulator '
        'answers, `+` what the real host answered:' % (operation, case),
        '',
        '```diff',
        diff.rstrip('\n'),
        '```',
        '',
    ])


def fidelity_report(entries: list[str], backend: str, host_summary: str) -> str:
    head = [
        '# Simulator fidelity: differences found by the contract suite',
        '',
        'Host: %s.' % backend,
        '',
        host_summary,
        '',
    ]
    if not entries:
        return '\n'.join(head + ['No differences: every case answered as the simulator does.', ''])
    head += [
        '%d case(s) answered differently from the simulator. Each section below is a simulator-fidelity bug '
        '(or a contract the operation does not keep on real Windows): paste it into an issue, with the '
        'transcript files of `.build/contract/real/` attached.' % len(entries),
        '',
    ]
    return '\n'.join(head) + '\n' + '\n'.join(entries)
