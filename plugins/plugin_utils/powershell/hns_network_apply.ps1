# wcow.buildkit operation: hns_network_apply
# wcow.buildkit requires: hns
# Deletes the networks in $Params.delete_ids, then creates $Params.create (an
# HNS v1 network body) when given.
$ErrorActionPreference = 'Stop'
$deleted = @(foreach ($id in @($Params.delete_ids)) {
    if ($id) {
        $null = Invoke-WcowHnsCall -Method DELETE -Path ('/networks/{0}' -f $id)
        [string]$id
    }
})
$created = $null
if ($Params.create) {
    $request = ConvertTo-Json -InputObject $Params.create -Depth 5 -Compress
    $created = ConvertTo-WcowHnsNetwork -Network (Invoke-WcowHnsCall -Method POST -Path '/networks/' -Request $request)
}
@{ deleted = $deleted; created = $created }
