# wcow.buildkit operation: release_archive_remove
# wcow.buildkit requires: release_archive, release_archive_install, data_tree, host_lock
# Removes what win_release_archive installed in $Params.dest under
# $Params.name: each file of $Params.files that still has the SHA-256 the
# manifest recorded (a file replaced since is someone else's now and stays),
# the renamed-aside files of $Params.leftovers, the kept previous version
# and a staging directory left by a failed run (only this module writes
# there), then the manifest, last, so that a failure half-way leaves a
# manifest the next run finishes from. A file still in use is renamed aside
# and recorded in a manifest without files, to be deleted by a later run.
# Folders that are empty afterwards go, dest too; others stay.
$ErrorActionPreference = 'Stop'
$dest = Resolve-WcowDestination -Path ([string]$Params.dest)
$manifestPath = [IO.Path]::Combine($dest, ('.wcow-{0}.manifest.json' -f $Params.name))
$removed = New-Object -TypeName System.Collections.Generic.List[string]
$kept = New-Object -TypeName System.Collections.Generic.List[string]
$leftovers = New-Object -TypeName System.Collections.Generic.List[string]
$folders = @{}
foreach ($old in @($Params.files)) {
    if (-not $old) {
        continue
    }
    $target = Join-WcowMember -Root $dest -RelativePath ([string]$old.path)
    $folders[[IO.Path]::GetDirectoryName($target)] = $true
    if (-not [IO.File]::Exists($target)) {
        continue
    }
    if ((Get-WcowSha256 -Path $target) -ne [string]$old.sha256) {
        $kept.Add([string]$old.path)
        continue
    }
    $aside = '{0}.wcow-old-{1}' -f $target, [Guid]::NewGuid().ToString('N').Substring(0, 8)
    [IO.File]::Move($target, $aside)
    Remove-WcowAside -Path $aside -Dest $dest -Leftovers $leftovers
    $removed.Add([string]$old.path)
}
foreach ($old in @($Params.leftovers)) {
    if ($old) {
        $path = Join-WcowMember -Root $dest -RelativePath ([string]$old)
        $folders[[IO.Path]::GetDirectoryName($path)] = $true
        if ([IO.File]::Exists($path)) {
            Remove-WcowAside -Path $path -Dest $dest -Leftovers $leftovers
        }
    }
}
foreach ($own in @(('.wcow-{0}.previous' -f $Params.name), ('.wcow-{0}.staging' -f $Params.name))) {
    $path = [IO.Path]::Combine($dest, $own)
    if ([IO.Directory]::Exists($path)) {
        Assert-WcowHostLock -Lock $WcowHostLock -Folder $path
        $null = Remove-WcowPath -Path $path
    }
}
if ($leftovers.Count -gt 0) {
    $manifest = [ordered]@{}
    foreach ($property in $Params.manifest.PSObject.Properties) {
        $manifest[$property.Name] = $property.Value
    }
    $manifest['files'] = @()
    $manifest['leftovers'] = @($leftovers)
    Write-WcowManifest -Path $manifestPath -Manifest $manifest
}
elseif ([IO.File]::Exists($manifestPath)) {
    [IO.File]::Delete($manifestPath)
}
# Deepest first, so that bin\sub goes before bin; never above dest.
$folders[$dest] = $true
$ordered = @($folders.Keys | Where-Object { $_.StartsWith($dest, [StringComparison]::OrdinalIgnoreCase) } | Sort-Object -Property Length -Descending)
foreach ($folder in $ordered) {
    $probe = $folder
    while ($probe.Length -ge $dest.Length) {
        if (-not [IO.Directory]::Exists($probe) -or @([IO.Directory]::GetFileSystemEntries($probe)).Count -gt 0) {
            break
        }
        [IO.Directory]::Delete($probe)
        $probe = [IO.Path]::GetDirectoryName($probe)
    }
}
@{
    dest = $dest
    dest_removed = -not [IO.Directory]::Exists($dest)
    removed_files = @($removed)
    kept_files = @($kept)
    leftovers = @($leftovers)
}
