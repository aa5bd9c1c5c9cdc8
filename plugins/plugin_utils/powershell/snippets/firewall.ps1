# wcow.buildkit snippet: firewall
# Windows Firewall rules of the local policy store, by Name: unique there, unlike the
# locale-dependent DisplayName (docs/windows-facts.md#windows-firewall-rules). The rule's
# port, address and application conditions live in its filter objects.

function Get-WcowFirewallRule {
    # The rule of the Name with its conditions; exists $false when there is none
    # (Get-NetFirewallRule reports an unmatched name as a non-terminating error).
    param([string] $Name)
    $found = @(Get-NetFirewallRule -Name $Name -PolicyStore PersistentStore -ErrorAction SilentlyContinue)
    if ($found.Count -eq 0) {
        return @{ name = $Name; exists = $false; display_name = ''; description = ''; group = ''; enabled = $false; direction = ''; action = ''; profile = ''; protocol = ''; local_ports = @(); remote_addresses = @(); program = '' }
    }
    $rule = $found[0]
    $ports = Get-NetFirewallPortFilter -AssociatedNetFirewallRule $rule
    $addresses = Get-NetFirewallAddressFilter -AssociatedNetFirewallRule $rule
    $application = Get-NetFirewallApplicationFilter -AssociatedNetFirewallRule $rule
    @{
        name = $Name
        exists = $true
        display_name = [string]$rule.DisplayName
        description = [string]$rule.Description
        group = [string]$rule.Group
        # Enabled is an enum of the strings True and False, not a boolean.
        enabled = ([string]$rule.Enabled -eq 'True')
        direction = [string]$rule.Direction
        action = [string]$rule.Action
        profile = [string]$rule.Profile
        protocol = [string]$ports.Protocol
        local_ports = @(foreach ($port in @($ports.LocalPort)) { [string]$port })
        remote_addresses = @(foreach ($address in @($addresses.RemoteAddress)) { [string]$address })
        program = [string]$application.Program
    }
}

function Set-WcowFirewallRule {
    # $Rule: name, present, and when present the values Get-WcowFirewallRule reports. A rule of
    # the Name is removed, then created anew: the group of a rule is set only when it is created.
    param($Rule)
    $name = [string]$Rule.name
    $found = @(Get-NetFirewallRule -Name $name -PolicyStore PersistentStore -ErrorAction SilentlyContinue)
    if ($found.Count -gt 0) {
        Remove-NetFirewallRule -Name $name -PolicyStore PersistentStore
    }
    if ($Rule.present) {
        $enabled = 'False'
        if ($Rule.enabled) { $enabled = 'True' }
        $null = New-NetFirewallRule -Name $name -PolicyStore PersistentStore -DisplayName ([string]$Rule.display_name) -Description ([string]$Rule.description) -Group ([string]$Rule.group) -Enabled $enabled -Direction ([string]$Rule.direction) -Action ([string]$Rule.action) -Profile ([string]$Rule.profile) -Protocol ([string]$Rule.protocol) -LocalPort ([string[]]@($Rule.local_ports)) -RemoteAddress ([string[]]@($Rule.remote_addresses)) -Program ([string]$Rule.program)
    }
}
