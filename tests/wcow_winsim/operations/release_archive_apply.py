"""release_archive_apply: download or receive, verify, extract with tar.exe, swap files in, write the manifest.

Step by step as plugins/plugin_utils/powershell/release_archive_apply.ps1,
through the models of what it calls: Invoke-WebRequest (windows/downloads),
tar.exe (windows/tar), System.IO (windows/files). A file in use can be
renamed but not overwritten or deleted (docs/windows-facts.md#files-in-use).
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from winsim.programs import tar
from winsim.windows import files
from winsim.windows.guids import new_guid

from . import acl, data_tree, host_lock
from .base import PowerShellError, param
from .release_archive_common import (destination, dotnet_error, download, join_member, manifest_path, previous_dir,
                                     sha256_of)

# [Environment]::GetFolderPath('System') spells it this way.
SYSTEM32 = "C:\\Windows\\system32"
_BASE64_ERROR = (
    'Exception calling "FromBase64String" with "1" argument(s): "The input is not a valid Base-64 string as it '
    "contains a non-base 64 character, more than two padding characters, or an illegal character among the "
    'padding characters. "'
)


def run(state: dict, params, stdin: bytes = b"") -> dict:
    dest = destination(params)
    request = _Request(params)
    staging = f"{dest}\\.wcow-{request.name}.staging"
    created = []
    probe = dest
    while probe and not files.is_dir(state, probe):
        created.insert(0, probe)
        probe = files.parent(probe)
    install = _Install(state, dest, staging)
    host_lock.assert_held(staging)
    try:
        for directory in created:
            if not (request.protect and directory == dest):
                _create_directory(state, directory)
        if request.protect:
            # Before staging is made inside it (docs/windows-facts.md#protected-dacls).
            acl.protect_directory(state, dest, True)
        result = install.run(request, stdin)
    except PowerShellError:
        # The catch block: staging goes; directories this run created go too
        # when nothing was moved into dest yet.
        try:
            data_tree.remove_discarding_outcome(state, staging)
        except PowerShellError:
            pass
        if not install.moved:
            for directory in reversed(created):
                if files.is_dir(state, directory) and not files.children(state, directory):
                    files.remove_empty_dir(state, directory)
        raise
    # A file in staging still open by a scanner is left (Remove-WcowPath reports it and goes on);
    # the next run removes it.
    data_tree.remove_discarding_outcome(state, staging)
    return result


run.reads_stdin = True


class _Request:
    def __init__(self, params):
        self.params = params
        self.name = param(params, "name", (str,))
        self.archive_type = param(params, "archive_type", (str,))
        self.source = param(params, "source", (dict,))
        self.sha256 = param(params, "sha256", (str,), nullable=True)
        self.strip = param(params, "strip_components", (int,))
        self.include = param(params, "include", (list,), nullable=True)
        self.previous_files = param(params, "previous_files", (list,))
        self.previous_leftovers = param(params, "previous_leftovers", (list,))
        self.manifest = param(params, "manifest", (dict,))
        self.keep = param(params, "keep", (dict,))
        self.protect = param(params, "protect", (bool,))
        self.replace_unchanged = param(params, "replace_unchanged", (bool,))


class _Install:
    def __init__(self, state, dest, staging):
        self.state, self.dest, self.staging = state, dest, staging
        self.moved = False
        self.leftovers = []

    def run(self, request: _Request, stdin: bytes) -> dict:
        state, dest, staging = self.state, self.dest, self.staging
        if files.is_dir(state, staging):
            try:
                # The script tries three times, two seconds apart; a hold the model keeps lasts longer.
                for _try in range(3):
                    left = data_tree.remove(state, staging)
                    if not left["failed"]:
                        break
            except data_tree.LinkRefused as error:
                raise PowerShellError(str(error), "OperationStopped") from None
            if left["failed"]:
                more = f" (and {len(left['failed']) - 10} more)" if len(left["failed"]) > 10 else ""
                raise PowerShellError(f"{staging}, left by an earlier run, could not be removed; nothing was installed, "
                                      f"run again later: {'; '.join(left['failed'][:10])}{more}", "OperationStopped")
        _create_directory(state, staging)
        extracted = f"{staging}\\files"
        _create_directory(state, extracted)
        kept_dir = previous_dir(dest, request.name)
        if request.source["kind"] == "previous":
            selected = []
            for record in request.source["files"]:
                copy = self._copy_member(kept_dir, extracted, str(record["path"]))
                if sha256_of(state, copy) != str(record["sha256"]).lower():
                    raise PowerShellError(
                        f"The copy of {record['path']} in {kept_dir} changed since it was kept. Nothing was restored.",
                        "OperationStopped",
                    )
                selected.append(str(record["path"]))
            actual = request.sha256
        else:
            actual, selected = self._unpacked(request, stdin, extracted)
        # Before the kept previous version is touched: a link refuses the install with nothing changed.
        untrusted = self._untrusted_folders(selected) if request.replace_unchanged else []
        if request.keep["action"] in ("copy", "drop"):
            self._remove_previous_version(kept_dir, request.name)
        if request.keep["action"] == "copy":
            copies = f"{staging}\\previous"
            _create_directory(state, copies)
            kept = request.keep["manifest"]
            for record in kept["files"]:
                copy = self._copy_member(dest, copies, str(record["path"]))
                if sha256_of(state, copy) != str(record["sha256"]).lower():
                    raise PowerShellError(
                        f"{record['path']} changed while it was kept as the previous version. Nothing was installed.",
                        "OperationStopped",
                    )
            self._write_manifest(manifest_path(copies, request.name), kept)
            self._call("Move", 2, files.move_dir, state, copies, kept_dir)
        # Parents first (Sort-Object Length): a folder is protected only once the folder holding it is.
        for folder in sorted(untrusted, key=len):
            self._call("SetAccessControl", 2, acl.protect, self.state, folder, True)
        records, changed = [], []
        for relative in selected:
            source = join_member(extracted, relative)
            target = join_member(dest, relative)
            digest = sha256_of(state, source)
            current = sha256_of(state, target) if files.is_file(state, target) else None
            if current != digest or request.replace_unchanged:
                _create_directory(state, files.parent(target))
                self.moved = True
                self._move_into_place(source, target)
                changed.append(relative)
            records.append({"path": relative, "sha256": digest})
        removed, kept = self._remove_previous(request, {r["path"].lower() for r in records})
        for old in request.previous_leftovers:
            if old:
                path = join_member(dest, str(old))
                if files.is_file(state, path):
                    self._remove_aside(path)
        for record in records:
            self._remove_stray_asides(join_member(dest, record["path"]))
        manifest = dict(request.manifest)
        manifest.update(archive_sha256=actual, files=records, leftovers=list(self.leftovers))
        self._write_manifest(manifest_path(dest, request.name), manifest)
        return {
            "dest": dest,
            "manifest_path": manifest_path(dest, request.name),
            "archive_sha256": actual,
            "files": records,
            "changed_files": changed,
            "removed_files": removed,
            "kept_files": kept,
            "leftovers": list(self.leftovers),
        }

    def _untrusted_folders(self, selected: list) -> list:
        """What dest holds cannot be trusted: each existing folder between dest and a file, to get the protected
        DACL (Set-WcowProtectedAcl, [IO.Directory]::SetAccessControl) before any file moves in. SetAccessControl
        and the moves would act on a junction's target (SetNamedSecurityInfo opens the path, following the
        link), so a link refuses the install before anything changes."""
        done, existing = set(), []
        for relative in selected:
            folder = files.parent(join_member(self.dest, relative))
            while len(folder) > len(self.dest) and folder not in done:
                done.add(folder)
                if files.is_dir(self.state, folder):
                    if files.lookup(self.state, folder).get("link_target"):
                        raise PowerShellError(f"{folder} is a link (junction or symbolic link) inside {self.dest}, "
                                              "which non-administrators could write; nothing was installed. Remove "
                                              "the link and run again.", "OperationStopped")
                    existing.append(folder)
                folder = files.parent(folder)
        return existing

    def _unpacked(self, request: _Request, stdin: bytes, extracted: str):
        """Download or receive the archive, check its SHA-256, extract it: (sha256, selected paths)."""
        state, staging = self.state, self.staging
        archive = f"{staging}\\archive.{request.archive_type}"
        shown = request.source["shown"]
        if request.source["kind"] == "url":
            body = download(state, request.params, request.source["url"], shown)
            try:
                files.write_bytes(state, archive, body)
            except files.WindowsIOError as error:
                # Invoke-WebRequest -OutFile: Windows PowerShell 5.1's StreamHelper.SaveStreamToFile
                # File.Create()s the file and writes the body into it; the IOException of a full disk
                # leaves the cmdlet (no catch for it; PowerShell/PowerShell WebCmdlet StreamHelper.cs),
                # and Invoke-WcowDownload's catch rethrows it naming the download.
                raise PowerShellError(f"Downloading {shown} failed: {error.message}", "OperationStopped") from None
        else:
            _receive(state, archive, stdin)
        actual = sha256_of(state, archive)
        if request.sha256 and actual != request.sha256.lower():
            raise PowerShellError(
                f"Checksum mismatch for {shown}: expected sha256:{request.sha256}, got sha256:{actual}. "
                "Nothing was installed.",
                "OperationStopped",
            )
        self._refuse_unsafe_entries(archive, shown)
        self._extract(archive, extracted, request.strip)
        every = sorted((key[len(extracted) + 1 :].replace("\\", "/") for key in files.files_below(state, extracted)),
                       key=str.lower)
        if not every:
            raise PowerShellError(
                f"{shown} has no files left after stripping {request.strip} leading path components.",
                "OperationStopped",
            )
        return actual, self._selected(every, request, shown)

    def _refuse_unsafe_entries(self, archive: str, shown: str) -> None:
        """Assert-WcowArchiveEntries: `tar -t` for the names, `tar -tv` for their types, before anything is
        extracted; an entry that is not a regular file or folder, or whose path is absolute, has a drive, a colon
        (an alternate data stream) or a `..` element, fails the run."""
        if not tar.available(self.state):
            return  # _extract reports the missing tar.exe
        names = tar.list_entries(self.state, archive)
        long = tar.list_entries(self.state, archive, verbose=True)
        for listed in (names, long):
            if listed.rc != 0:
                raise PowerShellError(
                    f"tar.exe could not list the archive (exit code {listed.rc}): {' '.join(listed.output)}",
                    "OperationStopped",
                )
        if len(names.stdout) != len(long.stdout):
            raise PowerShellError(f"tar.exe listed {shown} inconsistently; nothing was installed.", "OperationStopped")
        bad = []
        for name, line in zip(names.stdout, long.stdout):
            reason = _entry_problem(name, line[:1])
            if reason:
                bad.append(f"{name} ({reason})")
        if bad:
            raise PowerShellError(
                f"{shown} holds entries that are not regular files or folders, or that would be written outside "
                f"the folder: {', '.join(bad)}. Nothing was installed.",
                "OperationStopped",
            )

    def _extract(self, archive: str, extracted: str, strip: int) -> None:
        tar_exe = f"{SYSTEM32}\\tar.exe"
        if not tar.available(self.state):
            raise PowerShellError(
                f"{tar_exe} does not exist: tar.exe ships with Windows Server 2019, Windows 10 1803 and later.",
                "OperationStopped",
            )
        try:
            outcome = tar.extract(self.state, archive, extracted, strip)
        except tar.NotModelled as error:
            raise PowerShellError(f"winsim: {error}; not modelled by the simulator.", "NotImplemented") from None
        if outcome.rc != 0:
            raise PowerShellError(
                f"tar.exe could not extract the archive (exit code {outcome.rc}): {' '.join(outcome.output)}",
                "OperationStopped",
            )

    @staticmethod
    def _selected(every: list, request: _Request, shown: str) -> list:
        if request.include is None:
            return every
        chosen, missing = set(), []
        for entry in request.include:
            hits = [p for p in every if p.lower() == entry.lower() or p.lower().startswith(entry.lower() + "/")]
            if not hits:
                missing.append(entry)
            chosen.update(hits)
        if missing:
            raise PowerShellError(
                f"include: {', '.join(missing)} not in {shown} after stripping {request.strip} leading path "
                f"components; it holds {', '.join(every[:20])}.",
                "OperationStopped",
            )
        return [p for p in every if p in chosen]

    def _copy_member(self, root: str, to: str, relative: str) -> str:
        """Copy-WcowMember: [IO.Directory]::CreateDirectory, then [IO.File]::Copy."""
        source, target = join_member(root, relative), join_member(to, relative)
        _create_directory(self.state, files.parent(target))
        self._call("Copy", 2, files.copy, self.state, source, target)
        return target

    def _remove_previous_version(self, path: str, name: str) -> None:
        """Remove-WcowPrevious: the manifest first, then Remove-WcowPath (links not followed)."""
        if not files.is_dir(self.state, path):
            return
        self._call("Delete", 1, files.delete, self.state, manifest_path(path, name))
        data_tree.remove_discarding_outcome(self.state, path)

    def _remove_previous(self, request: _Request, installed: set):
        removed, kept = [], []
        for old in request.previous_files:
            if not old or str(old["path"]).lower() in installed:
                continue
            target = join_member(self.dest, str(old["path"]))
            if not files.is_file(self.state, target):
                continue
            if sha256_of(self.state, target) != str(old["sha256"]).lower():
                kept.append(str(old["path"]))
                continue
            aside = self._aside_name(target)
            self.moved = True
            self._call("Move", 2, files.move, self.state, target, aside)
            self._remove_aside(aside)
            removed.append(str(old["path"]))
        return removed, kept

    def _move_into_place(self, source: str, target: str) -> None:
        if not files.is_file(self.state, target):
            self._call("Move", 2, files.move, self.state, source, target)
            return
        aside = self._aside_name(target)
        self._call("Move", 2, files.move, self.state, target, aside)
        try:
            self._call("Move", 2, files.move, self.state, source, target)
        except PowerShellError:
            self._call("Move", 2, files.move, self.state, aside, target)
            raise
        self._remove_aside(aside)

    def _remove_aside(self, path: str) -> None:
        try:
            files.delete(self.state, path)
        except files.WindowsIOError:
            # Still in use: a later run deletes it.
            self.leftovers.append(path[len(self.dest) + 1 :].replace("\\", "/"))

    def _remove_stray_asides(self, target: str) -> None:
        """Remove-WcowStrayAside: <file>.wcow-old-<8 hex> files beside target that a killed run set aside
        ([IO.Directory]::GetFiles with a wildcard, then -match, case-insensitive as PowerShell's is)."""
        folder = files.parent(target)
        if not files.is_dir(self.state, folder):
            return
        found = []
        self._call("GetFiles", 2, lambda: found.extend(files.list_directory(self.state, folder)))
        stray = re.compile(re.escape(target.rsplit("\\", 1)[-1]) + r"\.wcow-old-[0-9a-f]{8}$", re.IGNORECASE)
        for path in found:
            relative = path[len(self.dest) + 1 :].replace("\\", "/")
            if files.is_file(self.state, path) and stray.match(path.rsplit("\\", 1)[-1]) \
                    and relative not in self.leftovers:
                self._remove_aside(path)

    def _aside_name(self, target: str) -> str:
        return f"{target}.wcow-old-{new_guid(self.state).replace('-', '').lower()[:8]}"

    def _write_manifest(self, path: str, manifest: dict) -> None:
        staged = f"{path}.{new_guid(self.state).replace('-', '').lower()[:8]}.tmp"
        text = json.dumps(manifest, indent=4)
        self._call("WriteAllText", 3, files.write_bytes, self.state, staged, text.encode("utf-8"))
        if files.is_file(self.state, path):
            self._call("Replace", 3, files.replace, self.state, staged, path, None)
        else:
            self._call("Move", 2, files.move, self.state, staged, path)

    @staticmethod
    def _call(name: str, arguments: int, function, *args) -> None:
        try:
            function(*args)
        except files.WindowsIOError as error:
            raise dotnet_error(name, arguments, error) from None


def _create_directory(state: dict, path: str) -> None:
    """[IO.Directory]::CreateDirectory: creates missing parents; a file in the way fails."""
    root = re.match(r"^[A-Za-z]:\\", path)
    if root is None or not files.is_dir(state, root.group(0)):
        raise dotnet_error("CreateDirectory", 1, files.WindowsIOError(
            "DirectoryNotFoundException", f"Could not find a part of the path '{path}'."))
    probe = path
    while probe is not None:
        if files.is_file(state, probe):
            raise dotnet_error("CreateDirectory", 1, files.WindowsIOError(
                "IOException", f"Cannot create \"{path}\" because a file or directory with the same name already exists."))
        probe = files.parent(probe)
    files.ensure_dir(state, path)


def _receive(state: dict, archive: str, stdin: bytes) -> None:
    """Receive-WcowStream: [Console]::In.ReadLine() until $null, each line trimmed, base64-decoded and
    written with $stream.Write; the finally block's $stream.Dispose() flushes what is still buffered."""
    chunks, bad_line = [], False
    for line in re.split(rb"\r\n|\n|\r", stdin):
        line = line.strip()
        if not line:
            continue
        try:
            chunks.append(base64.b64decode(line, validate=True))
        except (binascii.Error, ValueError):
            bad_line = True  # the chunks before it were written already
            break
    try:
        files.write_bytes(state, archive, b"".join(chunks))
    except files.WindowsIOError as error:
        raise _stream_error(chunks, files.lookup(state, archive), error) from None
    if bad_line:
        raise PowerShellError(_BASE64_ERROR, "NotSpecified")


# FileStream's default buffer ([IO.File]::Open): a Write of at least this many
# bytes goes to the disk at once; a smaller one waits in the buffer for the
# next Write or for Dispose (.NET Framework FileStream.Write / Flush).
_FILESTREAM_BUFFER = 4096


def _stream_error(chunks: list, record, error: files.WindowsIOError) -> PowerShellError:
    """The method call that meets the error: the Write whose bytes did not fit, or the one after a buffered
    chunk, or the finally block's Dispose when the last chunk was buffered. A .NET exception from a method
    reaches PowerShell as 'Exception calling ...', category NotSpecified."""
    written = record.get("size", 0) if record else 0
    end = 0
    for index, chunk in enumerate(chunks):
        end += len(chunk)
        if end > written:
            if len(chunk) < _FILESTREAM_BUFFER and index == len(chunks) - 1:
                return dotnet_error("Dispose", 0, error)
            break
    return dotnet_error("Write", 3, error)


_LINK_KINDS = {"l": "a symbolic link", "h": "a hard link"}


def _entry_problem(name: str, type_char: str):
    """Why an archive entry is refused (the rules of Assert-WcowArchiveEntries), or None."""
    if type_char not in ("-", "d"):
        return _LINK_KINDS.get(type_char, "a device or special file")
    path = name.replace("\\", "/")
    if path.startswith("/"):
        return "an absolute path"
    if len(path) > 1 and path[1] == ":" and path[0].isalpha():
        return "a drive"
    if ":" in path:
        return "an alternate data stream"
    if ".." in path.split("/"):
        return "a .. element"
    return None
