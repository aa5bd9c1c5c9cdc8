# wcow.buildkit operation: wcow_facts_read
# wcow.buildkit requires: hns, service, optional_feature
# Everything wcow_facts reports, in one round trip, changing nothing: the OS,
# and the parts named in $Params.gather (features, hns, services, binaries,
# path, reboot); a part not asked for is $null. services carries each service
# as Get-WcowService reads it plus the `--version` output of the program its
# ImagePath runs; binaries the `--version` output of $Params.probe_versions.
$ErrorActionPreference = 'Stop'

function Test-WcowFile {
    param([string] $Path)
    try {
        Test-Path -LiteralPath $Path -PathType Leaf
    }
    catch {
        $false
    }
}

function Resolve-WcowProgramPath {
    # The file the SCM runs for an ImagePath (CreateProcess with no application
    # name): a quoted program name as it is; an unquoted one with spaces tried
    # prefix by prefix, '.exe' appended when it has no extension. When no
    # prefix names a file, the first word.
    param([string] $ImagePath)
    $line = [Environment]::ExpandEnvironmentVariables($ImagePath).TrimStart()
    if ($line.StartsWith('"')) {
        $end = $line.IndexOf('"', 1)
        if ($end -lt 0) { return $line.Substring(1) }
        return $line.Substring(1, $end - 1)
    }
    $words = $line.Split(' ')
    for ($count = 1; $count -le $words.Count; $count++) {
        $candidate = $words[0..($count - 1)] -join ' '
        if ($candidate.IndexOf('"') -ge 0) { break }
        $tries = @($candidate)
        if ($candidate -notmatch '\.[^\\/.]+$') { $tries = @(($candidate + '.exe'), $candidate) }
        foreach ($try in $tries) {
            if (Test-WcowFile -Path $try) { return $try }
        }
    }
    $words[0]
}

function Get-WcowVersionProbe {
    # `<path> --version`, as service_read probes programs; each file once,
    # though a service's program is usually in an install directory too.
    param([string] $Path)
    $key = $Path.ToLowerInvariant()
    if ($versionProbes.ContainsKey($key)) { return $versionProbes[$key] }
    $probe = @{ path = $Path; exists = $false; exit_code = $null; stdout = ''; stderr = ''; error = '' }
    $versionProbes[$key] = $probe
    if (-not (Test-WcowFile -Path $Path)) { return $probe }
    $probe.exists = $true
    try {
        $run = Invoke-WcowNative -FilePath $Path -Arguments @('--version') -TimeoutSeconds 60
        $probe.exit_code = $run.exit_code
        $probe.stdout = $run.stdout
        $probe.stderr = $run.stderr
    }
    catch {
        $probe.error = $_.Exception.Message
    }
    $probe
}

$gather = @($Params.gather)
$versionProbes = @{}
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$current = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
# The machine's own PROCESSOR_ARCHITECTURE, from the system environment: the
# process's is that of an emulated x64 PowerShell on an arm64 host (AMD64).
$systemEnvironment = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
# DisplayVersion exists from Windows 10 20H2 on; ReleaseId before.
$displayVersion = [string]$current.DisplayVersion
if (-not $displayVersion) { $displayVersion = [string]$current.ReleaseId }
$osFacts = @{
    caption = [string]$os.Caption
    edition_id = [string]$current.EditionID
    build = [int]$current.CurrentBuildNumber
    ubr = [int]$current.UBR
    display_version = $displayVersion
    product_type = [long]$os.ProductType
    machine_architecture = [string]$systemEnvironment.PROCESSOR_ARCHITECTURE
    process_architecture = [string]$env:PROCESSOR_ARCHITECTURE
    process_architew6432 = [string]$env:PROCESSOR_ARCHITEW6432
}

$directories = @(foreach ($directory in @($Params.directories)) {
    if ($directory) { @{ given = [string]$directory; expanded = [Environment]::ExpandEnvironmentVariables([string]$directory) } }
})

$features = $null
if ($gather -contains 'features') {
    $features = @(Get-WcowFeatureStates -Names @($Params.features))
}

$hns = $null
if ($gather -contains 'hns') {
    $hns = @{ available = $true; error = ''; networks = @() }
    try {
        $hns.networks = @(@(Invoke-WcowHnsCall -Method GET -Path '/networks/') | Where-Object { $_ } | ForEach-Object { ConvertTo-WcowHnsNetwork -Network $_ })
    }
    catch {
        $reason = Get-WcowHnsUnavailableReason -ErrorRecord $_
        $hns.error = $_.Exception.GetBaseException().Message
        if ($null -ne $reason) {
            $hns.available = $false
            $hns.error = $reason
        }
    }
}

$services = $null
if ($gather -contains 'services') {
    $services = @(foreach ($name in @($Params.services)) {
        if ($name) {
            $entry = Get-WcowService -Name ([string]$name)
            $entry.program = $null
            if ($entry.exists) {
                $entry.program = Get-WcowVersionProbe -Path (Resolve-WcowProgramPath -ImagePath $entry.image_path)
            }
            $entry
        }
    })
}

$binaries = $null
if ($gather -contains 'binaries') {
    $binaries = @(foreach ($program in @($Params.probe_versions)) {
        if ($program) { Get-WcowVersionProbe -Path ([Environment]::ExpandEnvironmentVariables([string]$program)) }
    })
}

$path = $null
if ($gather -contains 'path') {
    $kind = 'None'
    $value = $null
    $key = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey('System\CurrentControlSet\Control\Session Manager\Environment')
    if ($null -ne $key) {
        try {
            if ($key.GetValueNames() -contains 'Path') {
                $kind = [string]$key.GetValueKind('Path')
                if ($kind -eq 'ExpandString' -or $kind -eq 'String') {
                    $value = [string]$key.GetValue('Path', '', [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
                }
            }
        }
        finally {
            $key.Dispose()
        }
    }
    $pieces = @()
    if ($null -ne $value) {
        $pieces = @(foreach ($piece in $value.Split(';')) { [Environment]::ExpandEnvironmentVariables($piece) })
    }
    $path = @{ kind = $kind; value = $value; expanded_pieces = $pieces }
}

$reboot = $null
if ($gather -contains 'reboot') {
    $renames = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue
    $reboot = @{
        component_based_servicing = Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
        windows_update = Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
        pending_file_rename_operations = $null -ne $renames
        last_boot_time = Format-WcowBootTime -Time $os.LastBootUpTime
    }
}

@{
    os = $osFacts
    directories = $directories
    features = $features
    hns = $hns
    services = $services
    binaries = $binaries
    path = $path
    reboot = $reboot
}
