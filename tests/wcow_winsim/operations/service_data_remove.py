"""service_data_remove: a service's config file, data folders and log, then the folders left empty.

Step by step as plugins/plugin_utils/powershell/service_data_remove.ps1 (the
data_tree snippet's walk: data_tree.py). The config file goes only
while it still has the SHA-256 the module read. The first failure stops the
removal; what went stays gone.
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
    removed = []
    for path in paths:
        if not path:
            continue
        try:
            if data_tree.remove(state, str(path)):
                removed.append(str(path))
        except (data_tree.RemoveError, data_tree.LinkRefused) as error:
            # The script's catch rethrows with $_.Exception.Message: category OperationStopped.
            message = error.message if isinstance(error, data_tree.RemoveError) else str(error)
            raise PowerShellError(f"Removing {path} stopped: {message}", "OperationStopped") from None
    folders_removed = []
    for folder in empty_folders:
        if folder and files.is_dir(state, str(folder)) and not files.children(state, str(folder)):
            files.remove_empty_dir(state, str(folder))
            folders_removed.append(str(folder))
    return {"config_removed": config_removed, "removed": removed, "folders_removed": folders_removed}
