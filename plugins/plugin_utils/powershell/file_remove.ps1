# wcow.buildkit operation: file_remove
# Removes the file $Params.path (environment variables expanded); with
# $Params.backup it is renamed to <path>.<yyyyMMdd-HHmmss>.<random>.bak
# instead. A missing file is no error; a directory is refused. With
# $Params.remove_empty_parent, the file's directory goes too when nothing is
# left in it. Deleting or renaming a file is one step: there is nothing to
# stage.
$ErrorActionPreference = 'Stop'
$path = [Environment]::ExpandEnvironmentVariables([string]$Params.path)
if ([IO.Directory]::Exists($path)) {
    throw ('{0} is a directory, not a file.' -f $path)
}
$removed = $false
$backupFile = $null
if ([IO.File]::Exists($path)) {
    if ($Params.backup) {
        $token = [Guid]::NewGuid().ToString('N').Substring(0, 8)
        $backupFile = '{0}.{1}.{2}.bak' -f $path, (Get-Date -Format 'yyyyMMdd-HHmmss'), $token
        [IO.File]::Move($path, $backupFile)
    }
    else {
        [IO.File]::Delete($path)
    }
    $removed = $true
}
$parentRemoved = $false
$directory = [IO.Path]::GetDirectoryName($path)
if ($Params.remove_empty_parent -and $directory -and [IO.Directory]::Exists($directory)) {
    $left = @([IO.Directory]::GetFileSystemEntries($directory))
    if ($left.Count -eq 0) {
        [IO.Directory]::Delete($directory)
        $parentRemoved = $true
    }
}
@{ path = $path; removed = $removed; backup_file = $backupFile; parent_removed = $parentRemoved }
