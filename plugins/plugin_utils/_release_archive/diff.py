# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The diff win_release_archive reports: the installed files before and after."""

from __future__ import annotations

import typing as t

from .manifest import listing

UNKNOWN_AFTER = '# the file list is known once the host has downloaded the archive\n'


def diff(read: dict[str, t.Any], manifest: dict[str, t.Any] | None, current: dict[str, str | None],
         wanted: dict[str, t.Any], after: list[tuple[str, str | None]] | None) -> dict[str, str]:
    """Before and after as sha256sum-style listings, so that --diff shows a line diff."""
    before = {}
    for path_key, sha in current.items():
        if sha is not None:
            before[path_key] = sha
    names = {}
    for record in (manifest or {}).get('files', []):
        names[record['path'].lower()] = record['path']
        before.setdefault(record['path'].lower(), None)
    for path, _sha in after or []:
        names.setdefault(path.lower(), path)
    before_pairs = [(names.get(key, key), sha) for key, sha in before.items()]
    label = manifest['archive_sha256'] if manifest else None
    return dict(
        before_header='%s (%s)' % (read['manifest_path'], 'archive sha256:%s' % label if label else 'no manifest'),
        after_header='%s (%s)' % (read['manifest_path'], 'archive sha256:%s' % wanted['archive_sha256']
                                  if wanted['archive_sha256'] else 'unverified archive'),
        before=listing(before_pairs),
        after=UNKNOWN_AFTER if after is None else listing(after),
    )
