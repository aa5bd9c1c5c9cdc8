"""The acl snippet: the protected DACL it builds, set on a path or given to a folder it creates, and the
owner and DACL Get-WcowSecurity reads (docs/windows-facts.md#protected-dacls)."""

from winsim.windows import files, ntfs

from .base import PowerShellError


def protected_sddl(directory: bool, users_read: bool) -> str:
    """New-WcowProtectedSecurity: owner Administrators, a protected DACL: Administrators and SYSTEM full control,
    Users read and execute when asked; inherited by what a folder holds (OICI)."""
    flags = "OICI" if directory else ""
    aces = f"(A;{flags};FA;;;BA)(A;{flags};FA;;;SY)"
    if users_read:
        aces += f"(A;{flags};0x1200a9;;;BU)"
    return f"O:BAD:P{aces}"


def protect(state: dict, path: str, users_read: bool) -> None:
    """Set-WcowProtectedAcl on an existing file or folder."""
    files.set_access_control(state, path, protected_sddl(files.is_dir(state, path), users_read))


def protect_directory(state: dict, path: str, users_read: bool) -> None:
    """New-WcowProtectedDirectory: Directory.CreateDirectory(path, DirectorySecurity) gives a new folder its
    DACL as it is created (no moment without it); an existing folder gets it set."""
    if files.is_dir(state, path):
        try:
            protect(state, path, users_read)
        except files.WindowsIOError as error:
            raise PowerShellError(f'Exception calling "SetAccessControl" with "2" argument(s): "{error.message}"',
                                  "NotSpecified") from None
        return
    try:
        files.ensure_dir(state, path)
    except files.WindowsIOError as error:
        # New-Item -ItemType Directory -Force (the parents) or CreateDirectory over an existing file.
        raise PowerShellError(error.message, "ResourceExists") from None
    state["files"][files.find_key(state, path)]["sddl"] = protected_sddl(True, users_read)


def security(state: dict, path: str) -> dict:
    """Get-WcowSecurity: GetAccessControl(Owner, Access).GetSecurityDescriptorSddlForm, $null sddl when absent."""
    key = files.find_key(state, path)
    if key is None:
        return {"path": path, "exists": False, "directory": False, "sddl": None}
    is_dir = state["files"][key]["type"] == "dir"
    return {"path": path, "exists": True, "directory": is_dir, "sddl": ntfs.render(ntfs.descriptor(state, key))}
