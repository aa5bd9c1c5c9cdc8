# wcow.buildkit operation: container_features_enable
# wcow.buildkit requires: optional_feature, restart
# Enables the optional features in $Params.names (may be none) with their
# parent features, without restarting, and reads the states of those and of
# $Params.report. With $Params.restart (delay, message), it also schedules one
# restart with shutdown.exe /r /t when a restart is needed or a feature is not
# Enabled yet, in this same run: the controller's next command is then the one
# after the new boot.
$ErrorActionPreference = 'Stop'
$names = [string[]]@($Params.names | Where-Object { $_ })
$restartNeeded = $false
if ($names.Count -gt 0) {
    $image = Enable-WindowsOptionalFeature -Online -FeatureName $names -All -NoRestart
    $restartNeeded = [bool]$image.RestartNeeded
}
$listed = New-Object System.Collections.Generic.List[string]
foreach ($name in @($names) + @($Params.report | Where-Object { $_ })) {
    # -contains compares case-insensitively, as feature names are.
    if (-not ($listed -contains $name)) {
        $listed.Add([string]$name)
    }
}
$features = @(Get-WcowFeatureStates -Names $listed.ToArray())
$restart = $null
if ($null -ne $Params.restart) {
    $waiting = @($features | Where-Object { $_.state -ne 'Enabled' })
    if ($restartNeeded -or $waiting.Count -gt 0) {
        $restart = Request-WcowRestart -Delay ([int]$Params.restart.delay) -Message ([string]$Params.restart.message)
    }
}
@{
    restart_needed = $restartNeeded
    features = $features
    restart = $restart
}
