# wcow.buildkit operation: boot_time_read
# wcow.buildkit requires: optional_feature
# Win32_OperatingSystem.LastBootUpTime: it changes when the host has restarted.
$ErrorActionPreference = 'Stop'
$os = Get-CimInstance -ClassName Win32_OperatingSystem -Property LastBootUpTime
@{ last_boot_time = Format-WcowBootTime -Time $os.LastBootUpTime }
