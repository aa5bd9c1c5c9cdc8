"""service_data_remove: a service's config file, data folders and log, then the folders left empty.

Step by step as plugins/plugin_utils/powershell/service_data_remove.ps1 (the
data_tree snippet's walk: data_tree.py). The config file goes only
while it still has the SHA-256 the module read. An entry that cannot be
removed is listed (the first 20, and a count) and the rest goes; a link given
as a data folder stops the removal.
"""

from __future__ import annotations

from winsim.windows import files

from . import data_tree
from .base import PowerShellError, param
from .release_archive_common import sha256_of


def run(state: dict, params) -> dict:
    config = param(params, "config", (dict,), nullable=True)
    paths = param(params, "paths", (list,))
    empty_folders = param(params, "empty_folders", (list,))
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
    removed, not_removed, not_removed_count = [], [], 0
    for path in paths:
        if not path:
            continue
        try:
            outcome = data_tree.remove(state, str(path))
        except data_tree.LinkRefused as error:
            # The script's catch rethrows with $_.Exception.Message: category OperationStopped.
            raise PowerShellError(f"Removing {path} stopped: {error}", "OperationStopped") from None
        if outcome["existed"] and not outcome["failed"]:
            removed.append(str(path))
        not_removed_count += len(outcome["failed"])
        not_removed += outcome["failed"][:20 - len(not_removed)]
    folders_removed = []
    for folder in empty_folders:
        if folder and files.is_dir(state, str(folder)) and not files.children(state, str(folder)):
            files.remove_empty_dir(state, str(folder))
            folders_removed.append(str(folder))
    return {"config_removed": config_removed, "removed": removed, "folders_removed": folders_removed,
            "not_removed": not_removed, "not_removed_count": not_removed_count}
