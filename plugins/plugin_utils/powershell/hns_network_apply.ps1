# wcow.buildkit operation: hns_network_apply
# wcow.buildkit requires: hns, hklm_marker
# Deletes the networks in $Params.delete_ids; then, when $Params.clear_marker
# names a network, removes the record that this collection created it; then
# creates $Params.create (an HNS v1 network body) when given and, when
# $Params.record_marker names it, records its id as created by this collection.
# A failure between creating and recording leaves the network unrecorded:
# it is then kept by an uninstall, never deleted by mistake.
$ErrorActionPreference = 'Stop'
$deleted = @(foreach ($id in @($Params.delete_ids)) {
    if ($id) {
        $null = Invoke-WcowHnsCall -Method DELETE -Path ('/networks/{0}' -f $id)
        [string]$id
    }
})
if ($Params.clear_marker) {
    Remove-WcowMarker -Kind HnsNetworks -Name $Params.clear_marker
}
$created = $null
if ($Params.create) {
    $request = ConvertTo-Json -InputObject $Params.create -Depth 5 -Compress
    $created = ConvertTo-WcowHnsNetwork -Network (Invoke-WcowHnsCall -Method POST -Path '/networks/' -Request $request)
    if ($Params.record_marker) {
        Set-WcowMarker -Kind HnsNetworks -Name $Params.record_marker -Value $created.id
    }
}
@{ deleted = $deleted; created = $created }
