"""_archive_listing: the files a .tar.gz or .zip installs, as tar.exe extracts them."""

import hashlib
import io
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


def test_tar_with_strip_skips_short_entries_directories_and_links():
    data = tgz([('top', None), ('top/README', b'r'), ('top/bin', None), ('top/bin/x.exe', b'x'),
                ('top/bin/link', 'x.exe'), ('LICENSE', b'l')])
    assert list_files(data, 'tar.gz', 1) == {'README': sha(b'r'), 'bin/x.exe': sha(b'x')}
    assert list_files(data, 'tar.gz', 0) == {'top/README': sha(b'r'), 'top/bin/x.exe': sha(b'x'), 'LICENSE': sha(b'l')}


def test_zip():
    data = zipped([('nat.exe', b'n'), ('sub/', None), ('sub/a', b'a')])
    assert list_files(data, 'zip', 0) == {'nat.exe': sha(b'n'), 'sub/a': sha(b'a')}


def test_leading_slashes_are_dropped_and_dot_dot_refused():
    assert list_files(tgz([('/abs/x', b'1')]), 'tar.gz', 0) == {'abs/x': sha(b'1')}
    with pytest.raises(ArchiveError, match=r"contains '\.\.'"):
        list_files(tgz([('a/../../evil', b'1')]), 'tar.gz', 0)


def test_names_differing_in_case_are_one_file_on_windows():
    assert list_files(zipped([('A.txt', b'1'), ('a.txt', b'2')]), 'zip', 0) == {'A.txt': sha(b'2')}


@pytest.mark.parametrize('kind, data', [('tar.gz', b'not gzip'), ('zip', b'PK nothing'), ('tar.gz', zipped([]))])
def test_unreadable_archives(kind, data):
    with pytest.raises(ArchiveError, match='not a readable'):
        list_files(data, kind, 0)
