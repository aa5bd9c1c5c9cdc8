# wcow.buildkit operation: service_read
# wcow.buildkit requires: service
# The services named in $Params.names (see Get-WcowService in the service
# snippet), and the `--version` output of each program in
# $Params.probe_versions, so that one read answers both.
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
@{ services = $services; binaries = $binaries }
