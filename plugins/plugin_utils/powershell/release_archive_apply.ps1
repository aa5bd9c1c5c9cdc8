# wcow.buildkit operation: release_archive_apply
# wcow.buildkit requires: release_archive, release_archive_install, data_tree, host_lock, acl
# Installs a release archive into $Params.dest. The archive is downloaded by
# the host ($Params.source.kind 'url') or read from stdin ('stream') into a
# staging directory inside dest, its SHA-256 compared with $Params.sha256,
# and extracted there by tar.exe. With kind 'previous', the copies kept in
# <dest>\.wcow-<name>.previous are staged instead (a restore). Before the
# first file moves, $Params.keep.action 'copy' replaces the kept previous
# version with a copy of the installed one (staged, then moved in as a whole
# folder), 'drop' removes it. Then each file whose content differs from the
# one in place is moved in, the files of the previous install
# ($Params.previous_files) that the archive no longer has are removed when
# unchanged since, so are files a killed run set aside, and the manifest is
# written last. A failure before the
# first move leaves dest as it was, and directories this run created are
# removed again. With $Params.protect dest gets the protected DACL of the acl
# snippet (Users: read and execute), created with it when missing, before the
# staging directory is made inside it; with $Params.replace_unchanged (what
# dest holds cannot be trusted) the folders the files go into get it too, and
# every file is moved in, also when the one in place has the same content
# (docs/windows-facts.md#protected-dacls).
$ErrorActionPreference = 'Stop'
$dest = Resolve-WcowDestination -Path ([string]$Params.dest)
$staging = [IO.Path]::Combine($dest, ('.wcow-{0}.staging' -f $Params.name))
$manifestPath = [IO.Path]::Combine($dest, ('.wcow-{0}.manifest.json' -f $Params.name))
$previousDir = [IO.Path]::Combine($dest, ('.wcow-{0}.previous' -f $Params.name))
$created = New-Object -TypeName System.Collections.Generic.List[string]
$probe = $dest
while ($probe -and -not [IO.Directory]::Exists($probe)) {
    $created.Insert(0, $probe)
    $probe = [IO.Path]::GetDirectoryName($probe)
}
$moved = $false
$changed = New-Object -TypeName System.Collections.Generic.List[string]
$removed = New-Object -TypeName System.Collections.Generic.List[string]
$kept = New-Object -TypeName System.Collections.Generic.List[string]
$leftovers = New-Object -TypeName System.Collections.Generic.List[string]
Assert-WcowHostLock -Lock $WcowHostLock -Folder $staging
try {
    foreach ($directory in $created) {
        if (-not ($Params.protect -and $directory -eq $dest)) {
            $null = [IO.Directory]::CreateDirectory($directory)
        }
    }
    if ($Params.protect) {
        New-WcowProtectedDirectory -Path $dest -UsersRead $true
    }
    if ([IO.Directory]::Exists($staging)) {
        # Left by a run that failed: only this module writes there, under the host's lock. What stays
        # (a file a scanner still holds) would be taken for part of this archive. A scanner or indexer
        # usually lets go within seconds, so the removal is tried three times before the install fails.
        $left = Remove-WcowPath -Path $staging
        for ($try = 1; $left.failed.Count -gt 0 -and $try -lt 3; $try++) {
            Start-Sleep -Seconds 2
            $left = Remove-WcowPath -Path $staging
        }
        if ($left.failed.Count -gt 0) {
            $shown = @($left.failed | Select-Object -First 10)
            $more = if ($left.failed.Count -gt 10) { ' (and {0} more)' -f ($left.failed.Count - 10) } else { '' }
            throw ('{0}, left by an earlier run, could not be removed; nothing was installed, run again later: {1}{2}' -f $staging, ($shown -join '; '), $more)
        }
    }
    $null = [IO.Directory]::CreateDirectory($staging)
    $extracted = [IO.Path]::Combine($staging, 'files')
    $null = [IO.Directory]::CreateDirectory($extracted)
    if ($Params.source.kind -eq 'previous') {
        $selected = @(foreach ($record in @($Params.source.files)) {
            $copy = Copy-WcowMember -From $previousDir -To $extracted -RelativePath ([string]$record.path)
            if ((Get-WcowSha256 -Path $copy) -ne [string]$record.sha256) {
                throw ('The copy of {0} in {1} changed since it was kept. Nothing was restored.' -f $record.path, $previousDir)
            }
            [string]$record.path
        })
        $actual = [string]$Params.sha256
    }
    else {
        $archive = [IO.Path]::Combine($staging, ('archive.{0}' -f $Params.archive_type))
        if ($Params.source.kind -eq 'url') {
            Invoke-WcowDownload -Url ([string]$Params.source.url) -Shown ([string]$Params.source.shown) -OutFile $archive -Web $Params.web
        }
        else {
            Receive-WcowStream -Path $archive
        }
        $actual = Get-WcowSha256 -Path $archive
        if ($Params.sha256 -and $actual -ne [string]$Params.sha256) {
            throw ('Checksum mismatch for {0}: expected sha256:{1}, got sha256:{2}. Nothing was installed.' -f $Params.source.shown, $Params.sha256, $actual)
        }
        Assert-WcowArchiveEntries -Archive $archive -Shown ([string]$Params.source.shown)
        Expand-WcowArchive -Archive $archive -Destination $extracted -StripComponents ([int]$Params.strip_components)
        $all = @(Get-WcowFileList -Root $extracted)
        if ($all.Count -eq 0) {
            throw ('{0} has no files left after stripping {1} leading path components.' -f $Params.source.shown, $Params.strip_components)
        }
        $selected = $all
        if ($null -ne $Params.include) {
            $chosen = @{}
            $missing = @()
            foreach ($entry in @($Params.include)) {
                $hits = @($all | Where-Object { $_ -eq $entry -or $_.StartsWith($entry + '/', [StringComparison]::OrdinalIgnoreCase) })
                if ($hits.Count -eq 0) {
                    $missing += $entry
                }
                foreach ($hit in $hits) {
                    $chosen[$hit] = $true
                }
            }
            if ($missing.Count -gt 0) {
                throw ('include: {0} not in {1} after stripping {2} leading path components; it holds {3}.' -f ($missing -join ', '), $Params.source.shown, $Params.strip_components, (($all | Select-Object -First 20) -join ', '))
            }
            $selected = @($all | Where-Object { $chosen.ContainsKey($_) })
        }
    }
    if ($Params.replace_unchanged) {
        # Non-administrators could write dest: a folder in it may be a junction one of them made, through
        # which SetAccessControl and the moves below would change another tree. Every folder is checked
        # before the first one changes, and before the kept previous version is touched.
        $seen = @{}
        $protectedFolders = New-Object -TypeName System.Collections.Generic.List[string]
        foreach ($relative in $selected) {
            $folder = [IO.Path]::GetDirectoryName((Join-WcowMember -Root $dest -RelativePath $relative))
            while ($folder.Length -gt $dest.Length -and -not $seen.ContainsKey($folder)) {
                $seen[$folder] = $true
                if ([IO.Directory]::Exists($folder)) {
                    if (([IO.File]::GetAttributes($folder) -band 0x400) -ne 0) {
                        throw ('{0} is a link (junction or symbolic link) inside {1}, which non-administrators could write; nothing was installed. Remove the link and run again.' -f $folder, $dest)
                    }
                    $protectedFolders.Add($folder)
                }
                $folder = [IO.Path]::GetDirectoryName($folder)
            }
        }
    }
    if ($Params.keep.action -eq 'copy' -or $Params.keep.action -eq 'drop') {
        Remove-WcowPrevious -Path $previousDir -Name ([string]$Params.name)
    }
    if ($Params.keep.action -eq 'copy') {
        $copies = [IO.Path]::Combine($staging, 'previous')
        $null = [IO.Directory]::CreateDirectory($copies)
        foreach ($record in @($Params.keep.manifest.files)) {
            # A running program's file can be read, so copied.
            $copy = Copy-WcowMember -From $dest -To $copies -RelativePath ([string]$record.path)
            if ((Get-WcowSha256 -Path $copy) -ne [string]$record.sha256) {
                throw ('{0} changed while it was kept as the previous version. Nothing was installed.' -f $record.path)
            }
        }
        Write-WcowManifest -Path ([IO.Path]::Combine($copies, ('.wcow-{0}.manifest.json' -f $Params.name))) -Manifest $Params.keep.manifest
        [IO.Directory]::Move($copies, $previousDir)
    }
    if ($Params.replace_unchanged) {
        # Parents first: a folder is protected only once the folder holding it is.
        foreach ($folder in @($protectedFolders | Sort-Object -Property Length)) {
            Set-WcowProtectedAcl -Path $folder -UsersRead $true
        }
    }
    $records = @(foreach ($relative in $selected) {
        $source = Join-WcowMember -Root $extracted -RelativePath $relative
        $target = Join-WcowMember -Root $dest -RelativePath $relative
        $digest = Get-WcowSha256 -Path $source
        $current = $null
        if ([IO.File]::Exists($target)) {
            $current = Get-WcowSha256 -Path $target
        }
        if ($current -ne $digest -or $Params.replace_unchanged) {
            $null = [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($target))
            $moved = $true
            Move-WcowFileIntoPlace -Source $source -Target $target -Dest $dest -Leftovers $leftovers
            $changed.Add($relative)
        }
        @{ path = $relative; sha256 = $digest }
    })
    $installed = @{}
    foreach ($record in $records) {
        $installed[$record.path] = $true
    }
    foreach ($old in @($Params.previous_files)) {
        if (-not $old -or $installed.ContainsKey([string]$old.path)) {
            continue
        }
        $target = Join-WcowMember -Root $dest -RelativePath ([string]$old.path)
        if (-not [IO.File]::Exists($target)) {
            continue
        }
        if ((Get-WcowSha256 -Path $target) -ne [string]$old.sha256) {
            # Changed since it was installed: someone else's data now.
            $kept.Add([string]$old.path)
            continue
        }
        $aside = '{0}.wcow-old-{1}' -f $target, [Guid]::NewGuid().ToString('N').Substring(0, 8)
        $moved = $true
        [IO.File]::Move($target, $aside)
        Remove-WcowAside -Path $aside -Dest $dest -Leftovers $leftovers
        $removed.Add([string]$old.path)
    }
    foreach ($old in @($Params.previous_leftovers)) {
        if ($old) {
            $path = Join-WcowMember -Root $dest -RelativePath ([string]$old)
            if ([IO.File]::Exists($path)) {
                Remove-WcowAside -Path $path -Dest $dest -Leftovers $leftovers
            }
        }
    }
    foreach ($record in $records) {
        Remove-WcowStrayAside -Target (Join-WcowMember -Root $dest -RelativePath ([string]$record.path)) -Dest $dest -Leftovers $leftovers
    }
    $manifest = [ordered]@{}
    foreach ($property in $Params.manifest.PSObject.Properties) {
        $manifest[$property.Name] = $property.Value
    }
    $manifest['archive_sha256'] = $actual
    $manifest['files'] = $records
    $manifest['leftovers'] = @($leftovers)
    Write-WcowManifest -Path $manifestPath -Manifest $manifest
}
catch {
    $failure = $_
    if ([IO.Directory]::Exists($staging)) {
        try {
            $null = Remove-WcowPath -Path $staging
        }
        catch {
            $null = $_
        }
    }
    if (-not $moved) {
        for ($index = $created.Count - 1; $index -ge 0; $index--) {
            if ([IO.Directory]::Exists($created[$index]) -and @([IO.Directory]::GetFileSystemEntries($created[$index])).Count -eq 0) {
                [IO.Directory]::Delete($created[$index])
            }
        }
    }
    throw $failure
}
# A file in staging still open by a scanner is left (Remove-WcowPath reports it
# and goes on); the next run removes it.
$null = Remove-WcowPath -Path $staging
@{
    dest = $dest
    manifest_path = $manifestPath
    archive_sha256 = $actual
    files = $records
    changed_files = @($changed)
    removed_files = @($removed)
    kept_files = @($kept)
    leftovers = @($leftovers)
}
