# wcow.buildkit operation: service_data_remove
# wcow.buildkit requires: data_tree, hklm_marker, data_root, acl
# What a service module removes at state=absent, after the service is gone:
# the config file $Params.config.path when it still has the SHA-256 the
# module read ($Params.config.sha256; a file changed since is kept); each
# folder of $Params.data_roots only while it is the collection's own (the
# data_root snippet: a marker that matches the folder's identity; an
# unmarked folder is kept and listed in kept), with no reparse point along
# its path and a final path that is the path itself (else the operation
# stops before it changes anything), its marker cleared once it is gone (a
# marker whose folder is gone is cleared too); each file or folder tree of
# $Params.paths (the log file) with no reparse point above it; links inside
# are removed as links, containerd's layer folders with DestroyLayer (the
# data_tree snippet); then each folder of $Params.empty_folders (deepest first) that is empty. An entry
# that cannot be removed (a file in use, access denied) is listed in
# not_removed (the first 20; not_removed_count counts them all) and the rest
# goes on: a second run meets only what is left.
$ErrorActionPreference = 'Stop'
$kept = New-Object -TypeName System.Collections.Generic.List[string]
$targets = New-Object -TypeName System.Collections.Generic.List[object]
$forget = New-Object -TypeName System.Collections.Generic.List[string]
$candidates = @(@($Params.data_roots) | Where-Object { $_ } | ForEach-Object { @{ path = [string]$_; root = $true } }) +
    @(@($Params.paths) | Where-Object { $_ } | ForEach-Object { @{ path = [string]$_; root = $false } })
foreach ($candidate in $candidates) {
    $path = $candidate['path']
    if ($candidate['root']) {
        $root = Get-WcowDataRoot -Path $path
        $link = $root['link']
    }
    else {
        $link = Find-WcowReparsePoint -Path ([IO.Path]::GetDirectoryName($path))
    }
    if ($link) {
        throw ('{0} is not removed: {1} along its path is a link (junction, symbolic link or mount point), so the data is elsewhere. Nothing was removed; remove the data by hand.' -f $path, $link)
    }
    if (-not $candidate['root']) {
        $targets.Add($candidate)
    }
    elseif (-not $root['exists']) {
        if ($null -ne $root['marker']) {
            $forget.Add($path)
        }
    }
    elseif ($root['marked']) {
        $targets.Add($candidate)
    }
    else {
        $kept.Add($path)
    }
}
$configRemoved = $false
if ($Params.config) {
    $configPath = [string]$Params.config.path
    if ([IO.File]::Exists($configPath)) {
        $hash = (Get-FileHash -LiteralPath $configPath -Algorithm SHA256).Hash
        if ($hash -eq [string]$Params.config.sha256) {
            [IO.File]::Delete($configPath)
            $configRemoved = $true
        }
    }
}
foreach ($path in $forget) {
    Remove-WcowMarker -Kind DataRoots -Name $path
}
$removed = New-Object -TypeName System.Collections.Generic.List[string]
$notRemoved = New-Object -TypeName System.Collections.Generic.List[string]
$notRemovedCount = 0
foreach ($target in $targets) {
    $path = $target['path']
    try {
        $outcome = Remove-WcowPath -Path $path
    }
    catch {
        throw ('Removing {0} stopped: {1}' -f $path, $_.Exception.Message)
    }
    if ($outcome['failed'].Count -eq 0) {
        if ($outcome['existed']) {
            $removed.Add($path)
        }
        if ($target['root']) {
            Remove-WcowMarker -Kind DataRoots -Name $path
        }
    }
    foreach ($failure in $outcome['failed']) {
        $notRemovedCount += 1
        if ($notRemoved.Count -lt 20) {
            $notRemoved.Add($failure)
        }
    }
}
$foldersRemoved = New-Object -TypeName System.Collections.Generic.List[string]
foreach ($folder in @($Params.empty_folders)) {
    if ($folder -and [IO.Directory]::Exists([string]$folder)) {
        if (@([IO.Directory]::GetFileSystemEntries([string]$folder)).Count -eq 0) {
            [IO.Directory]::Delete([string]$folder, $false)
            $foldersRemoved.Add([string]$folder)
        }
    }
}
@{
    config_removed = $configRemoved; removed = @($removed); kept = @($kept); folders_removed = @($foldersRemoved)
    not_removed = @($notRemoved); not_removed_count = $notRemovedCount
}
