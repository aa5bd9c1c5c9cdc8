# wcow.buildkit snippet: data_tree
# Measure and remove a service's data folders without following links: a
# junction or symbolic link inside a folder is removed as a link, and what it
# points to is not touched (RemoveDirectory removes a junction, never its
# target: MicrosoftDocs/sdk-api#1640). Not Remove-Item -Recurse: Windows
# PowerShell 5.1 walks into a directory link and deletes what it points to
# (PowerShell/PowerShell#621). Read-only entries are made writable first:
# [IO.File]::Delete refuses a read-only file (UnauthorizedAccessException,
# System.IO.File.Delete on learn.microsoft.com).

function Test-WcowLink {
    param([IO.FileSystemInfo] $Entry)
    ($Entry.Attributes -band [IO.FileAttributes]::ReparsePoint) -ne 0
}

function Measure-WcowPath {
    # @{ path; type = missing, file, dir or link; files; dirs; bytes } of one path, counting what is below a folder.
    param([string] $Path)
    $found = @{ path = $Path; type = 'missing'; files = 0; dirs = 0; bytes = 0 }
    if ([IO.File]::Exists($Path)) {
        $file = New-Object -TypeName IO.FileInfo -ArgumentList $Path
        $found['type'] = 'file'
        $found['files'] = 1
        $found['bytes'] = $file.Length
        return $found
    }
    if (-not [IO.Directory]::Exists($Path)) {
        return $found
    }
    $root = New-Object -TypeName IO.DirectoryInfo -ArgumentList $Path
    if (Test-WcowLink -Entry $root) {
        $found['type'] = 'link'
        return $found
    }
    $found['type'] = 'dir'
    $pending = New-Object -TypeName System.Collections.Generic.Stack[IO.DirectoryInfo]
    $pending.Push($root)
    while ($pending.Count -gt 0) {
        foreach ($entry in $pending.Pop().GetFileSystemInfos()) {
            if ($entry -is [IO.DirectoryInfo]) {
                $found['dirs'] += 1
                if (-not (Test-WcowLink -Entry $entry)) {
                    $pending.Push($entry)
                }
            }
            else {
                $found['files'] += 1
                $found['bytes'] += $entry.Length
            }
        }
    }
    $found
}

function Clear-WcowReadOnly {
    param([IO.FileSystemInfo] $Entry)
    if (($Entry.Attributes -band [IO.FileAttributes]::ReadOnly) -ne 0) {
        $Entry.Attributes = $Entry.Attributes -band (-bnot [IO.FileAttributes]::ReadOnly)
    }
}

function Remove-WcowEntries {
    # Everything inside one folder, deepest first; the first failure stops it.
    param([IO.DirectoryInfo] $Directory)
    foreach ($entry in $Directory.GetFileSystemInfos()) {
        Clear-WcowReadOnly -Entry $entry
        if ($entry -is [IO.DirectoryInfo]) {
            if (-not (Test-WcowLink -Entry $entry)) {
                Remove-WcowEntries -Directory $entry
            }
            [IO.Directory]::Delete($entry.FullName, $false)
        }
        else {
            [IO.File]::Delete($entry.FullName)
        }
    }
}

function Remove-WcowPath {
    # Removes a file, or a folder and everything in it; $true when something was there.
    param([string] $Path)
    if ([IO.File]::Exists($Path)) {
        Clear-WcowReadOnly -Entry (New-Object -TypeName IO.FileInfo -ArgumentList $Path)
        [IO.File]::Delete($Path)
        return $true
    }
    if (-not [IO.Directory]::Exists($Path)) {
        return $false
    }
    $root = New-Object -TypeName IO.DirectoryInfo -ArgumentList $Path
    if (Test-WcowLink -Entry $root) {
        throw ('{0} is a link (junction or symbolic link) to another folder; it is not removed. Remove it and the data it points to by hand.' -f $Path)
    }
    Remove-WcowEntries -Directory $root
    Clear-WcowReadOnly -Entry $root
    [IO.Directory]::Delete($Path, $false)
    $true
}
