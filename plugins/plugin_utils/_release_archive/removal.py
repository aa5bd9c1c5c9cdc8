# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_release_archive state=absent: which installed files go, which stay, and the diff."""

from __future__ import annotations

import typing as t

from .manifest import listing


def sort_paths(paths: t.Iterable[str]) -> list[str]:
    return sorted(paths, key=str.lower)


def split(manifest: dict[str, t.Any] | None, current: dict[str, str | None]) -> tuple[list[str], list[str]]:
    """(removable, replaced) paths of the manifest's files.

    A file with the recorded SHA-256 is removed. One replaced by hand (another
    SHA-256) is no longer what the module installed: it stays, with a warning.
    One already deleted is neither.
    """
    removable, replaced = [], []
    for record in (manifest or {}).get('files', []):
        sha = current.get(record['path'].lower())
        if sha == record['sha256']:
            removable.append(record['path'])
        elif sha is not None:
            replaced.append(record['path'])
    return sort_paths(removable), sort_paths(replaced)


def pending(read: dict[str, t.Any], manifest: dict[str, t.Any] | None) -> bool:
    """Whether anything of this install is left on the host."""
    return manifest is not None or read['previous_dir_exists']


def diff(read: dict[str, t.Any], manifest: dict[str, t.Any] | None, current: dict[str, str | None]) -> dict[str, str]:
    """Before: the installed files as sha256sum lists them; after: nothing."""
    before = [(record['path'], current.get(record['path'].lower())) for record in (manifest or {}).get('files', [])]
    kept_in = read['previous_dir'].rsplit('\\', 1)[-1]
    before += [('%s/%s' % (kept_in, record['path']), record['sha256']) for record in read['previous_files']]
    label = manifest['archive_sha256'] if manifest else None
    return dict(
        before_header='%s (%s)' % (read['manifest_path'], 'archive sha256:%s' % label if label else 'no manifest'),
        after_header='%s (absent)' % read['manifest_path'],
        before=listing(before),
        after='',
    )
