# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tell from one task result whether a resource is in sync, drifted, missing or failed.

The rule (docs/drift.md describes it for users):

- unreachable: the host did not answer; failed: the task failed. The first
  line of the task's message is kept.
- in sync: the task succeeded and reported no change.
- missing: the task reported a change and its diff says the resource does not
  exist on the host now. Every part of the diff has an absent `before` and a
  present `after`. A `before` is absent when it is None, empty text (a file
  or service the module shows as text and that does not exist; an empty file
  counts too), an empty mapping, or a mapping whose `state` is `absent` or
  whose `exists` is false (`{'state': 'absent'}` of win_hns_network and
  win_local_group).
- blocked: the task reported a change without a diff because what it
  follows does not exist yet (`depends_on`: win_cni_config in check mode, with
  no HNS network to read the subnet of); it is compared once that exists.
- drifted: any other change. Without --diff, a change is always drifted.

A loop task is one resource: the worst status of its items.
"""

from __future__ import annotations

import difflib
import json
import typing as t

from .report_model import worst


class Finding(t.NamedTuple):
    """What one task says about its resource: the status, what differs (lines), and the task's message."""
    status: str
    summary: list[str]
    message: str | None


MAX_TEXT_LINES = 12
MAX_LIST_ITEMS = 10
MAX_VALUE = 120
MAX_MESSAGE = 500
# List-valued result fields that say what a change is about, in words or files.
LISTED_FIELDS = (('changes', 'changes'), ('changed_files', 'changed files'), ('removed_files', 'removed files'))


def classify(outcome: str, result: t.Any) -> Finding:
    """A Finding for one task result; outcome is 'ok', 'failed' or 'unreachable'."""
    result = result if isinstance(result, dict) else {}
    if outcome == 'unreachable' or result.get('unreachable'):
        return Finding('unreachable', [], _message(result, 'the host could not be reached'))
    items = result.get('results')
    if isinstance(items, list) and items and all(isinstance(item, dict) for item in items):
        return _loop(outcome, result, items)
    if outcome == 'failed' or result.get('failed'):
        return Finding('failed', [], _message(result, 'the task failed'))
    if not result.get('changed'):
        return Finding('in_sync', [], None)
    if 'censored' in result:
        return Finding('drifted', ['the details are hidden (no_log)'], None)
    parts = _diff_parts(result.get('diff'))
    depends_on = result.get('depends_on')
    if depends_on and not parts:
        return Finding('blocked', ['depends on %s, which is not on the host: compared once it exists'
                                   % _short(depends_on)] + _warnings(result), None)
    missing = bool(parts) and all(_absent(part.get('before')) and not _absent(part.get('after')) for part in parts)
    summary = []
    for part in parts:
        summary.extend(_summarize(part))
    summary.extend(_listed(result))
    if not summary:
        summary.append('changed; the module returned no diff (without --diff, or none to show)')
    summary.extend(_warnings(result))
    return Finding('missing' if missing else 'drifted', summary, None)


def _loop(outcome: str, result: dict[str, t.Any], items: list[dict[str, t.Any]]) -> Finding:
    findings = []
    for item in items:
        item_outcome = 'failed' if item.get('failed') else 'unreachable' if item.get('unreachable') else 'ok'
        findings.append((_item_label(item), classify(item_outcome, item)))
    status = worst([finding.status for _label, finding in findings])
    if outcome == 'failed' and status in ('in_sync', 'drifted', 'missing'):
        status = 'failed'
    summary, messages = [], []
    for label, finding in findings:
        summary.extend('%s: %s' % (label, line) for line in finding.summary)
        if finding.message:
            messages.append('%s: %s' % (label, finding.message))
    message = '; '.join(messages) or (_message(result, 'the task failed') if status == 'failed' else None)
    return Finding(status, summary, message)


def _item_label(item: dict[str, t.Any]) -> str:
    label = item.get('_ansible_item_label', item.get('item'))
    return _short(label) if not isinstance(label, str) else label


def _diff_parts(diff: t.Any) -> list[dict[str, t.Any]]:
    parts = diff if isinstance(diff, list) else [diff]
    return [part for part in parts if isinstance(part, dict) and ('before' in part or 'after' in part)]


def _absent(value: t.Any) -> bool:
    if value is None or value == '':
        return True
    if isinstance(value, dict):
        return not value or value.get('state') == 'absent' or value.get('exists') is False
    return False


def _summarize(part: dict[str, t.Any]) -> list[str]:
    before, after = part.get('before'), part.get('after')
    if isinstance(before, dict) or isinstance(after, dict):
        return _summarize_mappings(before, after)
    if isinstance(before, str) or isinstance(after, str):
        return _summarize_text(part, before or '', after or '')
    return ['%s -> %s' % (_short(before), _short(after))]


def _summarize_mappings(before: t.Any, after: t.Any) -> list[str]:
    if _absent(before):
        wanted = ', '.join('%s=%s' % (key, _short(value)) for key, value in _items(after) if key != 'state')
        return ['absent now' + ('; wanted: %s' % wanted if wanted else '')]
    if _absent(after):
        return ['present now; wanted absent']
    before, after = dict(_items(before)), dict(_items(after))
    keys = list(before) + [key for key in after if key not in before]
    return ['%s: %s -> %s' % (key, _short(before.get(key)), _short(after.get(key)))
            for key in keys if before.get(key) != after.get(key)]


def _items(mapping: t.Any) -> list[tuple[t.Any, t.Any]]:
    return sorted(mapping.items(), key=lambda item: str(item[0])) if isinstance(mapping, dict) else []


def _summarize_text(part: dict[str, t.Any], before: str, after: str) -> list[str]:
    header = part.get('before_header') or part.get('after_header')
    summary = []
    if not before:
        summary.append('%sabsent now' % ('%s: ' % header if header else ''))
    elif header:
        summary.append('%s:' % header)
    changed = [line for line in difflib.ndiff(before.splitlines(), after.splitlines())
               if line[:2] in ('- ', '+ ')]
    summary.extend(changed[:MAX_TEXT_LINES])
    if len(changed) > MAX_TEXT_LINES:
        summary.append('... %d more changed lines' % (len(changed) - MAX_TEXT_LINES))
    if not changed and before:
        summary.append('no line differs (line endings or trailing white space may)')
    return summary


def _listed(result: dict[str, t.Any]) -> list[str]:
    summary = []
    for field, label in LISTED_FIELDS:
        values = result.get(field)
        if isinstance(values, list) and values:
            shown = ', '.join(str(value) for value in values[:MAX_LIST_ITEMS])
            more = len(values) - MAX_LIST_ITEMS
            summary.append('%s: %s%s' % (label, shown, ' and %d more' % more if more > 0 else ''))
    return summary


def _warnings(result: dict[str, t.Any]) -> list[str]:
    warnings = result.get('warnings')
    if not isinstance(warnings, list):
        return []
    return ['warning: %s' % _first_line(str(warning), MAX_MESSAGE) for warning in warnings if str(warning).strip()]


def _short(value: t.Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = ' '.join(text.split())
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 3] + '...'


def _message(result: dict[str, t.Any], default: str) -> str:
    """The first line of the task's message: PowerShell errors go on with the position of the error."""
    message = result.get('msg') or result.get('message')
    if not message and isinstance(result.get('exception'), str):
        message = result['exception'].strip().splitlines()[-1]
    return _first_line(str(message or ''), MAX_MESSAGE) or default


def _first_line(text: str, limit: int) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    line = ' '.join(lines[0].split()) if lines else ''
    return line if len(line) <= limit else line[:limit - 3] + '...'
