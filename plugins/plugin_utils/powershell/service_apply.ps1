# wcow.buildkit operation: service_apply
# wcow.buildkit requires: service, firewall
# One reconciliation of one service, $Params:
#   name; delete (stop, then sc.exe delete);
#   create: null or {binary, arguments, register_with: 'binary'|'sc', display_name}
#     ('binary': <binary> --register-service --service-name <name> <arguments>;
#      'sc': sc.exe create with binPath= <binary> <arguments>); an existing
#     service is stopped and deleted first;
#   image_path (sc.exe config binPath=), start_type, dependencies,
#   display_name, description, recovery {reset_period_s, actions: [{type, delay_ms}]},
#   environment (NAME=value entries of the key's Environment value; empty: remove the value):
#     each null to leave it;
#   state: 'started' | 'stopped' | 'restarted' | null (null: running again if
#     this run stopped it); stop_dependents: stop running dependents when a
#     stop needs it (and start them again after); timeout_s; log_file (its last
#     lines go into a start failure's message);
#   firewall_rule: null, or {name, present, ...} for Set-WcowFirewallRule of the
#     firewall snippet, applied once the service's change succeeded.
# When a step fails after a change, the previous registration (command line,
# start type, dependencies, display name, description, recovery, environment) is put back,
# the service and its dependents are brought back to their previous state,
# and the error names what failed and what was restored.
$ErrorActionPreference = 'Stop'

function Register-WcowService {
    param([string] $Name, $Create)
    $arguments = @(foreach ($argument in @($Create.arguments)) { if ($null -ne $argument) { [string]$argument } })
    if ([string]$Create.register_with -eq 'sc') {
        $binPath = Join-WcowArguments -Arguments (@([string]$Create.binary) + $arguments)
        $displayName = $Name
        if ($Create.display_name) { $displayName = [string]$Create.display_name }
        Invoke-WcowSc -Arguments @('create', $Name, 'binPath=', $binPath, 'start=', 'auto', 'DisplayName=', $displayName)
        return
    }
    # containerd and buildkitd register themselves (and fail when the service exists).
    $run = Invoke-WcowNative -FilePath ([string]$Create.binary) -Arguments (@('--register-service', '--service-name', $Name) + $arguments)
    if ($run.exit_code -ne 0) {
        throw ("Registering service '{0}' with {1} --register-service failed (exit code {2}): {3}" -f $Name, $Create.binary, $run.exit_code, (ConvertTo-WcowOneLine -Text ($run.stderr + ' ' + $run.stdout)))
    }
}

function Set-WcowServiceEnvironment {
    # The service key's Environment value (REG_MULTI_SZ), read by the SCM when it starts the service
    # (docs/windows-facts.md#service-environment); no entries: the value goes.
    param([string] $Name, [string[]] $Entries)
    $path = 'HKLM:\SYSTEM\CurrentControlSet\Services\{0}' -f $Name
    if (@($Entries).Count -gt 0) {
        # -Force replaces a value that exists, whatever its type.
        $null = New-ItemProperty -LiteralPath $path -Name 'Environment' -PropertyType MultiString -Value ([string[]]@($Entries)) -Force
    }
    elseif ($null -ne (Get-Item -LiteralPath $path).GetValue('Environment', $null)) {
        Remove-ItemProperty -LiteralPath $path -Name 'Environment'
    }
}

function Restore-WcowService {
    # Puts back what Get-WcowService read before the change; returns what it did, as text.
    param($Before, [string] $Name, [bool] $RegistrationChanged, [string[]] $StoppedDependents, [int] $TimeoutSeconds)
    $done = New-Object -TypeName System.Collections.ArrayList
    try {
        if ($RegistrationChanged -and $Before.exists) {
            $now = Get-WcowService -Name $Name
            if ($now.exists -and $now.state -ne 'Stopped') {
                $null = Stop-WcowService -Name $Name -Force $true -TimeoutSeconds $TimeoutSeconds
            }
            if ($now.exists -and $now.delete_pending) {
                Wait-WcowServiceGone -Name $Name -TimeoutSeconds $TimeoutSeconds
                $now = Get-WcowService -Name $Name
            }
            $depend = ConvertTo-WcowScDepend -Dependencies $Before.dependencies
            $start = ConvertTo-WcowScStartOf -Service $Before
            if ($now.exists) {
                Invoke-WcowSc -Arguments @('config', $Name, 'binPath=', $Before.image_path, 'start=', $start, 'depend=', $depend, 'DisplayName=', $Before.display_name)
            }
            else {
                $create = @('create', $Name, 'binPath=', $Before.image_path, 'start=', $start, 'DisplayName=', $Before.display_name, 'obj=', $Before.object_name)
                if ($depend -ne '/') { $create += @('depend=', $depend) }
                Invoke-WcowSc -Arguments $create
            }
            Invoke-WcowSc -Arguments @('description', $Name, $Before.description)
            Invoke-WcowSc -Arguments (@('failure', $Name) + (ConvertFrom-WcowFailureActions -Encoded $Before.failure_actions))
            Set-WcowServiceEnvironment -Name $Name -Entries @($Before.environment)
            [void]$done.Add(("The previous registration of service '{0}' was restored." -f $Name))
        }
        if ($Before.exists -and $Before.state -eq 'Running' -and (Get-WcowService -Name $Name).state -ne 'Running') {
            Start-WcowService -Name $Name -TimeoutSeconds $TimeoutSeconds -LogFile ''
            [void]$done.Add(("Service '{0}' is running again." -f $Name))
        }
        $restarted = @(foreach ($dependent in @($StoppedDependents)) {
            if ($dependent -and (Get-WcowService -Name $dependent).state -eq 'Stopped') {
                Start-WcowService -Name $dependent -TimeoutSeconds $TimeoutSeconds -LogFile ''
                $dependent
            }
        })
        if ($restarted.Count -gt 0) { [void]$done.Add(('Dependent services started again: {0}.' -f ($restarted -join ', '))) }
    }
    catch {
        [void]$done.Add(("Restoring the previous state of service '{0}' failed too: {1}" -f $Name, $_.Exception.Message))
    }
    @($done) -join ' '
}

$name = [string]$Params.name
$timeout = [int]$Params.timeout_s
if ($timeout -le 0) { $timeout = 60 }
$logFile = [string]$Params.log_file
$stopDependents = [bool]$Params.stop_dependents
$actions = New-Object -TypeName System.Collections.ArrayList
$before = Get-WcowService -Name $name
$registrationChanged = $false
$stoppedHere = $false
$stoppedDependents = @()

try {
    if ($Params.delete -or $Params.create) {
        if ($before.exists -and $before.state -ne 'Stopped') {
            $stoppedDependents = @(Stop-WcowService -Name $name -Force $stopDependents -TimeoutSeconds $timeout)
            $stoppedHere = $true
            [void]$actions.Add('stopped')
        }
        if ($before.exists) {
            Invoke-WcowSc -Arguments @('delete', $name)
            $registrationChanged = $true
            Wait-WcowServiceGone -Name $name -TimeoutSeconds $timeout
            [void]$actions.Add('deleted')
        }
    }
    if (-not $Params.delete) {
        if ($Params.create) {
            $registrationChanged = $true
            Register-WcowService -Name $name -Create $Params.create
            [void]$actions.Add('registered')
        }
        elseif (-not $before.exists) {
            throw ("Service '{0}' does not exist and no registration was given." -f $name)
        }
        if ($Params.image_path) {
            $registrationChanged = $true
            Invoke-WcowSc -Arguments @('config', $name, 'binPath=', [string]$Params.image_path)
            [void]$actions.Add('command line set')
        }
        $config = @()
        if ($Params.start_type) { $config += @('start=', (ConvertTo-WcowScStart -StartType ([string]$Params.start_type))) }
        if ($null -ne $Params.dependencies) { $config += @('depend=', (ConvertTo-WcowScDepend -Dependencies @($Params.dependencies))) }
        if ($null -ne $Params.display_name) { $config += @('DisplayName=', [string]$Params.display_name) }
        if ($config.Count -gt 0) {
            $registrationChanged = $true
            Invoke-WcowSc -Arguments (@('config', $name) + $config)
            [void]$actions.Add('configured')
        }
        if ($null -ne $Params.description) {
            $registrationChanged = $true
            Invoke-WcowSc -Arguments @('description', $name, [string]$Params.description)
            [void]$actions.Add('description set')
        }
        if ($Params.recovery) {
            $registrationChanged = $true
            Invoke-WcowSc -Arguments @('failure', $name, 'reset=', [string][int]$Params.recovery.reset_period_s, 'actions=', (ConvertTo-WcowScActions -Actions @($Params.recovery.actions)))
            [void]$actions.Add('recovery set')
        }
        if ($null -ne $Params.environment) {
            $registrationChanged = $true
            $entries = @(foreach ($entry in @($Params.environment)) { if ($null -ne $entry) { [string]$entry } })
            Set-WcowServiceEnvironment -Name $name -Entries $entries
            [void]$actions.Add('environment set')
        }

        $wanted = [string]$Params.state
        if (-not $wanted -and $stoppedHere) { $wanted = 'started' }
        $current = Get-WcowService -Name $name
        if ($wanted -eq 'restarted' -and $current.state -ne 'Stopped') {
            $stoppedDependents += @(Stop-WcowService -Name $name -Force $stopDependents -TimeoutSeconds $timeout)
            $stoppedHere = $true
            [void]$actions.Add('stopped')
        }
        if ($wanted -eq 'started' -or $wanted -eq 'restarted') {
            if ((Get-WcowService -Name $name).state -ne 'Running') {
                Start-WcowService -Name $name -TimeoutSeconds $timeout -LogFile $logFile
                [void]$actions.Add('started')
            }
            foreach ($dependent in $stoppedDependents) {
                if ((Get-WcowService -Name $dependent).state -eq 'Stopped') {
                    Start-WcowService -Name $dependent -TimeoutSeconds $timeout -LogFile ''
                    [void]$actions.Add(('started dependent {0}' -f $dependent))
                }
            }
        }
        elseif ($wanted -eq 'stopped' -and $current.state -ne 'Stopped') {
            $null = Stop-WcowService -Name $name -Force $stopDependents -TimeoutSeconds $timeout
            [void]$actions.Add('stopped')
        }
    }
}
catch {
    $failure = $_.Exception.Message
    $restored = Restore-WcowService -Before $before -Name $name -RegistrationChanged $registrationChanged -StoppedDependents $stoppedDependents -TimeoutSeconds $timeout
    throw (('{0} {1}' -f $failure, $restored).Trim())
}
if ($Params.firewall_rule) {
    Set-WcowFirewallRule -Rule $Params.firewall_rule
    if ($Params.firewall_rule.present) { [void]$actions.Add('firewall rule created') }
    else { [void]$actions.Add('firewall rule removed') }
}
@{ service = (Get-WcowService -Name $name); actions = @($actions) }
