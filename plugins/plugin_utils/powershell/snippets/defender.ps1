# wcow.buildkit snippet: defender
# Microsoft Defender Antivirus's local exclusions as Get-MpPreference shows them
# (docs/windows-facts.md#microsoft-defender-antivirus).

# The ExclusionProcess and ExclusionPath lists of a Get-MpPreference result
# ($null when a list is empty). To a user who may not see them (not an
# administrator, or HideExclusionsFromLocalAdmins) Get-MpPreference shows
# "N/A: Must be an administrator to view exclusions" in their place: hidden is
# then true and both lists are empty. No path starts with "N/A:".
function Get-WcowDefenderExclusions {
    param($Preference)
    $processes = @($Preference.ExclusionProcess | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
    $paths = @($Preference.ExclusionPath | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
    $placeholders = @(($processes + $paths) | Where-Object { $_.StartsWith('N/A:') })
    if ($placeholders.Count -gt 0) {
        return @{ hidden = $true; processes = @(); paths = @() }
    }
    @{ hidden = $false; processes = $processes; paths = $paths }
}
