# wcow.buildkit operation: hns_network_read
# wcow.buildkit requires: hns, hns_marker
# The HNS networks named $Params.name (compared as PowerShell -eq does,
# ignoring case), and created_id: the HNS id recorded when this collection
# created a network of that name ($null when none is recorded).
# hns_available is false until Containers is enabled and the host rebooted,
# when vmcompute.dll cannot be loaded.
$ErrorActionPreference = 'Stop'
$createdId = Get-WcowHnsMarker -Name $Params.name
try {
    $all = @(Invoke-WcowHnsCall -Method GET -Path '/networks/')
}
catch {
    if ($_.Exception.GetBaseException() -is [System.DllNotFoundException]) {
        return @{ hns_available = $false; reason = $_.Exception.GetBaseException().Message; networks = @(); created_id = $createdId }
    }
    throw
}
$found = @($all | Where-Object { $_ -and $_.Name -eq $Params.name } | ForEach-Object { ConvertTo-WcowHnsNetwork -Network $_ })
@{ hns_available = $true; networks = $found; created_id = $createdId }
