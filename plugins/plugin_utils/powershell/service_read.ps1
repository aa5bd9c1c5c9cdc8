# wcow.buildkit operation: service_read
# wcow.buildkit requires: service, data_tree, acl, hklm_marker, data_root, firewall
# The services named in $Params.names (see Get-WcowService in the service
# snippet), the `--version` output of each program in $Params.probe_versions
# and the bytes (base64) of each file in $Params.read_files (optional;
# environment variables expanded), so that one read answers all three; and
# what each path of $Params.measure_paths (optional) is and holds: files,
# folders and bytes below it, links not followed (for state=absent with
# remove_data). The DACL (SDDL) of each named pipe in
# $Params.pipes (optional), as the daemon listening on it set it when it
# started (Get-Acl reads a pipe: docker/for-win#14833), and the SID each
# account name in $Params.accounts (optional) resolves to now, $null when it
# resolves to none. The owner and DACL (SDDL) of each path in
# $Params.acl_paths (optional; environment variables expanded), with
# Get-WcowSecurity of the acl snippet. What each folder of
# $Params.data_roots (optional) is as a data root of the collection:
# Get-WcowDataRoot of the data_root snippet (a reparse point along it, its
# identity, its marker). The Windows Firewall rule of each Name in
# $Params.firewall_rules (optional), with Get-WcowFirewallRule of the
# firewall snippet.
$ErrorActionPreference = 'Stop'
$services = @(foreach ($name in @($Params.names)) {
    if ($name) { Get-WcowService -Name ([string]$name) }
})
$binaries = @(foreach ($path in @($Params.probe_versions)) {
    if ($path) {
        $path = [string]$path
        if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
            @{ path = $path; exists = $false; exit_code = $null; stdout = ''; stderr = ''; error = '' }
        }
        else {
            try {
                $run = Invoke-WcowNative -FilePath $path -Arguments @('--version') -TimeoutSeconds 60
                @{ path = $path; exists = $true; exit_code = $run.exit_code; stdout = $run.stdout; stderr = $run.stderr; error = '' }
            }
            catch {
                @{ path = $path; exists = $true; exit_code = $null; stdout = ''; stderr = ''; error = $_.Exception.Message }
            }
        }
    }
})
$files = @(foreach ($path in @($Params.read_files)) {
    if ($path) {
        $path = [Environment]::ExpandEnvironmentVariables([string]$path)
        # [IO.File]::Exists is false for a directory; ReadAllBytes reads a file a process has open.
        if ([IO.File]::Exists($path)) {
            @{ path = $path; exists = $true; content_b64 = [Convert]::ToBase64String([IO.File]::ReadAllBytes($path)) }
        }
        else {
            @{ path = $path; exists = $false; content_b64 = $null }
        }
    }
})
$measured = @(foreach ($path in @($Params.measure_paths)) {
    if ($path) { Measure-WcowPath -Path ([string]$path) }
})
$pipes = @(foreach ($path in @($Params.pipes)) {
    if ($path) {
        $path = [string]$path
        if (Test-Path -LiteralPath $path) {
            @{ path = $path; exists = $true; sddl = [string](Get-Acl -LiteralPath $path).Sddl }
        }
        else {
            @{ path = $path; exists = $false; sddl = $null }
        }
    }
})
$accounts = @(foreach ($name in @($Params.accounts)) {
    if ($name) {
        $sid = $null
        try {
            $account = New-Object -TypeName System.Security.Principal.NTAccount -ArgumentList ([string]$name)
            $sid = $account.Translate([System.Security.Principal.SecurityIdentifier]).Value
        }
        catch [System.Security.Principal.IdentityNotMappedException] {
            $sid = $null
        }
        @{ name = [string]$name; sid = $sid }
    }
})
$security = @(foreach ($path in @($Params.acl_paths)) {
    if ($path) { Get-WcowSecurity -Path ([Environment]::ExpandEnvironmentVariables([string]$path)) }
})
$dataRoots = @(foreach ($path in @($Params.data_roots)) {
    if ($path) { Get-WcowDataRoot -Path ([string]$path) }
})
$firewallRules = @(foreach ($name in @($Params.firewall_rules)) {
    if ($name) { Get-WcowFirewallRule -Name ([string]$name) }
})
@{ services = $services; binaries = $binaries; files = $files; measured = $measured; pipes = $pipes; accounts = $accounts; security = $security; data_roots = $dataRoots; firewall_rules = $firewallRules }
