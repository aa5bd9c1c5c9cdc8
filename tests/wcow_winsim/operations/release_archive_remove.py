"""release_archive_remove: remove what the manifest says was installed, then the manifest and empty folders.

Step by step as plugins/plugin_utils/powershell/release_archive_remove.ps1,
through System.IO (windows/files). A file in use can be renamed but not
deleted (docs/windows-facts.md#files-in-use), so it stays renamed aside.
"""

from __future__ import annotations

import json

from winsim.windows import files
from winsim.windows.guids import new_guid

from . import data_tree, host_lock
from .base import param
from .release_archive_common import destination, dotnet_error, join_member, manifest_path, previous_dir, sha256_of


def run(state: dict, params) -> dict:
    dest = destination(params)
    name = param(params, "name", (str,))
    recorded = param(params, "files", (list,))
    old_leftovers = param(params, "leftovers", (list,))
    manifest = param(params, "manifest", (dict,))
    removed, kept, leftovers, folders = [], [], [], {}
    for old in recorded:
        if not old:
            continue
        target = join_member(dest, str(old["path"]))
        folders.setdefault(files.normalise(files.parent(target)), files.parent(target))
        if not files.is_file(state, target):
            continue
        if sha256_of(state, target) != str(old["sha256"]).lower():
            kept.append(str(old["path"]))
            continue
        aside = f"{target}.wcow-old-{new_guid(state).replace('-', '').lower()[:8]}"
        _call("Move", 2, files.move, state, target, aside)
        _remove_aside(state, dest, aside, leftovers)
        removed.append(str(old["path"]))
    for old in old_leftovers:
        if old:
            path = join_member(dest, str(old))
            folders.setdefault(files.normalise(files.parent(path)), files.parent(path))
            if files.is_file(state, path):
                _remove_aside(state, dest, path, leftovers)
    for own in (previous_dir(dest, name), f"{dest}\\.wcow-{name}.staging"):
        if files.is_dir(state, own):
            host_lock.assert_held(own)
            data_tree.remove_discarding_outcome(state, own)
    path = manifest_path(dest, name)
    if leftovers:
        document = dict(manifest, files=[], leftovers=leftovers)
        _write_manifest(state, path, document)
    elif files.is_file(state, path):
        _call("Delete", 1, files.delete, state, path)
    folders.setdefault(files.normalise(dest), dest)
    for folder in sorted(folders.values(), key=len, reverse=True):
        probe = folder
        while probe is not None and len(probe) >= len(dest):
            if not files.is_dir(state, probe) or files.children(state, probe):
                break
            _call("Delete", 1, files.remove_empty_dir, state, probe)
            probe = files.parent(probe)
    return {
        "dest": dest,
        "dest_removed": not files.is_dir(state, dest),
        "removed_files": removed,
        "kept_files": kept,
        "leftovers": leftovers,
    }


def _remove_aside(state: dict, dest: str, path: str, leftovers: list) -> None:
    """Remove-WcowAside: delete, or record the file, still in use, for a later run."""
    try:
        files.delete(state, path)
    except files.WindowsIOError:
        leftovers.append(path[len(dest) + 1 :].replace("\\", "/"))


def _write_manifest(state: dict, path: str, document: dict) -> None:
    """Write-WcowManifest: staged beside the manifest, then [IO.File]::Replace or Move."""
    staged = f"{path}.{new_guid(state).replace('-', '').lower()[:8]}.tmp"
    _call("WriteAllText", 3, files.write_bytes, state, staged, json.dumps(document, indent=4).encode("utf-8"))
    if files.is_file(state, path):
        _call("Replace", 3, files.replace, state, staged, path, None)
    else:
        _call("Move", 2, files.move, state, staged, path)


def _call(name: str, arguments: int, function, *args) -> None:
    try:
        function(*args)
    except files.WindowsIOError as error:
        raise dotnet_error(name, arguments, error) from None
