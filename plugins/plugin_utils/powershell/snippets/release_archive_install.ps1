# wcow.buildkit snippet: release_archive_install
# The steps of release_archive_apply: receive a streamed archive, extract it
# with tar.exe, swap files into place.

function Receive-WcowStream {
    # The stdin lines after the bootstrap's payload line: base64, one chunk
    # per line, until the end of stdin.
    param([string]$Path)
    $stream = [IO.File]::Open($Path, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write)
    try {
        while ($true) {
            $line = [Console]::In.ReadLine()
            if ($null -eq $line) {
                break
            }
            $line = $line.Trim()
            if ($line.Length -gt 0) {
                $bytes = [Convert]::FromBase64String($line)
                $stream.Write($bytes, 0, $bytes.Length)
            }
        }
    }
    finally {
        $stream.Dispose()
    }
}

function Expand-WcowArchive {
    # tar.exe (bsdtar, in System32 since Windows 10 1803 and Server 2019)
    # reads .tar.gz and .zip alike and strips leading path components, which
    # Expand-Archive cannot.
    param([string]$Archive, [string]$Destination, [int]$StripComponents)
    $tar = [IO.Path]::Combine([Environment]::GetFolderPath('System'), 'tar.exe')
    if (-not [IO.File]::Exists($tar)) {
        throw ('{0} does not exist: tar.exe ships with Windows Server 2019, Windows 10 1803 and later.' -f $tar)
    }
    $arguments = @('-x', '-f', $Archive, '-C', $Destination)
    if ($StripComponents -gt 0) {
        $arguments += @('--strip-components', [string]$StripComponents)
    }
    # With 'Stop', Windows PowerShell 5.1 turns the first line a native
    # command writes to a redirected stderr into a terminating error.
    $ErrorActionPreference = 'Continue'
    $output = @(& $tar @arguments 2>&1 | ForEach-Object { [string]$_ })
    $code = $LASTEXITCODE
    $ErrorActionPreference = 'Stop'
    if ($code -ne 0) {
        throw ('tar.exe could not extract the archive (exit code {0}): {1}' -f $code, ($output -join ' '))
    }
}

function Get-WcowTarListing {
    # The stdout lines of `tar.exe <Arguments>`; a non-zero exit fails.
    param([string]$Tar, [string[]]$Arguments)
    $ErrorActionPreference = 'Continue'
    $output = @(& $Tar @Arguments 2>&1)
    $code = $LASTEXITCODE
    $ErrorActionPreference = 'Stop'
    if ($code -ne 0) {
        throw ('tar.exe could not list the archive (exit code {0}): {1}' -f $code, (($output | ForEach-Object { [string]$_ }) -join ' '))
    }
    @($output | Where-Object { $_ -isnot [Management.Automation.ErrorRecord] } | ForEach-Object { [string]$_ })
}

function Assert-WcowArchiveEntries {
    # Lists the archive before anything is extracted: `tar -t` gives the
    # names, `tar -tv` their types in the first character of each line
    # (bsdtar's ls-like listing: - file, d folder, l symbolic link, h hard
    # link, c b p devices and FIFOs). tar.exe on Windows Server 2022, 2025
    # and Windows 11 creates the links it extracts, and anything that
    # follows them (a listing, a removal) would act outside the staging
    # folder; absolute paths, drives, colons (alternate data streams) and
    # `..` would write outside it. Such an archive is refused whole.
    param([string]$Archive, [string]$Shown)
    $tar = [IO.Path]::Combine([Environment]::GetFolderPath('System'), 'tar.exe')
    if (-not [IO.File]::Exists($tar)) {
        return
    }
    $names = @(Get-WcowTarListing -Tar $tar -Arguments @('-t', '-f', $Archive))
    $lines = @(Get-WcowTarListing -Tar $tar -Arguments @('-t', '-v', '-f', $Archive))
    if ($names.Count -ne $lines.Count) {
        throw ('tar.exe listed {0} inconsistently; nothing was installed.' -f $Shown)
    }
    $bad = @()
    for ($index = 0; $index -lt $names.Count; $index++) {
        $name = $names[$index]
        $type = $lines[$index].Substring(0, 1)
        $path = $name.Replace('\', '/')
        $reason = $null
        if ($type -eq 'l') { $reason = 'a symbolic link' }
        elseif ($type -eq 'h') { $reason = 'a hard link' }
        elseif ($type -ne '-' -and $type -ne 'd') { $reason = 'a device or special file' }
        elseif ($path.StartsWith('/')) { $reason = 'an absolute path' }
        elseif ($path -match '^[A-Za-z]:') { $reason = 'a drive' }
        elseif ($path.Contains(':')) { $reason = 'an alternate data stream' }
        elseif (@($path.Split('/')) -contains '..') { $reason = 'a .. element' }
        if ($reason) {
            $bad += ('{0} ({1})' -f $name, $reason)
        }
    }
    if ($bad.Count -gt 0) {
        throw ('{0} holds entries that are not regular files or folders, or that would be written outside the folder: {1}. Nothing was installed.' -f $Shown, ($bad -join ', '))
    }
}

function Get-WcowFileList {
    # Relative paths, with /, of the files below $Root.
    param([string]$Root)
    $prefix = $Root.Length + 1
    @(Get-ChildItem -LiteralPath $Root -Recurse -File -Force | ForEach-Object { $_.FullName.Substring($prefix).Replace('\', '/') })
}

function Remove-WcowAside {
    # Deletes a renamed-aside file; one still in use stays for a later run.
    param([string]$Path, [string]$Dest, $Leftovers)
    try {
        [IO.File]::Delete($Path)
    }
    catch {
        $Leftovers.Add($Path.Substring($Dest.Length + 1).Replace('\', '/'))
    }
}

function Remove-WcowStrayAside {
    # Files Move-WcowFileIntoPlace set aside and a run killed before it
    # deleted them (between two moves, no catch ran): only this collection
    # names files <file>.wcow-old-<8 hex digits>. Those in $Leftovers already
    # were tried by this run.
    param([string]$Target, [string]$Dest, $Leftovers)
    $folder = [IO.Path]::GetDirectoryName($Target)
    if (-not [IO.Directory]::Exists($folder)) {
        return
    }
    $name = [IO.Path]::GetFileName($Target)
    $pattern = '^' + [Regex]::Escape($name) + '\.wcow-old-[0-9a-f]{8}$'
    foreach ($path in @([IO.Directory]::GetFiles($folder, ($name + '.wcow-old-*')))) {
        $relative = $path.Substring($Dest.Length + 1).Replace('\', '/')
        if ([IO.Path]::GetFileName($path) -match $pattern -and -not $Leftovers.Contains($relative)) {
            Remove-WcowAside -Path $path -Dest $Dest -Leftovers $Leftovers
        }
    }
}

function Move-WcowFileIntoPlace {
    # A running .exe cannot be overwritten but can be renamed: the file in
    # place is renamed aside, the new one moved in, the old one deleted when
    # nothing holds it open.
    param([string]$Source, [string]$Target, [string]$Dest, $Leftovers)
    if (-not [IO.File]::Exists($Target)) {
        [IO.File]::Move($Source, $Target)
        return
    }
    $aside = '{0}.wcow-old-{1}' -f $Target, [Guid]::NewGuid().ToString('N').Substring(0, 8)
    [IO.File]::Move($Target, $aside)
    try {
        [IO.File]::Move($Source, $Target)
    }
    catch {
        [IO.File]::Move($aside, $Target)
        throw
    }
    Remove-WcowAside -Path $aside -Dest $Dest -Leftovers $Leftovers
}

function Write-WcowManifest {
    # Staged beside the manifest, then swapped in: a reader sees the old or
    # the new manifest, never half of one.
    param([string]$Path, $Manifest)
    $json = ConvertTo-Json -InputObject $Manifest -Depth 6
    $staged = '{0}.{1}.tmp' -f $Path, [Guid]::NewGuid().ToString('N').Substring(0, 8)
    [IO.File]::WriteAllText($staged, $json, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
    if ([IO.File]::Exists($Path)) {
        [IO.File]::Replace($staged, $Path, [NullString]::Value)
    }
    else {
        [IO.File]::Move($staged, $Path)
    }
}

function Copy-WcowMember {
    # Copies $From\<path> to $To\<path>, creating folders; returns the copy.
    param([string]$From, [string]$To, [string]$RelativePath)
    $source = Join-WcowMember -Root $From -RelativePath $RelativePath
    $target = Join-WcowMember -Root $To -RelativePath $RelativePath
    $null = [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($target))
    [IO.File]::Copy($source, $target)
    $target
}

function Remove-WcowPrevious {
    # The kept previous version: its manifest first, so that a failure half-way
    # leaves no folder that claims to be restorable.
    param([string]$Path, [string]$Name)
    if (-not [IO.Directory]::Exists($Path)) {
        return
    }
    $manifest = [IO.Path]::Combine($Path, ('.wcow-{0}.manifest.json' -f $Name))
    if ([IO.File]::Exists($manifest)) {
        [IO.File]::Delete($manifest)
    }
    # Not Remove-Item -Recurse, which follows links (the data_tree snippet).
    $null = Remove-WcowPath -Path $Path
}
