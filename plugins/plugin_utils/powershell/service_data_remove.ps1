# wcow.buildkit operation: service_data_remove
# wcow.buildkit requires: data_tree
# What a service module removes at state=absent, after the service is gone:
# the config file $Params.config.path when it still has the SHA-256 the
# module read ($Params.config.sha256; a file changed since is kept), each
# file or folder tree of $Params.paths (links inside are removed as links),
# then each folder of $Params.empty_folders (deepest first) that is empty.
# The first failure (a file in use, access denied) stops the removal: what
# went stays gone, and a second run removes the rest.
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
foreach ($path in @($Params.paths)) {
    if (-not $path) {
        continue
    }
    try {
        if (Remove-WcowPath -Path ([string]$path)) {
            $removed.Add([string]$path)
        }
    }
    catch {
        throw ('Removing {0} stopped: {1}' -f $path, $_.Exception.Message)
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
@{ config_removed = $configRemoved; removed = @($removed); folders_removed = @($foldersRemoved) }
