# wcow.buildkit operation: release_archive_read
# wcow.buildkit requires: release_archive, acl
# What win_release_archive installed in $Params.dest under $Params.name: the
# manifest's text, the current SHA-256 of every file it lists and of every
# path in $Params.paths (null when the file is missing), the previous version
# kept in <dest>\.wcow-<name>.previous (its manifest's text and the SHA-256 of
# the copies it lists), and the text behind $Params.checksum.url when given
# (fetched by the host, which may reach servers the controller cannot), and
# the owner and DACL (Get-WcowSecurity) of dest, then of each folder between
# dest and an existing file it lists, then of that file, and whether dest is a
# link (junction or symbolic link). Changes nothing.
$ErrorActionPreference = 'Stop'
$dest = Resolve-WcowDestination -Path ([string]$Params.dest)
$manifestPath = [IO.Path]::Combine($dest, ('.wcow-{0}.manifest.json' -f $Params.name))
$manifestText = $null
$wanted = New-Object -TypeName System.Collections.Generic.List[string]
if ([IO.File]::Exists($manifestPath)) {
    $manifestText = [IO.File]::ReadAllText($manifestPath)
    try {
        $recorded = ConvertFrom-Json -InputObject $manifestText
        foreach ($entry in @($recorded.files)) {
            if ($entry -and $entry.path) {
                $wanted.Add([string]$entry.path)
            }
        }
    }
    catch {
        # A damaged manifest: the controller reports it and installs again.
        $wanted.Clear()
    }
}
foreach ($path in @($Params.paths)) {
    if ($path) {
        $wanted.Add([string]$path)
    }
}
$hashes = @(Get-WcowMemberHashes -Root $dest -Paths $wanted)
$destLink = [IO.Directory]::Exists($dest) -and (([IO.File]::GetAttributes($dest) -band 0x400) -ne 0)
$security = @(Get-WcowSecurity -Path $dest)
$folders = @{}
foreach ($record in $hashes) {
    if ($null -eq $record.sha256) {
        continue
    }
    $parts = ([string]$record.path).Split([char[]]@('/', '\'))
    for ($index = 1; $index -lt $parts.Count; $index++) {
        $folder = $parts[0..($index - 1)] -join '/'
        if (-not $folders.ContainsKey($folder)) {
            $folders[$folder] = $true
            $security += Get-WcowSecurity -Path (Join-WcowMember -Root $dest -RelativePath $folder)
        }
    }
    $security += Get-WcowSecurity -Path (Join-WcowMember -Root $dest -RelativePath ([string]$record.path))
}
$previousDir = [IO.Path]::Combine($dest, ('.wcow-{0}.previous' -f $Params.name))
$previousManifest = [IO.Path]::Combine($previousDir, ('.wcow-{0}.manifest.json' -f $Params.name))
$previousText = $null
$previousHashes = @()
if ([IO.File]::Exists($previousManifest)) {
    $previousText = [IO.File]::ReadAllText($previousManifest)
    $kept = New-Object -TypeName System.Collections.Generic.List[string]
    try {
        foreach ($entry in @((ConvertFrom-Json -InputObject $previousText).files)) {
            if ($entry -and $entry.path) {
                $kept.Add([string]$entry.path)
            }
        }
    }
    catch {
        # Damaged: the controller reports that there is nothing to restore.
        $kept.Clear()
    }
    $previousHashes = @(Get-WcowMemberHashes -Root $previousDir -Paths $kept)
}
$checksumText = $null
if ($Params.checksum) {
    $response = Invoke-WcowDownload -Url ([string]$Params.checksum.url) -Shown ([string]$Params.checksum.shown) -Web $Params.web
    $checksumText = [Text.Encoding]::UTF8.GetString($response.RawContentStream.ToArray())
}
@{
    dest = $dest
    dest_exists = [IO.Directory]::Exists($dest)
    dest_link = $destLink
    manifest_path = $manifestPath
    manifest_text = $manifestText
    files = $hashes
    previous_dir = $previousDir
    previous_dir_exists = [IO.Directory]::Exists($previousDir)
    previous_manifest_text = $previousText
    previous_files = $previousHashes
    checksum_text = $checksumText
    security = $security
}
