# wcow.buildkit snippet: optional_feature
# Optional features through the DISM cmdlets, and the boot time as
# ansible.windows win_reboot reads it.

function Get-WcowFeatureState {
    # The State of feature $Name as Get-WindowsOptionalFeature -Online reports it
    # (Enabled, EnablePending, Disabled, ...), or $null when this edition has no
    # feature of that name.
    param([string] $Name)
    try {
        $found = @(Get-WindowsOptionalFeature -Online -FeatureName $Name | Where-Object { $_.FeatureName -eq $Name })
    }
    catch {
        # 0x800F080C (as a signed HRESULT): "Feature name X is unknown."
        if ($_.Exception.HResult -eq -2146498548) {
            return $null
        }
        throw
    }
    if ($found.Count -eq 0) {
        return $null
    }
    [string]$found[0].State
}

function Get-WcowFeatureStates {
    param([string[]] $Names)
    @(foreach ($name in $Names) {
        @{ name = $name; state = (Get-WcowFeatureState -Name $name) }
    })
}

function Format-WcowBootTime {
    # UTC with milliseconds, whatever the host's time zone and culture.
    param([datetime] $Time)
    $Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [Globalization.CultureInfo]::InvariantCulture)
}
