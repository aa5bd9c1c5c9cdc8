# wcow.buildkit operation: defender_exclusion_apply
# wcow.buildkit requires: defender
# Removes $Params.remove_processes and $Params.remove_paths from Microsoft
# Defender Antivirus's exclusions (Remove-MpPreference), then adds
# $Params.add_processes and $Params.add_paths (Add-MpPreference); returns the
# lists as Get-MpPreference shows them afterwards. Each entry is one element of
# a string array parameter: none is parsed as PowerShell or a command line.
# Where-Object drops the $null that @() would make of a missing list.
$ErrorActionPreference = 'Stop'
$removeProcesses = [string[]]@($Params.remove_processes | Where-Object { $_ })
$removePaths = [string[]]@($Params.remove_paths | Where-Object { $_ })
$addProcesses = [string[]]@($Params.add_processes | Where-Object { $_ })
$addPaths = [string[]]@($Params.add_paths | Where-Object { $_ })
if ($removeProcesses.Count -gt 0) {
    $null = Remove-MpPreference -ExclusionProcess $removeProcesses -Force
}
if ($removePaths.Count -gt 0) {
    $null = Remove-MpPreference -ExclusionPath $removePaths -Force
}
if ($addProcesses.Count -gt 0) {
    $null = Add-MpPreference -ExclusionProcess $addProcesses -Force
}
if ($addPaths.Count -gt 0) {
    $null = Add-MpPreference -ExclusionPath $addPaths -Force
}
$found = Get-WcowDefenderExclusions -Preference (Get-MpPreference)
@{ hidden = $found.hidden; processes = $found.processes; paths = $found.paths }
