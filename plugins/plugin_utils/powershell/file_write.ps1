# wcow.buildkit operation: file_write
# wcow.buildkit requires: acl, hklm_marker, data_root
# Writes a file atomically. $Params: path (environment variables expanded),
# content, content_encoding ('text': written as UTF-8 without a byte order
# mark; 'base64': the bytes), backup (bool). Creates the parent directory,
# stages <path>.<random>.tmp in the same directory, then swaps it in with
# [IO.File]::Replace (keeping the old file as a backup when asked; a
# read-only file stays read-only) or, when there is no file yet,
# [IO.File]::Move. The staged file never outlives a
# failure; the old file is untouched until the swap. Staged files of an
# earlier run that was killed before its swap (<path>.<8 lower-case hex>.tmp,
# nothing else) are deleted first. With $Params.protect (optional) each
# folder of protect.folders (the file's own among them) gets the protected
# DACL of the acl snippet first (created with it when missing), and the
# staged file gets it before the swap, so nothing is ever writable by
# non-administrators; protect.users_read adds Users: read and execute, and
# so does protect.readable_folders (optional) for the folders of
# protect.folders it names (one that holds a folder on the PATH). The
# file gets it again after a Replace, which keeps the replaced file's DACL
# (docs/windows-facts.md#protected-dacls). $Params.data_roots (optional):
# the daemon's missing data folders, created and recorded first, as
# data_root_apply does, so that a service's first install stays one write.
$ErrorActionPreference = 'Stop'
# Absent, $Params.protect reads as $null (Set-StrictMode -Version 1 allows it).
$protect = $Params.protect
$path = [Environment]::ExpandEnvironmentVariables([string]$Params.path)
if ($Params.content_encoding -eq 'base64') {
    $bytes = [Convert]::FromBase64String([string]$Params.content)
}
elseif ($Params.content_encoding -eq 'text') {
    $bytes = (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false).GetBytes([string]$Params.content)
}
else {
    throw ('Unknown content_encoding {0}: expected text or base64.' -f $Params.content_encoding)
}
$directory = [IO.Path]::GetDirectoryName($path)
$dataRoots = @(New-WcowDataRoots -Paths @($Params.data_roots))
if ($protect) {
    foreach ($folder in @($protect.folders)) {
        if ($folder) {
            # -contains compares strings ignoring case, as Windows compares paths.
            $usersRead = [bool]$protect.users_read -or (@($protect.readable_folders) -contains [string]$folder)
            New-WcowProtectedDirectory -Path ([Environment]::ExpandEnvironmentVariables([string]$folder)) -UsersRead $usersRead
        }
    }
}
if (-not [IO.Directory]::Exists($directory)) {
    $null = New-Item -ItemType Directory -Path $directory -Force
}
$leaf = [IO.Path]::GetFileName($path)
# The pattern only narrows the listing (it also matches 8.3 short names); the
# test below decides: this file's name, then exactly this script's suffix.
foreach ($candidate in [IO.Directory]::GetFiles($directory, ('{0}.*.tmp' -f $leaf))) {
    $name = [IO.Path]::GetFileName($candidate)
    if ($name.Length -eq $leaf.Length + 13 -and $name.StartsWith($leaf + '.', [StringComparison]::OrdinalIgnoreCase) -and $name.Substring($leaf.Length) -cmatch '^\.[0-9a-f]{8}\.tmp$') {
        try {
            [IO.File]::Delete($candidate)
        }
        catch {
            # Open or read-only: left for a later run; the write goes on.
            $null = $_
        }
    }
}
$token = [Guid]::NewGuid().ToString('N').Substring(0, 8)
$staged = '{0}.{1}.tmp' -f $path, $token
$backupFile = $null
try {
    [IO.File]::WriteAllBytes($staged, $bytes)
    if ($protect) {
        Set-WcowProtectedAcl -Path $staged -UsersRead ([bool]$protect.users_read)
    }
    if ([IO.File]::Exists($path)) {
        # File.Replace refuses a read-only destination (UnauthorizedAccessException), and hardened hosts
        # mark config files read-only (docs/windows-facts.md#files-in-use): the attribute is cleared just
        # before the swap and set again on whatever holds the content afterwards.
        $target = New-Object -TypeName IO.FileInfo -ArgumentList $path
        $readOnly = $target.IsReadOnly
        if ($readOnly) {
            $target.IsReadOnly = $false
        }
        try {
            if ($Params.backup) {
                $backupFile = '{0}.{1}.{2}.bak' -f $path, (Get-Date -Format 'yyyyMMdd-HHmmss'), $token
                [IO.File]::Replace($staged, $path, $backupFile)
            }
            else {
                [IO.File]::Replace($staged, $path, [NullString]::Value)
            }
        }
        catch {
            # ReplaceFile may fail after it moved the old file away, leaving the new one under its staged
            # name (ERROR_UNABLE_TO_MOVE_REPLACEMENT without a backup, ..._2): the new file goes into place
            # so that the path never stays empty, and the error goes on.
            if (-not [IO.File]::Exists($path) -and [IO.File]::Exists($staged)) {
                [IO.File]::Move($staged, $path)
            }
            throw
        }
        finally {
            # The path holds the new file (swapped), or the old one (the swap failed first); a backup holds
            # the old one. A file the failure left nowhere is not looked for.
            if ($readOnly) {
                foreach ($kept in @($path, $backupFile)) {
                    if ($kept -and [IO.File]::Exists($kept)) {
                        (New-Object -TypeName IO.FileInfo -ArgumentList $kept).IsReadOnly = $true
                    }
                }
            }
        }
    }
    else {
        [IO.File]::Move($staged, $path)
    }
    if ($protect) {
        Set-WcowProtectedAcl -Path $path -UsersRead ([bool]$protect.users_read)
    }
}
finally {
    if ([IO.File]::Exists($staged)) {
        [IO.File]::Delete($staged)
    }
}
@{ path = $path; backup_file = $backupFile; data_roots_created = $dataRoots }
