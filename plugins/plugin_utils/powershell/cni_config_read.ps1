# wcow.buildkit operation: cni_config_read
# wcow.buildkit requires: hns, acl
# The CNI config file at $Params.path (environment variables expanded): whether
# it exists and its bytes as base64, and the HNS networks named
# $Params.network_name (compared as PowerShell -eq does, ignoring case).
# hns_available is false until Containers is enabled and the host rebooted.
# The owner and DACL (SDDL) of each path in $Params.acl_paths (optional;
# environment variables expanded), with Get-WcowSecurity of the acl snippet.
$ErrorActionPreference = 'Stop'
$path = [Environment]::ExpandEnvironmentVariables([string]$Params.path)
if ([IO.Directory]::Exists($path)) {
    throw ('{0} is a directory, not a file.' -f $path)
}
$exists = [IO.File]::Exists($path)
$content = $null
if ($exists) {
    $content = [Convert]::ToBase64String([IO.File]::ReadAllBytes($path))
}
$hnsAvailable = $true
$reason = ''
$found = @()
try {
    $all = @(Invoke-WcowHnsCall -Method GET -Path '/networks/')
    $found = @($all | Where-Object { $_ -and $_.Name -eq $Params.network_name } | ForEach-Object { ConvertTo-WcowHnsNetwork -Network $_ })
}
catch {
    $reason = Get-WcowHnsUnavailableReason -ErrorRecord $_
    if ($null -eq $reason) {
        throw
    }
    $hnsAvailable = $false
}
$security = @(foreach ($aclPath in @($Params.acl_paths)) {
    if ($aclPath) { Get-WcowSecurity -Path ([Environment]::ExpandEnvironmentVariables([string]$aclPath)) }
})
@{
    path = $path
    exists = $exists
    content_b64 = $content
    hns_available = $hnsAvailable
    reason = $reason
    networks = $found
    security = $security
}
