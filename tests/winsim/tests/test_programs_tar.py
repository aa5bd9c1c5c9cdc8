"""winsim.programs.tar: tar.exe (bsdtar) extracting into the simulated file system."""

import io
import tarfile
import zipfile

import pytest

from winsim.host.store import HostStore
from winsim.programs import tar
from winsim.windows import files

ARCHIVE = "C:\\staging\\archive.tar.gz"
OUT = "C:\\staging\\files"


def tgz(entries):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
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


@pytest.fixture
def state(tmp_path):
    state = HostStore.create(tmp_path / "h.json", "ws2019").read()
    files.ensure_dir(state, OUT)
    return state


def extracted(state):
    return {key[len(OUT) + 1 :]: files.read_bytes(state, key) for key in files.files_below(state, OUT)}


def put(state, data, path=ARCHIVE):
    files.write_bytes(state, path, data)


def test_extracts_with_strip_components(state):
    put(state, tgz([("pkg", None), ("pkg/bin", None), ("pkg/bin/a.exe", b"a"), ("pkg/README", b"r"), ("TOP", b"t")]))
    result = tar.extract(state, ARCHIVE, OUT, strip_components=1)
    assert (result.rc, result.output) == (0, [])
    assert extracted(state) == {"bin\\a.exe": b"a", "README": b"r"}, "TOP has too few components: skipped"


def test_members_are_matched_before_stripping_and_missing_ones_reported(state):
    put(state, tgz([("pkg/bin/a.exe", b"a"), ("pkg/bin/b.exe", b"b"), ("pkg/doc/x", b"x")]))
    result = tar.extract(state, ARCHIVE, OUT, strip_components=1, members=["pkg/bin", "bin/a.exe", "pkg/nope"])
    assert result.rc == 1
    assert result.output == [
        "tar.exe: bin/a.exe: Not found in archive",
        "tar.exe: pkg/nope: Not found in archive",
        "tar.exe: Error exit delayed from previous errors.",
    ]
    assert extracted(state) == {"bin\\a.exe": b"a", "bin\\b.exe": b"b"}


def test_dot_dot_is_refused_and_absolute_names_made_relative(state):
    put(state, tgz([("/abs/x", b"1"), ("/abs/y", b"2"), ("a/../../evil", b"e"), ("ok", b"o")]))
    result = tar.extract(state, ARCHIVE, OUT)
    assert result.rc == 1
    assert result.output == [
        "tar.exe: Removing leading '/' from member names",
        "a/../../evil: Path contains '..': Unknown error",
        "tar.exe: Error exit delayed from previous errors.",
    ]
    assert extracted(state) == {"abs\\x": b"1", "abs\\y": b"2", "ok": b"o"}
    assert not files.is_file(state, "C:\\evil") and not files.is_file(state, "C:\\staging\\evil")


def test_zip_is_read_too(state):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cni/nat.exe", b"nat")
        archive.writestr("cni/sub/", b"")
    put(state, buffer.getvalue())
    assert tar.extract(state, ARCHIVE, OUT, strip_components=1).rc == 0
    assert extracted(state) == {"nat.exe": b"nat"}
    assert files.is_dir(state, OUT + "\\sub")


@pytest.mark.parametrize("data", [b"\xfd7zXZ\x00 xz data", b"BZh91AY&SY", b"plain text"])
def test_xz_bzip2_and_other_formats_are_refused(state, data):
    put(state, data)
    assert tar.extract(state, ARCHIVE, OUT) == tar.TarResult(1, ["tar.exe: Error opening archive: Unrecognized archive format"])


def test_truncated_gzip_is_damaged(state):
    put(state, tgz([("a", b"x" * 5000)])[:40])
    result = tar.extract(state, ARCHIVE, OUT)
    assert result.rc == 1 and result.output[-1] == "tar.exe: Error exit delayed from previous errors."


def test_missing_archive_or_directory_ends_at_once(state):
    assert tar.extract(state, "C:\\nope.tar.gz", OUT).output == ["tar.exe: Error opening archive: Failed to open 'C:\\nope.tar.gz'"]
    put(state, tgz([("a", b"1")]))
    assert tar.extract(state, ARCHIVE, "C:\\missing") == tar.TarResult(1, ["tar.exe: could not chdir to 'C:\\missing'"])


def test_extracting_links_is_not_modelled(state):
    put(state, tgz([("a", b"1"), ("l", "a")]))
    with pytest.raises(tar.NotModelled):
        tar.extract(state, ARCHIVE, OUT)


def test_listing_names_and_ls_like_lines_show_links(state):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, kind, target in (("bin", tarfile.DIRTYPE, ""), ("bin/a.exe", tarfile.REGTYPE, ""),
                                   ("bin/up", tarfile.SYMTYPE, "../.."), ("bin/h", tarfile.LNKTYPE, "bin/a.exe"),
                                   ("dev", tarfile.FIFOTYPE, "")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            archive.addfile(info, io.BytesIO(b"") if kind == tarfile.REGTYPE else None)
    put(state, buffer.getvalue())
    names = tar.list_entries(state, ARCHIVE)
    assert names.rc == 0 and names.stdout == ["bin", "bin/a.exe", "bin/up", "bin/h", "dev"]
    long = tar.list_entries(state, ARCHIVE, verbose=True)
    assert [line[0] for line in long.stdout] == ["d", "-", "l", "h", "p"]
    assert long.stdout[2].endswith(" bin/up -> ../..") and long.stdout[3].endswith(" bin/h link to bin/a.exe")
    assert files.files_below(state, OUT) == [], "listing extracts nothing"


def test_listing_a_zip_symlink_and_a_bad_archive(state):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("nat.exe")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "C:/Windows/System32")
    put(state, buffer.getvalue(), "C:\\staging\\a.zip")
    assert tar.list_entries(state, "C:\\staging\\a.zip", verbose=True).stdout[0].startswith("l")
    put(state, b"not an archive")
    assert tar.list_entries(state, ARCHIVE).output == ["tar.exe: Error opening archive: Unrecognized archive format"]


def test_tar_exe_ships_from_build_17063():
    assert tar.available({"os": {"build": 17763}}) and not tar.available({"os": {"build": 14393}})
