# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`checksum: provenance`: the archive's SHA-256 read from the provenance BuildKit publishes beside it.

BuildKit's release workflow exports each platform's archive with buildx's local
exporter and its provenance attestation, then renames the exporter's
`provenance.json` to `<archive name without .tar.gz or .zip>.provenance.json`
beside the archive (docs/windows-facts.md#buildkit-releases). The file is an
in-toto statement whose `subject` lists each exported file by its path with a
digest map `{"sha256": "<hex>"}`.
"""

from __future__ import annotations

import json
import re
import typing as t
from urllib.parse import urlsplit, urlunsplit

from .checksum import ChecksumError

_ARCHIVE_SUFFIX = re.compile(r'\.(?:tar\.gz|tgz|zip)$', re.IGNORECASE)
_HEX64 = re.compile(r'^[0-9a-fA-F]{64}$')
_STATEMENT_TYPE = 'https://in-toto.io/Statement/'


def provenance_url(archive_url: str) -> str:
    """The URL of the provenance published beside the archive: its file name without .tar.gz, .tgz or .zip, and
    `.provenance.json` (the query string, if any, kept)."""
    parts = urlsplit(archive_url)
    path = _ARCHIVE_SUFFIX.sub('', parts.path) + '.provenance.json'
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ''))


def pick_digest(text: str | None, file_name: str) -> str:
    """The lower-case SHA-256 the statement's one subject named `file_name` gives; ChecksumError otherwise."""
    try:
        statement = json.loads((text or '').lstrip('\ufeff'))
    except ValueError as error:
        raise ChecksumError('is not JSON: %s' % error)
    if not isinstance(statement, dict) or not str(statement.get('_type', '')).startswith(_STATEMENT_TYPE):
        raise ChecksumError('is not an in-toto statement (no _type %s...)' % _STATEMENT_TYPE)
    subjects = statement.get('subject')
    if not isinstance(subjects, list):
        raise ChecksumError('has no subject list')
    named = [subject for subject in subjects if isinstance(subject, dict) and _base(subject.get('name')) == file_name]
    if not named:
        names = sorted(name for name in (_base(subject.get('name')) for subject in subjects
                                         if isinstance(subject, dict)) if name)
        raise ChecksumError('has no subject named %s (it names %s)' % (file_name, ', '.join(names[:5]) or 'none'))
    if len(named) > 1:
        raise ChecksumError('names %s in %d subjects; expected one' % (file_name, len(named)))
    digest = named[0].get('digest')
    value = digest.get('sha256') if isinstance(digest, dict) else None
    if not isinstance(value, str) or not _HEX64.match(value):
        raise ChecksumError('gives %s no sha256 digest of 64 hexadecimal digits (digest: %s)'
                            % (file_name, _shown(digest)))
    return value.lower()


def _base(name: t.Any) -> str:
    return re.split(r'[\\/]', name)[-1] if isinstance(name, str) else ''


def _shown(value: t.Any) -> str:
    return json.dumps(value)[:120]
