# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The previous version win_release_archive keeps, to restore it after a failed upgrade.

`<dest>\\.wcow-<name>.previous\\` holds copies of the files the replaced
install had, at the same relative paths, and its manifest (without
leftovers). It is inside dest, so on the same volume, and no folder on PATH
sees it (PATH is not searched recursively). The host stages a new copy in the
staging directory and moves it in as a whole: the folder holds a complete
previous version or none.
"""

from __future__ import annotations

import typing as t

from . import manifest as manifests

# What release_archive_apply does with the kept previous version.
LEAVE = 'leave'   # nothing replaced, or it already holds the installed version
COPY = 'copy'     # replace it with a copy of the installed version
DROP = 'drop'     # remove it: nothing trustworthy to keep


def folder_name(name: str) -> str:
    return '.wcow-%s.previous' % name


def parse(read: dict[str, t.Any]) -> tuple[dict[str, t.Any] | None, str | None]:
    """(manifest, problem) of the kept previous version, as manifest.parse."""
    return manifests.parse(read['previous_manifest_text'])


def damaged_copies(kept: dict[str, t.Any], read: dict[str, t.Any]) -> list[str]:
    """Files of the kept version whose copy is missing or differs."""
    copies = dict((f['path'].lower(), (f['sha256'] or '').lower() or None) for f in read['previous_files'])
    return [f['path'] for f in kept['files'] if copies.get(f['path'].lower()) != f['sha256']]


def plan(keep_previous: bool, manifest: dict[str, t.Any] | None, wanted: dict[str, t.Any],
         current: dict[str, str | None], read: dict[str, t.Any]) -> tuple[str, str | None]:
    """(action, warning or None) when `wanted` is to be installed over `manifest`."""
    if manifest is None or manifests.same_install(manifest, wanted):
        return LEAVE, None
    if not keep_previous:
        return (DROP if read['previous_dir_exists'] else LEAVE), None
    kept, _problem = parse(read)
    if kept is not None and _same(kept, manifest) and not damaged_copies(kept, read):
        # A run that failed after keeping it: the copy is already the installed version.
        return LEAVE, None
    drifted = manifests.drifted(manifest, current)
    if drifted:
        return (DROP if read['previous_dir_exists'] else LEAVE), (
            'The installed version %s is not kept to restore later: %s changed since it was installed'
            % (_label(manifest), ', '.join(drifted)))
    return COPY, None


def kept_version(action: str, manifest: dict[str, t.Any] | None, read: dict[str, t.Any]) -> str | None:
    """The version a restore would bring back after the run, None when none is kept."""
    if action == COPY:
        return _label(manifest)
    if action == DROP:
        return None
    kept, _problem = parse(read)
    return _label(kept) if kept is not None else None


def as_manifest(manifest: dict[str, t.Any]) -> dict[str, t.Any]:
    """The installed manifest as the kept copy records it."""
    document = dict(manifest, format=manifests.FORMAT, leftovers=[])
    return document


def header(kept: dict[str, t.Any]) -> dict[str, t.Any]:
    return manifests.header(kept['source'], kept['archive_file'], kept['archive_sha256'], kept['version'],
                            kept['strip_components'], kept['include'])


def _same(kept: dict[str, t.Any], manifest: dict[str, t.Any]) -> bool:
    return manifests.same_install(kept, header(manifest)) and (
        sorted((f['path'].lower(), f['sha256']) for f in kept['files'])
        == sorted((f['path'].lower(), f['sha256']) for f in manifest['files']))


def _label(manifest: dict[str, t.Any]) -> str:
    return manifest['version'] or 'sha256:%s' % manifest['archive_sha256']
