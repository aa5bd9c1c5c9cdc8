# wcow.buildkit operation: service_data_remove
# wcow.buildkit requires: data_tree
# What a service module removes at state=absent, after the service is gone:
# the config file $Params.config.path when it still has the SHA-256 the
# module read ($Params.config.sha256; a file changed since is kept), each
# file or folder tree of $Params.paths (links inside are removed as links,
# containerd's layer folders with DestroyLayer: the data_tree snippet), then
# each folder of $Params.empty_folders (deepest first) that is empty. An entry
# that cannot be removed (a file in use, access denied) is listed in
# not_removed (the first 20; not_removed_count counts them all) and the rest
# goes on: a second run meets only what is left.
$ErrorActionPreference = 'Stop'
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
$removed = New-Object -TypeName System.Collections.Generic.List[string]
$notRemoved = New-Object -TypeName System.Collections.Generic.List[string]
$notRemovedCount = 0
foreach ($path in @($Params.paths)) {
    if (-not $path) {
        continue
    }
    try {
        $outcome = Remove-WcowPath -Path ([string]$path)
    }
    catch {
        throw ('Removing {0} stopped: {1}' -f $path, $_.Exception.Message)
    }
    if ($outcome['failed'].Count -eq 0) {
        if ($outcome['existed']) {
            $removed.Add([string]$path)
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
    config_removed = $configRemoved; removed = @($removed); folders_removed = @($foldersRemoved)
    not_removed = @($notRemoved); not_removed_count = $notRemovedCount
}
