# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files a release archive installs, read on the controller (for `src`).

Follows what the host's tar.exe (bsdtar) does with
`tar.exe -xf ARCHIVE -C DIR --strip-components N` (libarchive tar/util.c
edit_pathname): strip N leading elements, skipping entries left empty, then
drop leading `/` and drive letters; an entry with a `..` element is refused
(archive_write_disk, "Path contains '..'"). Only regular files are installed:
directories come with them, links are not supported.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import typing as t
import zipfile

from .paths import strip


class ArchiveError(ValueError):
    pass


def list_files(data: bytes, kind: str, strip_components: int) -> dict[str, str]:
    """{relative path: sha256 hex} of the files the archive would install."""
    members = _tar_members(data) if kind == 'tar.gz' else _zip_members(data)
    files, spelling = {}, {}
    for name, content in members:
        path = strip(name, strip_components)
        if path is None:
            continue
        path = _without_absolute_prefix(path)
        if not path:
            continue
        if '..' in path.split('/'):
            raise ArchiveError("archive member %r contains '..'; tar.exe refuses to extract it" % name)
        key = path.lower()
        # NTFS is case-insensitive: a later entry overwrites an earlier one
        # whose name differs only in case, which keeps its spelling.
        spelling.setdefault(key, path)
        files[spelling[key]] = hashlib.sha256(content).hexdigest()
    return files


def _without_absolute_prefix(path: str) -> str:
    previous = None
    while previous != path:
        previous = path
        path = re.sub(r'^[A-Za-z]:', '', path).lstrip('/')
    return path


def _tar_members(data: bytes) -> t.Iterator[tuple[str, bytes]]:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode='r:gz') as archive:
            for member in archive:
                if member.isfile():
                    yield member.name, archive.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError) as error:
        raise ArchiveError('is not a readable .tar.gz archive: %s' % error)


def _zip_members(data: bytes) -> t.Iterator[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    yield info.filename, archive.read(info)
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError('is not a readable .zip archive: %s' % error)
