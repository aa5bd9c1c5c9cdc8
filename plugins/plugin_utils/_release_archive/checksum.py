# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SHA-256 checksums: the `sha256:<hex>` option and checksum files.

Hashes are kept in lower case; Get-FileHash prints upper case, so every
comparison goes through normalise() (docs/windows-facts.md#downloads-archives-and-hashes).
"""

from __future__ import annotations

import re

_HEX64 = re.compile(r'^[0-9a-fA-F]{64}$')
_OPTION = re.compile(r'^sha256:(?P<hex>[0-9a-fA-F]{64})$')
# sha256sum output: `<hex>  <name>` (text mode) or `<hex> *<name>` (binary
# mode), as containerd publishes beside each release asset; or a bare hash.
_LINE = re.compile(r'^(?P<hex>[0-9a-fA-F]{64})(?:[ \t]+\*?(?P<name>.+?))?\s*$')


# `checksum: provenance`: the digest the release's provenance file gives (provenance.py).
PROVENANCE = 'provenance'


class ChecksumError(ValueError):
    pass


def normalise(digest: str | None) -> str | None:
    return digest.lower() if digest else digest


def is_sha256(text: str | None) -> bool:
    return bool(_HEX64.match(text or ''))


def parse_option(text: str | None) -> str:
    """The hex digest of a `sha256:<64 hex digits>` option value, lower case."""
    match = _OPTION.match((text or '').strip())
    if not match:
        raise ChecksumError('must be sha256:<64 hexadecimal digits>, got %r' % text)
    return match.group('hex').lower()


def parse_module_option(text: str | None) -> str:
    """win_release_archive's `checksum`: PROVENANCE, or the hex digest of `sha256:<hex>`."""
    if (text or '').strip() == PROVENANCE:
        return PROVENANCE
    try:
        return parse_option(text)
    except ChecksumError:
        raise ChecksumError('must be sha256:<64 hexadecimal digits> or provenance, got %r' % text)


def pick_from_file(text: str | None, file_name: str) -> str:
    """The digest for `file_name` in a checksum file.

    The line naming the file (a leading `./` or directories in the name are
    ignored) wins. A file holding a single bare hash gives that hash. Anything
    else fails: a file listing only other names, or several bare hashes.
    """
    entries = []
    for number, raw in enumerate((text or '').lstrip('\ufeff').splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        match = _LINE.match(line)
        if not match:
            raise ChecksumError('line %d is not "<sha256>  <file name>": %r' % (number, line[:120]))
        entries.append((match.group('hex').lower(), match.group('name')))
    if not entries:
        raise ChecksumError('holds no SHA-256 checksum')
    named = [digest for digest, name in entries if name is not None and _base(name) == file_name]
    if len(set(named)) > 1:
        raise ChecksumError('lists %s more than once with different checksums' % file_name)
    if named:
        return named[0]
    if len(entries) == 1 and entries[0][1] is None:
        return entries[0][0]
    names = sorted({_base(name) for _digest, name in entries if name is not None})
    if names:
        raise ChecksumError('has no line for %s (it lists %s)' % (file_name, ', '.join(names[:5])))
    raise ChecksumError('holds %d bare checksums and no file names; expected one' % len(entries))


def _base(name: str) -> str:
    return re.split(r'[\\/]', name)[-1]


def trust_problem(url: str | None, mirror: str | None, checksum: str | None,
                  checksum_url: str | None) -> tuple[str, str] | None:
    """(option, message) when the archive's source cannot vouch for it, else None.

    A checksum proves something only when it comes from elsewhere than the
    archive: whoever controls a mirror, or anyone on the path of a plain
    http:// download, serves a checksum file that matches their archive. So a
    mirror or an http:// URL needs the pinned `checksum`, and a checksum file
    is refused over http:// or from the mirror (where `mirror` fetches it).
    The same holds for a release's provenance (`checksum: provenance`), which
    is also refused for `src`, where there is no release beside the archive.
    """
    if checksum is not None and checksum.strip() == PROVENANCE:
        return _provenance_problem(url, mirror)
    if checksum_url is not None and _is_http(checksum_url):
        return ('checksum_url', 'is fetched over plain http://, where anyone on the path can change it along with '
                'the archive; use an https:// URL or a pinned checksum (sha256:<hex>)')
    if mirror:
        if checksum_url is not None:
            return ('checksum_url', 'would be fetched from the mirror too, and a mirror vouching for its own archive '
                    'proves nothing; with mirror, set checksum to the SHA-256 published upstream (sha256:<hex>)')
        if checksum is None:
            return ('checksum', 'is required with mirror: set it to the SHA-256 published upstream (sha256:<hex>); '
                    'allow_unverified does not apply to a mirror')
    if url is not None and _is_http(url) and checksum is None:
        return ('checksum', 'is required for a download over plain http:// (sha256:<hex>); allow_unverified and '
                'checksum_url do not apply there')
    return None


def _provenance_problem(url: str | None, mirror: str | None) -> tuple[str, str] | None:
    """The provenance vouches for the archive only when it comes from the release itself, over https://."""
    if url is None:
        return ('checksum', 'provenance is read from beside a downloaded archive, not for src (a file of the '
                'controller): set a pinned checksum (sha256:<hex>)')
    if mirror:
        return ('checksum', 'provenance would be read from the mirror too, and a mirror vouching for its own archive '
                'proves nothing; a mirror needs a pinned checksum (sha256:<hex>), the SHA-256 published upstream')
    if _is_http(url):
        return ('checksum', 'provenance is not read over plain http://, where anyone on the path can change it along '
                'with the archive; use the https:// release URL or a pinned checksum (sha256:<hex>)')
    return None


def _is_http(url: str) -> bool:
    return url.strip().lower().startswith('http://')
