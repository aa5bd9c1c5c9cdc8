# wcow.buildkit operation: container_features_read
# wcow.buildkit requires: optional_feature
# The states of the optional features in $Params.names (null for a name this
# edition does not have), the OS product type and edition that decide which
# Hyper-V feature applies, the pending-reboot indicators and the last boot time.
$ErrorActionPreference = 'Stop'
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$version = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$renames = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue
@{
    features = @(Get-WcowFeatureStates -Names @($Params.names))
    os = @{
        caption = [string]$os.Caption
        # Win32_OperatingSystem.ProductType: 1 workstation, 2 domain controller, 3 server.
        product_type = [long]$os.ProductType
        edition_id = [string]$version.EditionID
        build = [int]$os.BuildNumber
    }
    reboot_pending = @{
        component_based_servicing = Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
        windows_update = Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
        pending_file_rename_operations = $null -ne $renames
    }
    last_boot_time = Format-WcowBootTime -Time $os.LastBootUpTime
}
