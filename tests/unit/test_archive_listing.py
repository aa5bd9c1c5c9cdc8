"""_archive_listing: the files a .tar.gz or .zip installs, as tar.exe extracts them."""

import hashlib
import io
import re
import tarfile
import zipfile

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive.listing import ArchiveError, list_files


def tgz(entries):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as archive:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            elif isinstance(data, str):
                info.type = tarfile.SYMTYPE
                info.linkname = data
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zipped(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        for name, data in entries:
            archive.writestr(name, data if data is not None else b'')
    return buffer.getvalue()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def test_tar_with_strip_skips_short_entries_and_directories():
    data = tgz([('top', None), ('top/README', b'r'), ('top/bin', None), ('top/bin/x.exe', b'x'), ('LICENSE', b'l')])
    assert list_files(data, 'tar.gz', 1) == {'README': sha(b'r'), 'bin/x.exe': sha(b'x')}
    assert list_files(data, 'tar.gz', 0) == {'top/README': sha(b'r'), 'top/bin/x.exe': sha(b'x'), 'LICENSE': sha(b'l')}


def hard_link(name, target):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as archive:
        info = tarfile.TarInfo(target)
        info.size = 1
        archive.addfile(info, io.BytesIO(b'x'))
        link = tarfile.TarInfo(name)
        link.type = tarfile.LNKTYPE
        link.linkname = target
        archive.addfile(link)
    return buffer.getvalue()


def zip_symlink(name, target):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        info = zipfile.ZipInfo(name)
        info.external_attr = (0o120777 << 16)
        archive.writestr(info, target)
    return buffer.getvalue()


REFUSED = [
    ('tar.gz', tgz([('top/bin/x.exe', b'x'), ('top/bin/link', 'x.exe')]), "'top/bin/link', a symbolic link"),
    ('tar.gz', tgz([('top/bin', None), ('top/bin/up', '../../Windows')]), "'top/bin/up', a symbolic link"),
    ('tar.gz', hard_link('bin/h', 'bin/x'), "'bin/h', a hard link"),
    ('zip', zip_symlink('nat.exe', 'C:/Windows/System32/cmd.exe'), "'nat.exe', a symbolic link"),
    ('tar.gz', tgz([('/abs/x', b'1')]), "'/abs/x', an absolute path"),
    ('zip', zipped([('C:/Windows/x.dll', b'1')]), "'C:/Windows/x.dll', a drive"),
    ('tar.gz', tgz([('bin/x.exe:hidden', b'1')]), "'bin/x.exe:hidden', an alternate data stream"),
    ('tar.gz', tgz([('a/../../evil', b'1')]), "'a/../../evil', a .. element"),
    ('tar.gz', tgz([('top/..', None)]), "'top/..', a .. element"),
]


# Named by the refusal: gzip bytes carry a timestamp, and xdist's workers must collect the same ids.
@pytest.mark.parametrize('kind, data, words', REFUSED, ids=[case[2] for case in REFUSED])
def test_links_special_files_and_paths_leaving_the_folder_are_refused(kind, data, words):
    # Refused whatever strip_components would make of them, before anything is extracted.
    for strip in (0, 1):
        with pytest.raises(ArchiveError, match='holds ' + re.escape(words)):
            list_files(data, kind, strip)


def test_zip():
    data = zipped([('nat.exe', b'n'), ('sub/', None), ('sub/a', b'a')])
    assert list_files(data, 'zip', 0) == {'nat.exe': sha(b'n'), 'sub/a': sha(b'a')}


def test_names_differing_in_case_are_one_file_on_windows():
    assert list_files(zipped([('A.txt', b'1'), ('a.txt', b'2')]), 'zip', 0) == {'A.txt': sha(b'2')}


@pytest.mark.parametrize('kind, data', [('tar.gz', b'not gzip'), ('zip', b'PK nothing'), ('tar.gz', zipped([]))])
def test_unreadable_archives(kind, data):
    with pytest.raises(ArchiveError, match='not a readable'):
        list_files(data, kind, 0)
