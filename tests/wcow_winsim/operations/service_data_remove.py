"""service_data_remove: a service's config file, data folders and log, then the folders left empty.

Step by step as plugins/plugin_utils/powershell/service_data_remove.ps1 (the
data_tree snippet's walk: data_tree.py). Each data root is checked first
(data_root.py): a reparse point along its path, or along a file's folder,
stops the operation before anything changes; a root without a matching
marker is kept and listed; a marker whose folder is gone is cleared. The
config file goes only while it still has the SHA-256 the module read. An
entry that cannot be removed is listed (the first 20, and a count) and the
rest goes; a root's marker is cleared once the root is gone.
"""

from __future__ import annotations

from winsim.windows import files

from . import data_root, data_tree
from .base import PowerShellError, param
from .release_archive_common import sha256_of


def run(state: dict, params) -> dict:
    config = param(params, "config", (dict,), nullable=True)
    paths = param(params, "paths", (list,))
    empty_folders = param(params, "empty_folders", (list,))
    roots = param(params, "data_roots", (list,))
    targets, kept, forget = [], [], []
    for path, is_root in [(str(p), True) for p in roots if p] + [(str(p), False) for p in paths if p]:
        if is_root:
            root = data_root.read(state, path)
            link = root["link"]
        else:
            # [IO.Path]::GetDirectoryName, then Find-WcowReparsePoint.
            link = data_root.reparse_point_along(state, files.parent(path) or path)
        if link:
            raise PowerShellError(f"{path} is not removed: {link} along its path is a link (junction, symbolic link or "
                                  "mount point), so the data is elsewhere. Nothing was removed; remove the data by "
                                  "hand.", "OperationStopped")
        if not is_root:
            targets.append((path, False))
        elif not root["exists"]:
            if root["marker"] is not None:
                forget.append(path)
        elif root["marked"]:
            targets.append((path, True))
        else:
            kept.append(path)
    config_removed = False
    if config and files.is_file(state, str(config["path"])):
        # PowerShell's -eq compares strings case-insensitively.
        if sha256_of(state, str(config["path"])).lower() == str(config["sha256"]).lower():
            try:
                files.delete(state, str(config["path"]))
            except files.WindowsIOError as error:
                raise PowerShellError(f'Exception calling "Delete" with "1" argument(s): "{error.message}"',
                                      "NotSpecified") from None
            config_removed = True
    for path in forget:
        data_root.marker_remove(state, path)
    removed, not_removed, not_removed_count = [], [], 0
    for path, is_root in targets:
        try:
            outcome = data_tree.remove(state, str(path))
        except data_tree.LinkRefused as error:
            # The script's catch rethrows with $_.Exception.Message: category OperationStopped.
            raise PowerShellError(f"Removing {path} stopped: {error}", "OperationStopped") from None
        if outcome["existed"] and not outcome["failed"]:
            removed.append(path)
        if is_root and not outcome["failed"]:
            data_root.marker_remove(state, path)
        not_removed_count += len(outcome["failed"])
        not_removed += outcome["failed"][:20 - len(not_removed)]
    folders_removed = []
    for folder in empty_folders:
        if folder and files.is_dir(state, str(folder)) and not files.children(state, str(folder)):
            files.remove_empty_dir(state, str(folder))
            folders_removed.append(str(folder))
    return {"config_removed": config_removed, "removed": removed, "kept": kept, "folders_removed": folders_removed,
            "not_removed": not_removed, "not_removed_count": not_removed_count}
