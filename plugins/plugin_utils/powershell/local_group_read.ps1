# wcow.buildkit operation: local_group_read
# wcow.buildkit requires: local_group
# The local group $Params.name (null when there is none) with its members,
# whether a local user has that name, and each of $Params.members (names or
# SIDs) looked up as an account.
$ErrorActionPreference = 'Stop'
$computer = [ADSI]('WinNT://{0},computer' -f $env:COMPUTERNAME)
$accounts = Get-WcowLocalAccounts -Computer $computer
$name = [string]$Params.name
$found = Find-WcowLocalGroup -Accounts $accounts -Name $name
$group = $null
if ($null -ne $found) {
    $group = Get-WcowLocalGroup -Group $found -Accounts $accounts
}
$requested = @(foreach ($member in @($Params.members)) {
    Resolve-WcowRequestedMember -Requested ([string]$member) -Accounts $accounts
})
@{
    computer_name = [string]$env:COMPUTERNAME
    group = $group
    name_taken_by_user = ($null -eq $found -and $accounts.ContainsKey($name))
    requested = $requested
}
