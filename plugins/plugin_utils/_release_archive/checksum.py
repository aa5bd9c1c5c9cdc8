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
