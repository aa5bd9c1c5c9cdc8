# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""drift-report.html: the Markdown report as one self-contained page (inline CSS, no script).

Laid out for fleets: the summary tables have a row per resource and a column
per status (never a column per resource), and the problems are listed one
under the other, so the page is as wide as the window whatever the number of
hosts and resources; long names and diff lines wrap instead of widening it.
"""

from __future__ import annotations

import html
import typing as t

from .report_markdown import MEANINGS, NOT_CHECKED_MEANING, cell_title, mode_notes
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

CSS = '''
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.5rem; color: #1f2328;
       overflow-wrap: anywhere; }
h1 { margin-bottom: .25rem; }
.meta { color: #57606a; margin-top: 0; }
.note { background: #fff8c5; border: 1px solid #d4a72c; padding: .5rem .75rem; border-radius: 6px; }
table.counts { border-collapse: collapse; margin: 1rem 0; width: 100%; }
.counts th, .counts td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; font-size: .9rem; }
.counts thead th { background: #f6f8fa; vertical-align: bottom; font-weight: 600; }
.counts td.n { text-align: right; width: 7rem; }
.counts td.n.zero { color: #8c959f; }
.status { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .85rem; font-weight: 600; }
.s-in_sync { background: #dafbe1; color: #116329; }
.s-drifted { background: #fff1c2; color: #7d4e00; }
.s-missing { background: #ffdfc6; color: #8a2c00; }
.s-blocked { background: #f1e5ff; color: #5a2a8c; }
.s-failed { background: #ffd7d5; color: #82071e; }
.s-unreachable { background: #e0e2f5; color: #2e3268; }
.s-not_checked { background: #f3f4f6; color: #6e7781; font-weight: normal; }
.group { border-top: 1px solid #d0d7de; margin-top: 1rem; }
.group h3 { margin: .75rem 0 .25rem; }
ul.cells { margin: .25rem 0; padding-left: 1.25rem; }
li.cell { margin: .35rem 0; background: none; color: inherit; }
.module { color: #57606a; font-family: ui-monospace, Consolas, monospace; font-size: .85rem; }
.message { margin: .2rem 0; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: .4rem .6rem; margin: .25rem 0;
      white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, Consolas, monospace;
      font-size: .85rem; }
.legend { list-style: none; padding: 0; }
.legend li { margin: .2rem 0; }
'''


def esc(text: t.Any) -> str:
    return html.escape(str(text), quote=True)


def badge(status: str, labels: dict[str, str] = LABELS) -> str:
    return '<span class="status s-%s">%s</span>' % (status, esc(labels[status] if status in labels else NOT_CHECKED))


def render_html(data: dict[str, t.Any]) -> str:
    parts = ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             '<title>%s</title>' % esc(data['title']), '<style>%s</style>' % CSS, '</head>', '<body>',
             '<h1>%s</h1>' % esc(data['title'])]
    origin = ' from %s' % ', '.join(data['playbooks']) if data['playbooks'] else ''
    parts.append('<p class="meta">Generated %s%s.</p>' % (esc(data['generated_at']), esc(origin)))
    for note in mode_notes(data):
        parts.append('<p class="note">%s</p>' % esc(note.strip('*')))
    if not data['hosts']:
        parts.append('<p>No host reported a result.</p>')
    else:
        parts += ['<h2>Summary</h2>'] + _host_table(data) + _resource_table(data) + _problems(data) + _legend()
    parts += ['</body>', '</html>', '']
    return '\n'.join(parts)


def _number(count: int) -> str:
    return '<td class="n%s">%d</td>' % (' zero' if not count else '', count)


def _host_table(data: dict[str, t.Any]) -> list[str]:
    counts = host_counts(data)
    headers = ''.join('<th scope="col">%s</th>' % badge(s, HOST_LABELS) for s in HOST_STATUSES)
    return ['<table class="counts hosts">',
            '<thead><tr><th scope="col">Hosts</th>%s<th scope="col">total</th></tr></thead>' % headers,
            '<tbody><tr><th scope="row">all</th>%s%s</tr></tbody>' % (
                ''.join(_number(counts[s]) for s in HOST_STATUSES), _number(len(data['hosts']))),
            '</table>']


def _resource_table(data: dict[str, t.Any]) -> list[str]:
    columns = STATUSES + ('not_checked',)
    headers = ''.join('<th scope="col">%s</th>' % badge(s) for s in columns)
    rows = ['<table class="counts resources">',
            '<thead><tr><th scope="col">Resource</th>%s</tr></thead>' % headers, '<tbody>']
    for resource, counts in resource_counts(data).items():
        rows.append('<tr><th scope="row">%s</th>%s</tr>' % (esc(resource), ''.join(_number(counts[s]) for s in columns)))
    return rows + ['</tbody>', '</table>']


def _problems(data: dict[str, t.Any]) -> list[str]:
    group_by = data.get('group_by', 'host')
    parts = ['<h2>Not in sync, by %s</h2>' % esc(group_by)]
    cells = problem_cells(data)
    if not cells:
        parts.append('<p>Every resource checked is in sync.</p>')
    order = list(data['hosts']) if group_by == 'host' else list(data['resources'])
    for index, (name, members) in enumerate(group_cells(cells, group_by, order).items()):
        status = ' ' + badge(data['hosts'][name]['status'], HOST_LABELS) if group_by == 'host' else ''
        parts += ['<section class="group" id="group-%d">' % index, '<h3>%s%s</h3>' % (esc(name), status),
                  '<ul class="cells">']
        parts += [_cell(cell, group_by) for cell in members]
        if group_by == 'host' and data['hosts'][name]['counts']['in_sync']:
            in_sync = data['hosts'][name]['counts']['in_sync']
            parts.append('<li>%d other resource%s in sync.</li>' % (in_sync, ' is' if in_sync == 1 else 's are'))
        parts += ['</ul>', '</section>']
    in_sync = [name for name, host in data['hosts'].items() if host['status'] == 'in_sync']
    if in_sync:
        parts.append('<p class="in-sync">Hosts in sync (%d): %s.</p>' % (len(in_sync), esc(', '.join(in_sync))))
    return parts


def _cell(cell: dict[str, t.Any], group_by: str) -> str:
    module = ' <span class="module">%s</span>' % esc(cell['module']) if cell['module'] else ''
    item = ('<li class="cell" data-status="%s" data-host="%s" data-resource="%s"><strong>%s</strong> %s%s'
            % (esc(cell['status']), esc(cell['host']), esc(cell['name']), esc(cell_title(cell, group_by)),
               badge(cell['status']), module))
    if cell['message']:
        item += '<p class="message">%s</p>' % esc(cell['message'])
    if cell['summary']:
        item += '<pre>%s</pre>' % esc('\n'.join(cell['summary']))
    return item + '</li>'


def _legend() -> list[str]:
    items = ['<li>%s %s</li>' % (badge(status), esc(MEANINGS[status])) for status in STATUSES]
    items.append('<li>%s %s</li>' % (badge('not_checked'), esc(NOT_CHECKED_MEANING)))
    return ['<h2>Statuses</h2>', '<ul class="legend">'] + items + ['</ul>']
