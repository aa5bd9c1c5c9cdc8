"""file_remove: delete a file (or rename it to a backup), then its directory when left empty."""

import datetime

from winsim.windows import environment, files
from winsim.windows.guids import new_guid

from .base import PowerShellError, param


def run(state: dict, params) -> dict:
    path = environment.expand(param(params, "path", (str,)))
    backup = param(params, "backup", (bool,))
    remove_empty_parent = param(params, "remove_empty_parent", (bool,))
    if files.is_dir(state, path):
        # The script's own throw: category OperationStopped.
        raise PowerShellError(f"{path} is a directory, not a file.", "OperationStopped")
    removed, backup_file = False, None
    if files.is_file(state, path):
        call = "Move" if backup else "Delete"
        try:
            if backup:
                token = new_guid(state).replace("-", "").lower()[:8]
                # Get-Date -Format 'yyyyMMdd-HHmmss': the host's local time.
                backup_file = f"{path}.{datetime.datetime.now():%Y%m%d-%H%M%S}.{token}.bak"
                # [IO.File]::Move renames a file even while it is open (docs/windows-facts.md#files-in-use).
                files.move(state, path, backup_file)
            else:
                files.delete(state, path)
        except files.WindowsIOError as error:
            # A .NET exception from a static method: a MethodInvocationException, category NotSpecified.
            raise PowerShellError(
                f'Exception calling "{call}" with "{2 if call == "Move" else 1}" argument(s): "{error.message}"',
                "NotSpecified",
            ) from None
        removed = True
    parent_removed = False
    directory = files.parent(path)
    if remove_empty_parent and directory is not None and files.is_dir(state, directory):
        # [IO.Directory]::GetFileSystemEntries lists files and directories alike.
        if not files.children(state, directory):
            files.remove_empty_dir(state, directory)
            parent_removed = True
    return {"path": path, "removed": removed, "backup_file": backup_file, "parent_removed": parent_removed}
