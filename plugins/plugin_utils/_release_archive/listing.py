# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files a release archive installs, read on the controller (for `src`).

Follows what the host's tar.exe (bsdtar) does with
`tar.exe -xf ARCHIVE -C DIR --strip-components N` (libarchive tar/util.c
edit_pathname): strip N leading elements, skipping entries left empty, then
drop leading `/` and drive letters; an entry with a `..` element is refused
(archive_write_disk, "Path contains '..'"). Only regular files are installed:
directories come with them. As on the host (release_archive_apply lists the
archive before tar.exe extracts it), an archive is refused whole when an
entry is a link or a special file (tar.exe on Windows Server 2022, 2025 and
Windows 11 creates the links it extracts), or when its path is absolute, has
a drive, a colon (an alternate data stream) or a `..` element.
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


def entry_problem(name: str) -> str | None:
    """Why an entry's path is refused before extraction, or None."""
    path = name.replace('\\', '/')
    if path.startswith('/'):
        return 'an absolute path'
    if re.match(r'^[A-Za-z]:', path):
        return 'a drive'
    if ':' in path:
        return 'an alternate data stream'
    if '..' in path.split('/'):
        return 'a .. element'
    return None


def _checked(name: str, kind: str | None = None) -> str:
    """`name`, or ArchiveError when the entry (of `kind`, None for a file or folder) is refused."""
    problem = kind or entry_problem(name)
    if problem:
        raise ArchiveError('holds %r, %s: an archive with links, special files or paths that leave the folder is '
                           'refused' % (name, problem))
    return name


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
                    yield _checked(member.name), archive.extractfile(member).read()
                elif member.isdir():
                    _checked(member.name)
                else:
                    _checked(member.name, 'a symbolic link' if member.issym() else 'a hard link' if member.islnk()
                             else 'a device or special file')
    except (tarfile.TarError, EOFError, OSError) as error:
        raise ArchiveError('is not a readable .tar.gz archive: %s' % error)


def _zip_members(data: bytes) -> t.Iterator[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                # The Unix file type in the high bits of the external attributes (Info-ZIP's convention).
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    _checked(info.filename, 'a symbolic link')
                elif info.is_dir():
                    _checked(info.filename)
                else:
                    yield _checked(info.filename), archive.read(info)
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError('is not a readable .zip archive: %s' % error)
