# wcow.buildkit operation: hns_network_read
# wcow.buildkit requires: hns
# The HNS networks named $Params.name (compared as PowerShell -eq does,
# ignoring case); hns_available is false until Containers is enabled and the
# host rebooted, when vmcompute.dll cannot be loaded.
$ErrorActionPreference = 'Stop'
try {
    $all = @(Invoke-WcowHnsCall -Method GET -Path '/networks/')
}
catch {
    if ($_.Exception.GetBaseException() -is [System.DllNotFoundException]) {
        return @{ hns_available = $false; reason = $_.Exception.GetBaseException().Message; networks = @() }
    }
    throw
}
$found = @($all | Where-Object { $_ -and $_.Name -eq $Params.name } | ForEach-Object { ConvertTo-WcowHnsNetwork -Network $_ })
@{ hns_available = $true; networks = $found }
