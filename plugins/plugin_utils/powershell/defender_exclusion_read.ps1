# wcow.buildkit operation: defender_exclusion_read
# wcow.buildkit requires: defender
# Whether Microsoft Defender Antivirus answers (its WinDefend service, then
# Get-MpPreference), whether the connecting user is an administrator, and the
# local ExclusionProcess and ExclusionPath lists
# (docs/windows-facts.md#microsoft-defender-antivirus). reason is
# not_installed (no WinDefend service: the Windows-Defender feature was
# removed) or not_running (Get-MpPreference fails with HRESULT 0x800106ba, as
# while another antivirus or a policy keeps Defender disabled); null when
# Defender answered.
$ErrorActionPreference = 'Stop'
$principal = New-Object -TypeName Security.Principal.WindowsPrincipal -ArgumentList ([Security.Principal.WindowsIdentity]::GetCurrent())
$result = @{
    administrator = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    service = $null
    reason = $null
    error = $null
    hidden = $false
    processes = @()
    paths = @()
}
$service = Get-Service -Name 'WinDefend' -ErrorAction SilentlyContinue
if ($null -eq $service) {
    $result.reason = 'not_installed'
    return $result
}
$result.service = [string]$service.Status
try {
    $preference = Get-MpPreference
}
catch {
    # 0x800106ba is RPC_S_SERVER_UNAVAILABLE: the Defender service does not answer.
    if ([string]$_.FullyQualifiedErrorId -like 'HRESULT 0x800106ba,*') {
        $result.reason = 'not_running'
        $result.error = [string]$_.Exception.Message
        return $result
    }
    throw
}
$found = Get-WcowDefenderExclusions -Preference $preference
$result.hidden = $found.hidden
$result.processes = $found.processes
$result.paths = $found.paths
$result
