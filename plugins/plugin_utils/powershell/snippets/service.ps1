# wcow.buildkit snippet: service
# Windows services: read one as the collection models it (Win32_Service and
# HKLM\SYSTEM\CurrentControlSet\Services\<name>), run sc.exe and other
# programs with exact command lines, start and stop with timeouts.

function ConvertTo-WcowArgument {
    # One argument written so that CommandLineToArgvW (and Go's os.Args) read
    # it back unchanged: the rules of Go's syscall.EscapeArg and Python's
    # subprocess.list2cmdline. Windows PowerShell 5.1 does not escape embedded
    # double quotes when it calls a native program (PowerShell/PowerShell#1995),
    # so command lines are built here and passed to Process as they are.
    param([string] $Value)
    $needQuote = ($Value.Length -eq 0) -or ($Value.IndexOfAny([char[]]@([char]' ', [char]"`t")) -ge 0)
    $out = New-Object -TypeName System.Text.StringBuilder
    if ($needQuote) { [void]$out.Append([char]'"') }
    $slashes = 0
    foreach ($char in $Value.ToCharArray()) {
        if ($char -eq [char]'\') {
            $slashes += 1
        }
        elseif ($char -eq [char]'"') {
            [void]$out.Append([char]'\', 2 * $slashes + 1)
            [void]$out.Append([char]'"')
            $slashes = 0
        }
        else {
            if ($slashes -gt 0) { [void]$out.Append([char]'\', $slashes) }
            $slashes = 0
            [void]$out.Append($char)
        }
    }
    if ($slashes -gt 0) {
        $count = $slashes
        if ($needQuote) { $count = 2 * $slashes }
        [void]$out.Append([char]'\', $count)
    }
    if ($needQuote) { [void]$out.Append([char]'"') }
    $out.ToString()
}

function Join-WcowArguments {
    param([object[]] $Arguments)
    $parts = @(foreach ($argument in @($Arguments)) {
        if ($null -ne $argument) { ConvertTo-WcowArgument -Value ([string]$argument) }
    })
    $parts -join ' '
}

function ConvertTo-WcowOneLine {
    param([string] $Text)
    @(($Text -split '\s+') | Where-Object { $_ }) -join ' '
}

function Invoke-WcowNative {
    # Runs a program with an exact argument list; returns exit_code, stdout, stderr.
    param([string] $FilePath, [object[]] $Arguments, [int] $TimeoutSeconds = 120)
    $info = New-Object -TypeName System.Diagnostics.ProcessStartInfo
    $info.FileName = $FilePath
    $info.Arguments = Join-WcowArguments -Arguments $Arguments
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.CreateNoWindow = $true
    try {
        $process = [System.Diagnostics.Process]::Start($info)
    }
    catch {
        throw ('Cannot run {0}: {1}' -f $FilePath, $_.Exception.GetBaseException().Message)
    }
    # Both streams are read at once: a full stderr pipe would block the program.
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
        $process.Kill()
        throw ('{0} did not finish within {1} s and was stopped.' -f $FilePath, $TimeoutSeconds)
    }
    $process.WaitForExit()
    @{ exit_code = [int]$process.ExitCode; stdout = [string]$stdout.Result; stderr = [string]$stderr.Result }
}

function Invoke-WcowSc {
    # sc.exe, never `sc` (Set-Content in PowerShell). sc.exe exits with the
    # Win32 error code and prints "[SC] <Api> FAILED <code>:" and the message.
    param([object[]] $Arguments)
    $sc = Join-Path -Path $env:SystemRoot -ChildPath 'System32\sc.exe'
    $run = Invoke-WcowNative -FilePath $sc -Arguments $Arguments -TimeoutSeconds 60
    if ($run.exit_code -ne 0) {
        throw ('sc.exe {0} failed: {1}' -f $Arguments[0], (ConvertTo-WcowOneLine -Text ($run.stdout + ' ' + $run.stderr)))
    }
}

function ConvertTo-WcowStateName {
    # ServiceControllerStatus names (StartPending) as Win32_Service writes them (Start Pending).
    param([string] $Status)
    [regex]::Replace($Status, '(?<=[a-z])(?=[A-Z])', ' ')
}

function Get-WcowServiceController {
    param([string] $Name)
    Add-Type -AssemblyName System.ServiceProcess
    New-Object -TypeName System.ServiceProcess.ServiceController -ArgumentList $Name
}

function Get-WcowService {
    # One service as service_read returns it; exists = $false when absent.
    param([string] $Name)
    $filter = "Name='{0}'" -f $Name.Replace('\', '\\').Replace("'", "\'")
    $absent = @{
        name = $Name; exists = $false; service_name = ''; image_path = ''; start = 0
        delayed_auto_start = $false; start_mode = ''; dependencies = @(); object_name = ''
        display_name = ''; description = ''; failure_actions = ''; state = ''; process_id = 0
        exit_code = 0; delete_pending = $false; dependents = @(); environment = @()
    }
    $cim = Get-CimInstance -ClassName Win32_Service -Filter $filter
    if (-not $cim) {
        return $absent
    }
    # Win32_Service can still list a service whose key the SCM has already
    # removed (docs/windows-facts.md#windows-services): without its key the
    # service is gone, and a deletion waiting for that must not fail. Only
    # "not found" means that; any other error (access denied) surfaces.
    try {
        $key = Get-Item -LiteralPath ('HKLM:\SYSTEM\CurrentControlSet\Services\{0}' -f $cim.Name)
    }
    catch [System.Management.Automation.ItemNotFoundException] {
        return $absent
    }
    $failure = $key.GetValue('FailureActions', $null)
    $failureText = ''
    if ($failure) { $failureText = [Convert]::ToBase64String([byte[]]$failure) }
    $controller = Get-WcowServiceController -Name $cim.Name
    $dependents = @(foreach ($dependent in $controller.DependentServices) {
        @{ name = [string]$dependent.ServiceName; state = (ConvertTo-WcowStateName -Status ([string]$dependent.Status)) }
    })
    @{
        name = $Name
        exists = $true
        service_name = [string]$cim.Name
        # Raw, unexpanded: the controller parses it.
        image_path = [string]$key.GetValue('ImagePath', '', 'DoNotExpandEnvironmentNames')
        start = [int]$key.GetValue('Start', 3)
        delayed_auto_start = ([int]$key.GetValue('DelayedAutostart', 0) -eq 1)
        start_mode = [string]$cim.StartMode
        dependencies = @(foreach ($dependency in @($key.GetValue('DependOnService', @()))) { if ($dependency) { [string]$dependency } })
        object_name = [string]$cim.StartName
        display_name = [string]$cim.DisplayName
        description = [string]$cim.Description
        failure_actions = $failureText
        state = [string]$cim.State
        process_id = [long]$cim.ProcessId
        exit_code = [long]$cim.ExitCode
        # DeleteService marks the key; the service goes once stopped and unused.
        delete_pending = ([int]$key.GetValue('DeleteFlag', 0) -eq 1)
        dependents = $dependents
        # NAME=value entries the SCM gives the process it starts (docs/windows-facts.md#service-environment).
        environment = @(foreach ($entry in @($key.GetValue('Environment', @()))) { if ($entry) { [string]$entry } })
    }
}

function Get-WcowWin32Message {
    param([int] $Code)
    (New-Object -TypeName System.ComponentModel.Win32Exception -ArgumentList $Code).Message.TrimEnd('.')
}

function Get-WcowLogTail {
    # The last lines of a daemon's --log-file, as one line, for failure messages.
    param([string] $Path, [int] $Count = 5)
    if (-not $Path) { return '' }
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { return (' {0} does not exist.' -f $Path) }
    $lines = @(Get-Content -LiteralPath $Path -Tail $Count | Where-Object { $_.Trim() })
    if ($lines.Count -eq 0) { return (' {0} is empty.' -f $Path) }
    ' Last lines of {0}: {1}' -f $Path, ($lines -join ' | ')
}

function Wait-WcowServiceStatus {
    # Polls until $Status; fails early when the service stops while starting.
    param($Controller, [string] $Status, [int] $TimeoutSeconds, [string] $LogFile)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $Controller.Refresh()
        $now = [string]$Controller.Status
        if ($now -eq $Status) { return }
        if ($Status -eq 'Running' -and $now -eq 'Stopped') {
            $code = [int](Get-WcowService -Name $Controller.ServiceName).exit_code
            throw ("Service '{0}' stopped while starting (exit code {1}: {2}).{3}" -f $Controller.ServiceName, $code, (Get-WcowWin32Message -Code $code), (Get-WcowLogTail -Path $LogFile))
        }
        if ([DateTime]::UtcNow -gt $deadline) {
            throw ("Service '{0}' did not become {1} within {2} s; it is {3}.{4}" -f $Controller.ServiceName, $Status, $TimeoutSeconds, (ConvertTo-WcowStateName -Status $now), (Get-WcowLogTail -Path $LogFile))
        }
        Start-Sleep -Milliseconds 250
    }
}

function Start-WcowService {
    # StartService starts the dependencies first; waits for Running.
    param([string] $Name, [int] $TimeoutSeconds, [string] $LogFile)
    $controller = Get-WcowServiceController -Name $Name
    try {
        $controller.Start()
    }
    catch {
        $cause = $_.Exception.GetBaseException()
        $code = 0
        if ($cause -is [System.ComponentModel.Win32Exception]) { $code = $cause.NativeErrorCode }
        throw ("Starting service '{0}' failed: {1} (Win32 error {2}).{3}" -f $Name, $cause.Message.TrimEnd('.'), $code, (Get-WcowLogTail -Path $LogFile))
    }
    Wait-WcowServiceStatus -Controller $controller -Status 'Running' -TimeoutSeconds $TimeoutSeconds -LogFile $LogFile
    # A daemon can report Running and exit a moment later: look once more.
    Start-Sleep -Seconds 2
    Wait-WcowServiceStatus -Controller $controller -Status 'Running' -TimeoutSeconds 1 -LogFile $LogFile
}

function Stop-WcowService {
    # Stops the service; its running dependents first when $Force (as
    # Stop-Service -Force does), else fails as Stop-Service does. Outputs the
    # names of the dependents it stopped.
    param([string] $Name, [bool] $Force, [int] $TimeoutSeconds)
    $controller = Get-WcowServiceController -Name $Name
    if ([string]$controller.Status -eq 'Stopped') { return }
    $running = @($controller.DependentServices | Where-Object { [string]$_.Status -ne 'Stopped' })
    if ($running.Count -gt 0 -and -not $Force) {
        throw ("Cannot stop service '{0} ({1})' because it has dependent services. It can only be stopped if the Force flag is set." -f $controller.DisplayName, $controller.ServiceName)
    }
    # DependentServices lists the dependents in reverse start order.
    foreach ($dependent in $running) {
        Stop-WcowOneService -Controller $dependent -TimeoutSeconds $TimeoutSeconds
        [string]$dependent.ServiceName
    }
    Stop-WcowOneService -Controller $controller -TimeoutSeconds $TimeoutSeconds
}

function Stop-WcowOneService {
    param($Controller, [int] $TimeoutSeconds)
    $Controller.Refresh()
    if ([string]$Controller.Status -eq 'Stopped') { return }
    try {
        $Controller.Stop()
    }
    catch {
        $cause = $_.Exception.GetBaseException()
        throw ("Stopping service '{0}' failed: {1}." -f $Controller.ServiceName, $cause.Message.TrimEnd('.'))
    }
    Wait-WcowServiceStatus -Controller $Controller -Status 'Stopped' -TimeoutSeconds $TimeoutSeconds -LogFile ''
}

function Wait-WcowServiceGone {
    # DeleteService only marks a service; the SCM removes it once it is stopped
    # and no handle to it is open.
    param([string] $Name, [int] $TimeoutSeconds)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ((Get-WcowService -Name $Name).exists) {
        if ([DateTime]::UtcNow -gt $deadline) {
            throw ("Service '{0}' is marked for deletion but still exists after {1} s (a program holds a handle to it, for example services.msc)." -f $Name, $TimeoutSeconds)
        }
        Start-Sleep -Milliseconds 250
    }
}

function ConvertTo-WcowScStart {
    param([string] $StartType)
    switch ($StartType) {
        'auto' { 'auto' }
        'delayed' { 'delayed-auto' }
        'manual' { 'demand' }
        'disabled' { 'disabled' }
        default { throw ('Unknown start type {0}.' -f $StartType) }
    }
}

function ConvertTo-WcowScDepend {
    # sc.exe depend= takes names joined by '/'; a lone '/' removes them all.
    param([object[]] $Dependencies)
    $names = @(foreach ($dependency in @($Dependencies)) { if ($dependency) { [string]$dependency } })
    if ($names.Count -eq 0) { return '/' }
    $names -join '/'
}

function ConvertTo-WcowScActions {
    # sc.exe failure actions= text: type/delay pairs joined by '/'; an empty
    # type is "take no action".
    param([object[]] $Actions)
    $parts = @(foreach ($action in @($Actions)) {
        if ($null -ne $action) {
            $type = [string]$action.type
            if ($type -eq 'none') { $type = '' }
            $type
            [string][int]$action.delay_ms
        }
    })
    $parts -join '/'
}

function ConvertFrom-WcowFailureActions {
    # The base64 FailureActions REG_BINARY as sc.exe failure arguments:
    # DWORD reset period, two DWORD placeholders, DWORD count, DWORD
    # placeholder, then DWORD type and DWORD delay per action.
    param([string] $Encoded)
    if (-not $Encoded) { return @('reset=', '0', 'actions=', '') }
    $bytes = [Convert]::FromBase64String($Encoded)
    $names = @{ 0 = ''; 1 = 'restart'; 2 = 'reboot'; 3 = 'run' }
    $count = [BitConverter]::ToUInt32($bytes, 12)
    $parts = @(for ($index = 0; $index -lt $count; $index++) {
        $names[[int][BitConverter]::ToUInt32($bytes, 20 + 8 * $index)]
        [string][BitConverter]::ToUInt32($bytes, 24 + 8 * $index)
    })
    @('reset=', [string][BitConverter]::ToUInt32($bytes, 0), 'actions=', ($parts -join '/'))
}

function ConvertTo-WcowScStartOf {
    # sc.exe start= value of a service as Get-WcowService read it.
    param($Service)
    if ($Service.start -eq 2 -and $Service.delayed_auto_start) { return 'delayed-auto' }
    switch ([int]$Service.start) {
        0 { 'boot' }
        1 { 'system' }
        2 { 'auto' }
        3 { 'demand' }
        default { 'disabled' }
    }
}
