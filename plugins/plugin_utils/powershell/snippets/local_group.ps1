# wcow.buildkit snippet: local_group
# Local users and groups through the WinNT provider of ADSI. It works in 32-bit
# PowerShell, where Microsoft.PowerShell.LocalAccounts is missing, and it lists
# members whose SID no longer maps to an account, where Get-LocalGroupMember
# fails (docs/windows-facts.md#local-groups-and-accounts; PowerShell/PowerShell#2996).

function ConvertTo-WcowSidString {
    param($Bytes)
    (New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList ([byte[]]$Bytes), 0).Value
}

function Get-WcowLocalAccounts {
    # The users and groups of this computer by name. PowerShell hashtable keys
    # compare without case, as account names do.
    param($Computer)
    $accounts = @{}
    # The computer's children include services and printers too.
    $children = $Computer.psbase.Children
    $null = $children.SchemaFilter.Add('user')
    $null = $children.SchemaFilter.Add('group')
    foreach ($child in $children) {
        $class = [string]$child.psbase.SchemaClassName
        if ($class -eq 'user' -or $class -eq 'group') {
            $name = [string]$child.psbase.Name
            $accounts[$name] = @{
                name = $name
                object_class = $class
                sid = ConvertTo-WcowSidString -Bytes $child.psbase.Properties['objectSid'].Value
                entry = $child
            }
        }
    }
    $accounts
}

function Find-WcowLocalGroup {
    # The local group named $Name from Get-WcowLocalAccounts, or $null.
    param($Accounts, [string] $Name)
    if ($Accounts.ContainsKey($Name) -and $Accounts[$Name].object_class -eq 'group') {
        return $Accounts[$Name]
    }
    $null
}

function Resolve-WcowSid {
    # DOMAIN\name of a SID, or $null when the SID maps to no account.
    param([string] $Sid)
    $identifier = New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList $Sid
    try {
        $identifier.Translate([System.Security.Principal.NTAccount]).Value
    }
    catch [System.Security.Principal.IdentityNotMappedException] {
        $null
    }
}

function ConvertTo-WcowSid {
    # The SID of an account name, or $null when no account has that name.
    param([string] $Name)
    $account = New-Object -TypeName System.Security.Principal.NTAccount -ArgumentList $Name
    try {
        $account.Translate([System.Security.Principal.SecurityIdentifier]).Value
    }
    catch [System.Security.Principal.IdentityNotMappedException] {
        $null
    }
}

function ConvertTo-WcowPrincipal {
    # A member as the module reports it: name (null for an orphaned SID), sid,
    # object_class and source (local, well_known, domain or unresolved).
    param([string] $Sid, [string] $AdsiClass, $Accounts)
    $name = Resolve-WcowSid -Sid $Sid
    $local = @($Accounts.Values | Where-Object { $_.sid -eq $Sid })
    if ($local.Count -gt 0) {
        $source = 'local'
        $class = $local[0].object_class
    }
    elseif ($null -eq $name) {
        $source = 'unresolved'
        $class = 'unknown'
    }
    else {
        # Account domains (S-1-5-21-...) and Entra ID (S-1-12-...) are domain
        # accounts; the rest (S-1-1-0, S-1-5-18, ...) are well-known.
        $source = 'well_known'
        if ($Sid -match '^S-1-(5-21|12)-') {
            $source = 'domain'
        }
        $class = 'unknown'
        if ($AdsiClass) {
            $class = $AdsiClass.ToLowerInvariant()
        }
    }
    @{ name = $name; sid = $Sid; object_class = $class; source = $source }
}

function Get-WcowLocalGroupMembers {
    param($Group, $Accounts)
    foreach ($member in @($Group.psbase.Invoke('Members'))) {
        # A raw COM object: GetType() on it fails on some Windows PowerShell 5.x
        # hosts. Cast it to [ADSI] first and read it with InvokeGet, as
        # ansible.windows win_group_membership does
        # (docs/windows-facts.md#local-groups-and-accounts).
        $entry = [ADSI]$member
        $path = [string]$entry.InvokeGet('ADsPath')
        if ($path -match '^WinNT://(S-1-[0-9-]+)$') {
            # A SID that maps to no account is listed by its SID.
            $sid = $Matches[1]
            $class = ''
        }
        else {
            $sid = ConvertTo-WcowSidString -Bytes $entry.InvokeGet('objectSID')
            $class = [string]$entry.InvokeGet('Class')
        }
        ConvertTo-WcowPrincipal -Sid $sid -AdsiClass $class -Accounts $Accounts
    }
}

function Get-WcowLocalGroup {
    # name, sid, description and members of a group from Get-WcowLocalAccounts.
    param($Group, $Accounts)
    @{
        name = $Group.name
        sid = $Group.sid
        description = [string]$Group.entry.psbase.Properties['Description'].Value
        members = @(Get-WcowLocalGroupMembers -Group $Group.entry -Accounts $Accounts)
    }
}

function Resolve-WcowRequestedMember {
    # A requested member name or SID as a principal, with `requested` set;
    # name and sid are $null when no account has that name.
    param([string] $Requested, $Accounts)
    $sid = $null
    if ($Requested -match '^S-1-\d+(-\d+)+$') {
        $sid = (New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList $Requested).Value
    }
    elseif ($Requested.Contains('\')) {
        $domain, $account = $Requested -split '\\', 2
        if ($domain -eq '.' -or $domain -eq $env:COMPUTERNAME) {
            # NTAccount cannot translate '.', nor a local group with the
            # computer name before it (ansible.windows
            # module_utils/_SecurityIdentifier.psm1): a local name is looked up
            # among this computer's accounts.
            if ($Accounts.ContainsKey($account)) {
                $sid = $Accounts[$account].sid
            }
        }
        else {
            $sid = ConvertTo-WcowSid -Name $Requested
        }
    }
    else {
        $sid = ConvertTo-WcowSid -Name $Requested
    }
    if ($null -eq $sid) {
        return @{ requested = $Requested; name = $null; sid = $null; object_class = 'unknown'; source = 'unresolved' }
    }
    $principal = ConvertTo-WcowPrincipal -Sid $sid -AdsiClass '' -Accounts $Accounts
    $principal.requested = $Requested
    $principal
}
