"""tar.exe as Windows ships it: bsdtar (libarchive), `-x -f ARCHIVE -C DIR`.

Modelled on libarchive's tar/read.c (tar_mode_x, read_archive,
unmatched_inclusions_warn), tar/util.c (edit_pathname, strip_components,
strip_absolute_path) and tar/bsdtar.c (the delayed error exit):

- members given on the command line are matched against the names in the
  archive *before* --strip-components (read.c checks inclusions, then calls
  edit_entry); a member naming a directory takes what is below it. Each one
  that matched nothing is reported as `tar.exe: <member>: Not found in
  archive` and the exit code becomes 1;
- --strip-components N drops N leading elements; an entry with fewer is
  skipped silently;
- leading `/` and drive letters are removed with one warning
  (`Removing leading '/' from member names`), which does not change the exit
  code;
- an entry with a `..` element is refused by the disk writer
  (archive_write_disk: "Path contains '..'"), reported as
  `<name>: Path contains '..': Unknown error` (read.c prints the path, the
  error string and strerror of ARCHIVE_ERRNO_MISC; the last part is the
  strictest plausible text) and the exit code becomes 1;
- errors opening the archive or the -C directory end the run at once with
  exit code 1 (lafe_errc); otherwise, when anything failed, the last line is
  `tar.exe: Error exit delayed from previous errors.` (bsdtar.c main; the
  `tar.exe:` prefix is what Windows shows, e.g. a pakko test transcript
  "tar.exe: Error exit delayed from previous errors.").

Formats: gzip-compressed tar, plain tar and zip. xz and bzip2 are refused
as unrecognised: Windows' tar.exe reads gzip, and xz/bzip2 not on older
builds (docs/windows-facts.md#downloads-archives-and-hashes), so the simulator takes the
strictest view on every build.

Links: bsdtar restores symbolic links and hard links, and on Windows
archive_write_disk_windows.c creates them with CreateSymbolicLinkW and
CreateHardLinkW (libarchive 3.6 and later; tar.exe of Windows Server 2022,
Windows Server 2025 and Windows 11 ships such a libarchive, so `tar -x`
there creates symlinks). Listing models them: `-t` prints each entry's
name, `-tv` an ls-like line per entry (tar/util.c list_item with
archive_entry_strmode: the first character is `-` for a regular file, `d`
a directory, `l` a symbolic link, `h` a hard link, `c`, `b` or `p` a
device or FIFO), with ` -> target` after a symbolic link and ` link to
target` after a hard link (bsdtar(1), "-v": "produce output similar to
that of ls(1)", libarchive tar/bsdtar.1). Extracting a link is not modelled (NotModelled): the
simulator stores no file symlinks.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import re
import tarfile
import zipfile
import zlib

from ..windows import files

PROGRAM = "tar.exe"
# tar.exe is in System32 from Windows 10 build 17063 (1803) on, so on Server
# 2019 (17763) and later (docs/windows-facts.md#downloads-archives-and-hashes).
FIRST_BUILD = 17063
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*\x00-\x1f]')


class NotModelled(Exception):
    """An archive feature the simulator does not model (links, odd names)."""


@dataclasses.dataclass
class TarResult:
    rc: int
    stderr: list
    stdout: list = dataclasses.field(default_factory=list)

    @property
    def output(self) -> list:
        """The lines `& tar.exe ... 2>&1` gives PowerShell (no stdout without -v)."""
        return list(self.stderr)


def available(state: dict) -> bool:
    return state["os"]["build"] >= FIRST_BUILD


def extract(state: dict, archive: str, directory: str, strip_components: int = 0, members=()) -> TarResult:
    errors: list = []
    try:
        data = files.read_bytes(state, archive)
    except files.WindowsIOError:
        return TarResult(1, [f"{PROGRAM}: Error opening archive: Failed to open '{archive}'"])
    entries = _entries(data)
    if entries is None:
        return TarResult(1, [f"{PROGRAM}: Error opening archive: Unrecognized archive format"])
    if not files.is_dir(state, directory):
        return TarResult(1, [f"{PROGRAM}: could not chdir to '{directory}'"])
    wanted = [m.rstrip("/") for m in members]
    matched: set = set()
    warned_leading = False
    failed = False
    try:
        for name, kind, content in entries:
            if wanted:
                hits = [m for m in wanted if name.rstrip("/") == m or name.startswith(m + "/")]
                if not hits:
                    continue
                matched.update(hits)
            path = _stripped(name, strip_components)
            if path is None:
                continue
            path, warning = _relative(path)
            if warning and not warned_leading:
                errors.append(f"{PROGRAM}: {warning}")
                warned_leading = True
            if not path:
                continue
            if ".." in path.split("/"):
                errors.append(f"{name}: Path contains '..': Unknown error")
                failed = True
                continue
            if _WINDOWS_FORBIDDEN.search(path):
                raise NotModelled(f"archive member {name!r} has characters Windows does not allow in names")
            target = directory.rstrip("\\") + "\\" + path.replace("/", "\\")
            try:
                if kind == "dir":
                    files.ensure_dir(state, target)
                else:
                    files.ensure_dir(state, files.parent(target))
                    files.write_bytes(state, target, content)
            except files.WindowsIOError as error:
                errors.append(f"{name}: {error.message}")
                failed = True
    except _Damaged as damage:
        errors.append(f"{PROGRAM}: {damage}")
        failed = True
    for member in wanted:
        if member not in matched:
            errors.append(f"{PROGRAM}: {member}: Not found in archive")
            failed = True
    if failed:
        errors.append(f"{PROGRAM}: Error exit delayed from previous errors.")
        return TarResult(1, errors)
    return TarResult(0, errors)


def list_entries(state: dict, archive: str, verbose: bool = False) -> TarResult:
    """`tar.exe -t [-v] -f ARCHIVE`: one stdout line per entry, in archive order."""
    try:
        data = files.read_bytes(state, archive)
    except files.WindowsIOError:
        return TarResult(1, [f"{PROGRAM}: Error opening archive: Failed to open '{archive}'"])
    entries = _entries(data, links=True)
    if entries is None:
        return TarResult(1, [f"{PROGRAM}: Error opening archive: Unrecognized archive format"])
    lines = []
    try:
        for name, kind, content in entries:
            lines.append(_long_line(name, kind, content) if verbose else name)
    except _Damaged as damage:
        return TarResult(1, [f"{PROGRAM}: {damage}", f"{PROGRAM}: Error exit delayed from previous errors."], lines)
    return TarResult(0, [], lines)


_MODE_CHARS = {"file": "-", "dir": "d", "symlink": "l", "hardlink": "h", "char": "c", "block": "b", "fifo": "p"}


def _long_line(name: str, kind: str, content) -> str:
    """A `-tv` line (tar/util.c list_item): mode, links, owner, group, size, date, name[, link]."""
    mode = _MODE_CHARS[kind] + ("rwxr-xr-x" if kind == "dir" else "rw-r--r--")
    size = len(content) if kind == "file" else 0
    line = f"{mode}  0 0      0      {size:>8} Jan  1  2025 {name}"
    if kind == "symlink":
        line += f" -> {content}"
    elif kind == "hardlink":
        line += f" link to {content}"
    return line


class _Damaged(Exception):
    pass


def _entries(data: bytes, links: bool = False):
    """A lazy list of (name, kind, bytes or link target), or None for an unrecognised format.

    Without `links` (extraction) a link or special file raises NotModelled.
    """
    if data[:2] == b"\x1f\x8b":
        return _tar_entries(data, compressed=True, links=links)
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _zip_entries(data, links=links)
    if len(data) >= 262 and data[257:262] == b"ustar":
        return _tar_entries(data, compressed=False, links=links)
    return None


def _tar_entries(data: bytes, compressed: bool, links: bool):
    try:
        raw = gzip.decompress(data) if compressed else data
    except (OSError, EOFError, zlib.error):
        raise _Damaged("Truncated input file (needed more bytes than were available)") from None
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as archive:
            for member in archive:
                if member.isdir():
                    yield member.name, "dir", b""
                elif member.isfile():
                    yield member.name, "file", archive.extractfile(member).read()
                elif not links:
                    raise NotModelled(f"extracting archive member {member.name!r}, a link or a special file")
                elif member.issym():
                    yield member.name, "symlink", member.linkname
                elif member.islnk():
                    yield member.name, "hardlink", member.linkname
                else:
                    kind = "char" if member.ischr() else "block" if member.isblk() else "fifo"
                    yield member.name, kind, ""
    except tarfile.TarError:
        raise _Damaged("Damaged tar archive") from None


# The Unix file type in the high 16 bits of a zip entry's external attributes
# (Info-ZIP's "Unix extra" convention, which libarchive's zip reader honours:
# archive_read_support_format_zip.c, zip_read_local_file_header, S_IFLNK).
_ZIP_SYMLINK = 0o120000


def _zip_entries(data: bytes, links: bool):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    yield info.filename.rstrip("/"), "dir", b""
                elif (info.external_attr >> 16) & 0o170000 == _ZIP_SYMLINK:
                    if not links:
                        raise NotModelled(f"extracting archive member {info.filename!r}, a symbolic link")
                    yield info.filename, "symlink", archive.read(info).decode("utf-8", "replace")
                else:
                    yield info.filename, "file", archive.read(info)
    except (zipfile.BadZipFile, zlib.error):
        raise _Damaged("Damaged zip archive") from None


def _stripped(name: str, components: int):
    """libarchive tar/util.c strip_components: `/` and, on Windows, `\\` separate."""
    rest = name.replace("\\", "/")
    if components == 0:
        return rest
    for _unused in range(components):
        if "/" not in rest:
            return None
        rest = rest.split("/", 1)[1]
    rest = rest.lstrip("/")
    return rest or None


def _relative(path: str):
    """tar/util.c strip_absolute_path: drive letters and leading separators go, with a warning."""
    warning = None
    previous = None
    while previous != path:
        previous = path
        if re.match(r"^[A-Za-z]:", path):
            path = path[2:]
            warning = warning or "Removing leading drive letter from member names"
        if path.startswith("/"):
            path = path.lstrip("/")
            warning = warning or "Removing leading '/' from member names"
    return path, warning
