# wcow.buildkit operation: container_features_enable
# wcow.buildkit requires: optional_feature
# Enables the optional features in $Params.names with their parent features,
# without restarting, and reads their states again.
$ErrorActionPreference = 'Stop'
$names = [string[]]@($Params.names)
$image = Enable-WindowsOptionalFeature -Online -FeatureName $names -All -NoRestart
@{
    restart_needed = [bool]$image.RestartNeeded
    features = @(Get-WcowFeatureStates -Names $names)
}
