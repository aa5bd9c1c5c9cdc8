# wcow.buildkit operation: local_group_apply
# wcow.buildkit requires: local_group
# Deletes the local group $Params.name ($Params.delete), or creates it
# ($Params.create), sets its description unless $Params.description is null,
# then removes and adds members by SID ($Params.remove, $Params.add: {sid,
# name}). Each change is checked against the group as it is now and refused
# with the message Microsoft.PowerShell.LocalAccounts gives for it
# (docs/windows-facts.md#local-groups-and-accounts). Returns the group as it is afterwards.
# ADSI calls are assigned to $null: the script must output one hashtable only.
$ErrorActionPreference = 'Stop'
$computer = [ADSI]('WinNT://{0},computer' -f $env:COMPUTERNAME)
$accounts = Get-WcowLocalAccounts -Computer $computer
$name = [string]$Params.name
$found = Find-WcowLocalGroup -Accounts $accounts -Name $name
if ($Params.delete) {
    if ($null -eq $found) {
        throw ('Group {0} was not found.' -f $name)
    }
    $null = $computer.Delete('group', $found.name)
    return @{ group = $null }
}
if ($Params.create) {
    if ($null -ne $found) {
        throw ('Group {0} already exists.' -f $name)
    }
    $entry = $computer.Create('group', $name)
    if ($null -ne $Params.description) {
        $null = $entry.Put('Description', [string]$Params.description)
    }
    $null = $entry.SetInfo()
    $entry.psbase.RefreshCache()
    $found = @{
        name = [string]$entry.psbase.Name
        object_class = 'group'
        sid = ConvertTo-WcowSidString -Bytes $entry.psbase.Properties['objectSid'].Value
        entry = $entry
    }
}
elseif ($null -eq $found) {
    throw ('Group {0} was not found.' -f $name)
}
elseif ($null -ne $Params.description) {
    $null = $found.entry.Put('Description', [string]$Params.description)
    $null = $found.entry.SetInfo()
}
$current = @(Get-WcowLocalGroupMembers -Group $found.entry -Accounts $accounts | ForEach-Object { $_.sid })
foreach ($member in @($Params.remove)) {
    if ($current -notcontains $member.sid) {
        throw ('Member {0} was not found in group {1}.' -f $member.name, $found.name)
    }
    # The WinNT provider takes a member's SID as WinNT://<SID>, also for a SID
    # that maps to no account (IADsGroup::Remove, learn.microsoft.com).
    $null = $found.entry.Remove(('WinNT://{0}' -f $member.sid))
}
foreach ($member in @($Params.add)) {
    if ($current -contains $member.sid) {
        throw ('{0} is already a member of group {1}.' -f $member.name, $found.name)
    }
    if ($null -eq (Resolve-WcowSid -Sid $member.sid)) {
        throw ('Principal {0} was not found.' -f $member.name)
    }
    $null = $found.entry.Add(('WinNT://{0}' -f $member.sid))
}
@{ group = Get-WcowLocalGroup -Group $found -Accounts $accounts }
