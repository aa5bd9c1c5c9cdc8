# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""drift-report.md: a summary of hosts and resources by status, then only what is not in sync, by host or resource."""

from __future__ import annotations

import re
import typing as t

from .report_model import (
    HOST_LABELS,
    HOST_STATUSES,
    LABELS,
    NOT_CHECKED,
    STATUSES,
    group_cells,
    host_counts,
    problem_cells,
    resource_counts,
)

MEANINGS = {
    'in_sync': 'the host is as the task wants it',
    'drifted': 'the resource exists on the host but differs; the details say how',
    'missing': 'the resource (a network, group, service, file...) does not exist on the host; the host itself answered',
    'blocked': 'the resource follows another one that is absent on the host; it is compared once that exists',
    'failed': 'the task failed, so the state of the resource is unknown',
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


def mode_notes(data: dict[str, t.Any]) -> list[str]:
    notes = []
    if not data['check_mode']:
        notes.append('**Some tasks ran without check mode: on those hosts "drifted" and "absent on host" mean that '
                     'this run changed the resource.**')
    if not data['diff_mode']:
        notes.append('**Some tasks ran without --diff: their changes show as drifted, never absent, with few '
                     'details.**')
    return notes


def cell_title(cell: dict[str, t.Any], group_by: str) -> str:
    """What a problem cell is called inside its group: the resource (or task) in a host's group, else the host."""
    if group_by == 'host':
        return 'task %s' % cell['name'] if cell['task'] else cell['name']
    return cell['host']


def render_markdown(data: dict[str, t.Any]) -> str:
    lines = ['# %s' % inline(data['title']), '']
    origin = ' from %s' % ', '.join(inline(p) for p in data['playbooks']) if data['playbooks'] else ''
    lines += ['Generated %s%s.' % (data['generated_at'], origin), '']
    for note in mode_notes(data):
        lines += [note, '']
    if not data['hosts']:
        return '\n'.join(lines + ['No host reported a result.', ''])
    lines += ['## Summary', ''] + _summary(data) + ['']
    group_by = data.get('group_by', 'host')
    cells = problem_cells(data)
    lines += ['## Not in sync, by %s' % group_by, '']
    if not cells:
        lines += ['Every resource checked is in sync.', '']
    order = list(data['hosts']) if group_by == 'host' else list(data['resources'])
    for name, members in group_cells(cells, group_by, order).items():
        lines += _group(data, name, members, group_by)
    in_sync = [name for name, host in data['hosts'].items() if host['status'] == 'in_sync']
    if in_sync:
        lines += ['Hosts in sync (%d): %s.' % (len(in_sync), ', '.join(inline(name) for name in in_sync)), '']
    lines += ['## Statuses', '']
    lines += ['- %s: %s' % (LABELS[status], MEANINGS[status]) for status in STATUSES]
    lines += ['- %s: %s' % (NOT_CHECKED, NOT_CHECKED_MEANING), '']
    return '\n'.join(lines)


def _summary(data: dict[str, t.Any]) -> list[str]:
    hosts = host_counts(data)
    lines = ['| Hosts | %s | total |' % ' | '.join(HOST_LABELS[s] for s in HOST_STATUSES),
             '| --- |%s --- |' % (' --- |' * len(HOST_STATUSES)),
             '| all | %s | %d |' % (' | '.join(str(hosts[s]) for s in HOST_STATUSES), len(data['hosts'])), '']
    columns = STATUSES + ('not_checked',)
    labels = [LABELS.get(s, NOT_CHECKED) for s in columns]
    lines += ['| Resource | %s |' % ' | '.join(labels), '| --- |%s' % (' --- |' * len(columns))]
    per_resource = resource_counts(data)
    for resource, counts in per_resource.items():
        lines.append('| %s | %s |' % (inline(resource), ' | '.join(_count(counts, s) for s in columns)))
    totals = dict((s, sum(counts[s] for counts in per_resource.values())) for s in columns)
    lines.append('| all | %s |' % ' | '.join(_count(totals, s) for s in columns))
    return lines


def _count(counts: dict[str, int], status: str) -> str:
    """A count, in bold when it is of a status that needs a look."""
    return str(counts[status]) if status in ('in_sync', 'not_checked') or not counts[status] else '**%d**' % counts[status]


def _group(data: dict[str, t.Any], name: str, members: list[dict[str, t.Any]], group_by: str) -> list[str]:
    if group_by == 'host':
        heading = '### %s: %s' % (inline(name), HOST_LABELS[data['hosts'][name]['status']])
    else:
        heading = '### %s' % inline(name)
    lines = [heading, '']
    for cell in members:
        module = ' (%s)' % inline(cell['module']) if cell['module'] else ''
        lines.append('- **%s**%s: %s' % (inline(cell_title(cell, group_by)), module, LABELS[cell['status']]))
        if cell['message']:
            lines.append('  %s' % inline(cell['message']))
        if cell['summary']:
            lines += [''] + code_block(cell['summary'], indent='  ') + ['']
    if group_by == 'host':
        in_sync = data['hosts'][name]['counts']['in_sync']
        if in_sync:
            lines.append('- %d other resource%s in sync.' % (in_sync, ' is' if in_sync == 1 else 's are'))
    return lines + ['']
