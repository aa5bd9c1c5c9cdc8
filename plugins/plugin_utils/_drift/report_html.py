# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""drift-report.html: the Markdown report as one self-contained page (inline CSS, no script)."""

from __future__ import annotations

import html
import typing as t

from .report_markdown import MEANINGS, NOT_CHECKED_MEANING, mode_notes
from .report_model import LABELS, NOT_CHECKED, STATUSES

CSS = '''
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem; color: #1f2328; }
h1 { margin-bottom: .25rem; }
.meta { color: #57606a; margin-top: 0; }
.note { background: #fff8c5; border: 1px solid #d4a72c; padding: .5rem .75rem; border-radius: 6px; }
.scroll { overflow-x: auto; }
table.matrix { border-collapse: collapse; margin: 1rem 0; }
.matrix th, .matrix td { border: 1px solid #d0d7de; padding: .35rem .6rem; text-align: left; }
.matrix thead th { background: #f6f8fa; vertical-align: bottom; font-weight: 600; min-width: 6rem;
                   max-width: 12rem; font-size: .85rem; }
.matrix tbody th { background: #f6f8fa; position: sticky; left: 0; white-space: nowrap; }
.matrix td { white-space: nowrap; font-size: .9rem; }
.status { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .85rem; font-weight: 600; }
.s-in_sync { background: #dafbe1; color: #116329; }
.s-drifted { background: #fff1c2; color: #7d4e00; }
.s-missing { background: #ffdfc6; color: #8a2c00; }
.s-failed { background: #ffd7d5; color: #82071e; }
.s-unreachable { background: #e0e2f5; color: #2e3268; }
.s-not_checked { background: #f3f4f6; color: #6e7781; font-weight: normal; }
td.s-in_sync, td.s-drifted, td.s-missing, td.s-failed, td.s-unreachable, td.s-not_checked { font-weight: 600; }
.legend { list-style: none; padding: 0; }
.legend li { margin: .2rem 0; }
.host { border-top: 1px solid #d0d7de; margin-top: 1.5rem; }
.module { color: #57606a; font-family: ui-monospace, Consolas, monospace; font-size: .85rem; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem .75rem;
      overflow-x: auto; font-family: ui-monospace, Consolas, monospace; font-size: .85rem; }
'''


def esc(text: t.Any) -> str:
    return html.escape(str(text), quote=True)


def badge(status: str) -> str:
    return '<span class="status s-%s">%s</span>' % (status, esc(LABELS[status]))


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
        parts += _summary(data) + _matrix(data) + _legend() + ['<h2>Details</h2>']
        for index, (name, host) in enumerate(data['hosts'].items()):
            parts += _host_section(index, name, host)
    parts += ['</body>', '</html>', '']
    return '\n'.join(parts)


def _summary(data: dict[str, t.Any]) -> list[str]:
    hosts = data['hosts']
    by_host = ', '.join('%s %d' % (badge(s), sum(1 for h in hosts.values() if h['status'] == s)) for s in STATUSES)
    by_resource = ', '.join('%s %d' % (badge(s), data['totals'][s]) for s in STATUSES)
    return ['<p>Hosts: %d &mdash; %s</p>' % (len(hosts), by_host),
            '<p>Resources checked: %d &mdash; %s</p>' % (sum(data['totals'].values()), by_resource)]


def _matrix(data: dict[str, t.Any]) -> list[str]:
    resources = data['resources']
    headers = ''.join('<th scope="col">%s</th>' % esc(r) for r in resources)
    rows = ['<div class="scroll">', '<table class="matrix">',
            '<thead><tr><th scope="col">Host</th><th scope="col">Status</th>%s</tr></thead>' % headers, '<tbody>']
    for index, (name, host) in enumerate(data['hosts'].items()):
        cells = []
        for resource in resources:
            entry = host['resources'].get(resource)
            if entry is None:
                cells.append('<td class="s-not_checked">%s</td>' % esc(NOT_CHECKED))
                continue
            hint = '\n'.join(([entry['message']] if entry['message'] else []) + entry['summary'])
            title = ' title="%s"' % esc(hint) if hint else ''
            cells.append('<td class="s-%s"%s>%s</td>' % (entry['status'], title, esc(LABELS[entry['status']])))
        rows.append('<tr><th scope="row"><a href="#host-%d">%s</a></th><td>%s</td>%s</tr>'
                    % (index, esc(name), badge(host['status']), ''.join(cells)))
    return rows + ['</tbody>', '</table>', '</div>']


def _legend() -> list[str]:
    items = ['<li>%s %s</li>' % (badge(s), esc(MEANINGS[s])) for s in STATUSES]
    items.append('<li><span class="status s-not_checked">%s</span> %s</li>'
                 % (esc(NOT_CHECKED), esc(NOT_CHECKED_MEANING)))
    return ['<ul class="legend">'] + items + ['</ul>']


def _host_section(index: int, name: str, host: dict[str, t.Any]) -> list[str]:
    parts = ['<section class="host" id="host-%d">' % index, '<h3>%s %s</h3>' % (esc(name), badge(host['status']))]
    items = []
    for problem in host['problems']:
        items.append('<li>Task <strong>%s</strong> %s: %s</li>'
                     % (esc(problem['task']), badge(problem['status']), esc(problem['message'] or '')))
    for key, entry in host['resources'].items():
        if entry['status'] == 'in_sync':
            continue
        module = ' <span class="module">%s</span>' % esc(entry['module']) if entry['module'] else ''
        item = '<li><strong>%s</strong> %s%s' % (esc(key), badge(entry['status']), module)
        if entry['message']:
            item += '<p>%s</p>' % esc(entry['message'])
        if entry['summary']:
            item += '<pre>%s</pre>' % esc('\n'.join(entry['summary']))
        items.append(item + '</li>')
    in_sync = host['counts']['in_sync']
    if not host['resources'] and not host['problems']:
        items.append('<li>No resource was checked on this host.</li>')
    elif in_sync:
        items.append('<li>%d resource%s in sync.</li>' % (in_sync, ' is' if in_sync == 1 else 's are'))
    return parts + ['<ul>'] + items + ['</ul>', '</section>']
