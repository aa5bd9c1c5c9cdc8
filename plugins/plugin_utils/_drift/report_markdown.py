# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""drift-report.md: the table of hosts by resources, then what differs on each host."""

from __future__ import annotations

import re
import typing as t

from .report_model import LABELS, NOT_CHECKED, STATUSES

MEANINGS = {
    'in_sync': 'the host is as the task wants it',
    'drifted': 'the resource exists but differs; the details say how',
    'missing': 'the resource does not exist on the host',
    'failed': 'the task failed, so the state is unknown',
    'unreachable': 'the host did not answer',
}
NOT_CHECKED_MEANING = 'the task did not run on the host (skipped, or the host stopped earlier)'
_ESCAPED = re.compile(r'([\\`*_\[\]|~])')
_ENTITIES = (('&', '&amp;'), ('<', '&lt;'), ('>', '&gt;'))


def inline(text: t.Any) -> str:
    """Text safe in a Markdown paragraph or table cell: no markup, no HTML."""
    text = ' '.join(str(text).split())
    for character, entity in _ENTITIES:
        text = text.replace(character, entity)
    return _ESCAPED.sub(r'\\\1', text)


def code_block(lines: list[str], indent: str = '') -> list[str]:
    """A fenced block shows its lines as they are: the fence outlasts any backticks in them."""
    longest = max([len(run) for line in lines for run in re.findall('`+', line)] + [0])
    fence = '`' * max(3, longest + 1)
    return [indent + fence + 'text'] + [indent + line for line in lines] + [indent + fence]


def cell(status: str) -> str:
    label = LABELS[status]
    return label if status == 'in_sync' else '**%s**' % label


def mode_notes(data: dict[str, t.Any]) -> list[str]:
    notes = []
    if not data['check_mode']:
        notes.append('**Some tasks ran without check mode: on those hosts "drifted" and "missing" mean that this '
                     'run changed the resource.**')
    if not data['diff_mode']:
        notes.append('**Some tasks ran without --diff: their changes show as drifted, never missing, with few '
                     'details.**')
    return notes


def render_markdown(data: dict[str, t.Any]) -> str:
    lines = ['# %s' % inline(data['title']), '']
    origin = ' from %s' % ', '.join(inline(p) for p in data['playbooks']) if data['playbooks'] else ''
    lines += ['Generated %s%s.' % (data['generated_at'], origin), '']
    for note in mode_notes(data):
        lines += [note, '']
    hosts = data['hosts']
    if not hosts:
        return '\n'.join(lines + ['No host reported a result.', ''])
    host_counts = dict((status, sum(1 for h in hosts.values() if h['status'] == status)) for status in STATUSES)
    lines += ['Hosts: %d (%s).' % (len(hosts), _counts(host_counts)),
              'Resources checked: %d (%s).' % (sum(data['totals'].values()), _counts(data['totals'])), '']
    lines += _table(data)
    lines += ['', 'Statuses:', '']
    lines += ['- %s: %s' % (LABELS[status], MEANINGS[status]) for status in STATUSES]
    lines += ['- %s: %s' % (NOT_CHECKED, NOT_CHECKED_MEANING), '']
    lines += ['## Details', '']
    for name, host in hosts.items():
        lines += _host_details(name, host)
    return '\n'.join(lines)


def _counts(counts: dict[str, int]) -> str:
    return ', '.join('%s %d' % (LABELS[status], counts[status]) for status in STATUSES)


def _table(data: dict[str, t.Any]) -> list[str]:
    resources = data['resources']
    rows = ['| Host | Status | %s |' % ' | '.join(inline(r) for r in resources) if resources else '| Host | Status |',
            '| --- | --- |%s' % ''.join(' --- |' for _r in resources)]
    for name, host in data['hosts'].items():
        cells = [cell(host['resources'][r]['status']) if r in host['resources'] else NOT_CHECKED for r in resources]
        rows.append('| %s | %s |%s' % (inline(name), cell(host['status']), ''.join(' %s |' % c for c in cells)))
    return rows


def _host_details(name: str, host: dict[str, t.Any]) -> list[str]:
    lines = ['### %s: %s' % (inline(name), LABELS[host['status']]), '']
    for problem in host['problems']:
        lines.append('- Task **%s** %s: %s'
                     % (inline(problem['task']), LABELS[problem['status']], inline(problem['message'] or '')))
    off = [(key, entry) for key, entry in host['resources'].items() if entry['status'] != 'in_sync']
    for key, entry in off:
        module = ' (%s)' % inline(entry['module']) if entry['module'] else ''
        lines.append('- **%s**%s: %s' % (inline(key), module, LABELS[entry['status']]))
        if entry['message']:
            lines.append('  %s' % inline(entry['message']))
        if entry['summary']:
            lines += [''] + code_block(entry['summary'], indent='  ') + ['']
    in_sync = host['counts']['in_sync']
    if not host['resources'] and not host['problems']:
        lines.append('No resource was checked on this host.')
    elif in_sync:
        lines.append('%s%d resource%s in sync.'
                     % ('- ' if off or host['problems'] else '', in_sync, ' is' if in_sync == 1 else 's are'))
    return lines + ['']
