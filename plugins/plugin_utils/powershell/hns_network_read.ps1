# wcow.buildkit operation: hns_network_read
# wcow.buildkit requires: hns, hklm_marker
# The HNS networks named $Params.name (compared as PowerShell -eq does,
# ignoring case), and created_id: the HNS id recorded when this collection
# created a network of that name ($null when none is recorded).
# hns_available is false, with the reason, until Containers is enabled and
# the host rebooted (vmcompute.dll cannot be loaded) and while the HNS service
# is stopped.
$ErrorActionPreference = 'Stop'
$createdId = Get-WcowMarker -Kind HnsNetworks -Name $Params.name
try {
    $all = @(Invoke-WcowHnsCall -Method GET -Path '/networks/')
}
catch {
    $reason = Get-WcowHnsUnavailableReason -ErrorRecord $_
    if ($null -ne $reason) {
        return @{ hns_available = $false; reason = $reason; networks = @(); created_id = $createdId }
    }
    throw
}
$found = @($all | Where-Object { $_ -and $_.Name -eq $Params.name } | ForEach-Object { ConvertTo-WcowHnsNetwork -Network $_ })
@{ hns_available = $true; networks = $found; created_id = $createdId }
