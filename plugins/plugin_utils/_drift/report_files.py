# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write drift-report.md, drift-report.html, drift-report.json and drift-report.xml (JUnit)."""

from __future__ import annotations

import json
import os
import tempfile
import typing as t

from .report_html import render_html
from .report_junit import render_junit
from .report_markdown import render_markdown

BASENAME = 'drift-report'
# The reports name hosts, paths and config differences: readable by their owner and group only,
# whatever the umask of the run (a directory the run creates is its owner's and group's too).
FILE_MODE = 0o640
DIRECTORY_MODE = 0o750


def write_reports(data: dict[str, t.Any], directory: str) -> list[str]:
    """Write the four reports of `data` (DriftReport.as_data()) to directory; return their paths.

    Each file is written beside its final name and then renamed over it, so a
    reader never sees half a report; each gets FILE_MODE, set explicitly.
    """
    if not os.path.isdir(directory):
        os.makedirs(directory, exist_ok=True)
        os.chmod(directory, DIRECTORY_MODE)
    contents = (
        ('md', render_markdown(data)),
        ('html', render_html(data)),
        ('json', json.dumps(data, indent=2, sort_keys=False) + '\n'),
        ('xml', render_junit(data)),
    )
    paths = []
    for extension, text in contents:
        path = os.path.join(directory, '%s.%s' % (BASENAME, extension))
        _replace(path, text)
        paths.append(path)
    return paths


def _replace(path: str, text: str) -> None:
    fd, staged = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, 'w', encoding='utf-8', newline='\n') as handle:
            handle.write(text)
        os.chmod(staged, FILE_MODE)
        os.replace(staged, path)
    except BaseException:
        if os.path.exists(staged):
            os.unlink(staged)
        raise
