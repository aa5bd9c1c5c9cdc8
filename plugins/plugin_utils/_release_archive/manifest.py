# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The manifest win_release_archive keeps beside the files it installed.

`<dest>\\.wcow-<name>.manifest.json`, written by the host last, after every
file is in place:

    {"format": 1, "name": ..., "source": URL or "src:<file name>",
     "archive_file": ..., "archive_sha256": ..., "version": ... or null,
     "strip_components": N, "include": [...] or null,
     "files": [{"path": "bin/x.exe", "sha256": ...}, ...],
     "leftovers": ["bin/x.exe.wcow-old-1a2b3c4d", ...]}

`leftovers` are replaced files that were still in use, renamed aside, to be
deleted by a later run.
"""

from __future__ import annotations

import json
import typing as t

from .paths import member_path
from .checksum import is_sha256, normalise

FORMAT = 1
# The settings that, with the archive, decide which files are installed.
IDENTITY = ('archive_sha256', 'version', 'strip_components', 'include')


def file_name(name: str) -> str:
    return '.wcow-%s.manifest.json' % name


def parse(text: str | None) -> tuple[dict[str, t.Any] | None, str | None]:
    """(manifest dict, None), (None, None) when there is none, or (None, problem)."""
    if text is None:
        return None, None
    try:
        document = json.loads(text.lstrip('\ufeff'))
    except ValueError as error:
        return None, 'is not JSON (%s)' % error
    if not isinstance(document, dict) or document.get('format') != FORMAT:
        return None, 'is not a format %d manifest' % FORMAT
    try:
        return _checked(document), None
    except (KeyError, TypeError, ValueError) as error:
        return None, 'is damaged: %s' % error


def _checked(document: dict[str, t.Any]) -> dict[str, t.Any]:
    files = []
    for entry in document['files']:
        path = member_path(entry['path'])
        if not is_sha256(entry['sha256']):
            raise ValueError('file %s has no SHA-256' % path)
        files.append(dict(path=path, sha256=normalise(entry['sha256'])))
    include = document.get('include')
    if include is not None:
        include = [member_path(item) for item in include]
    strip = document['strip_components']
    if not isinstance(strip, int) or isinstance(strip, bool) or strip < 0:
        raise ValueError('strip_components is %r' % (strip,))
    if not is_sha256(document['archive_sha256']):
        raise ValueError('archive_sha256 is %r' % (document['archive_sha256'],))
    leftovers = [member_path(item) for item in document.get('leftovers') or []]
    version = document.get('version')
    return dict(
        source=str(document.get('source') or ''),
        archive_file=str(document.get('archive_file') or ''),
        archive_sha256=normalise(document['archive_sha256']),
        version=None if version is None else str(version),
        strip_components=strip,
        include=include,
        files=sorted(files, key=lambda f: f['path'].lower()),
        leftovers=leftovers,
    )


def header(source: str, archive_file: str, archive_sha256: str | None, version: str | None, strip_components: int,
           include: list[str] | None) -> dict[str, t.Any]:
    """The manifest fields the controller decides; the host adds files and leftovers."""
    return dict(format=FORMAT, source=source, archive_file=archive_file, archive_sha256=archive_sha256,
                version=version, strip_components=strip_components, include=include)


def drifted(manifest: dict[str, t.Any], current: dict[str, str | None]) -> list[str]:
    """Files of the manifest whose current hash differs (None: the file is missing)."""
    return [f['path'] for f in manifest['files'] if current.get(f['path'].lower()) != f['sha256']]


def same_install(manifest: dict[str, t.Any], wanted: dict[str, t.Any]) -> bool:
    """Whether the manifest records the archive and settings in `wanted` (a header()).

    Without a checksum (allow_unverified and a URL), the source URL stands in
    for the archive's hash.
    """
    keys = IDENTITY if wanted['archive_sha256'] else ('source',) + IDENTITY[1:]
    return all(_comparable(manifest.get(key)) == _comparable(wanted.get(key)) for key in keys)


def _comparable(value: t.Any) -> t.Any:
    if isinstance(value, list):
        return sorted(item.lower() for item in value)
    return value


def listing(files: t.Iterable[tuple[str, str | None]]) -> str:
    """Text for a diff: one `<sha256>  <path>` line per file, like sha256sum."""
    lines = ['%s  %s' % (sha256 or '(missing)', path) for path, sha256 in sorted(files, key=lambda f: f[0].lower())]
    return ''.join(line + '\n' for line in lines)
