# wcow.buildkit snippet: restart
# A restart scheduled with shutdown.exe /r /t /c, as ansible.windows win_reboot
# schedules it.

function Invoke-WcowShutdown {
    param([string[]] $Arguments)
    # shutdown.exe reports failures on stderr; under 'Stop', Windows PowerShell
    # 5.1 would turn the first stderr line of 2>&1 into a terminating error.
    $ErrorActionPreference = 'Continue'
    $lines = @(& shutdown.exe @Arguments 2>&1 | ForEach-Object { [string]$_ })
    @{ rc = $LASTEXITCODE; output = ($lines -join "`n").Trim() }
}

function Request-WcowRestart {
    # Schedules a restart in $Delay seconds. Exit code 1190 means another
    # shutdown is already scheduled: it is aborted and the restart scheduled
    # again, so that the host restarts when asked (preempted). 1115 means a
    # shutdown is already under way: the host is going down anyway
    # (in_progress). Any other failure is returned with scheduled = $false.
    param([int] $Delay, [string] $Message)
    $restart = @('/r', '/t', [string]$Delay, '/c', $Message)
    $preempted = $false
    $run = Invoke-WcowShutdown -Arguments $restart
    if ($run.rc -eq 1190) {
        $null = Invoke-WcowShutdown -Arguments @('/a')
        $preempted = $true
        $run = Invoke-WcowShutdown -Arguments $restart
    }
    @{
        scheduled = ($run.rc -eq 0 -or $run.rc -eq 1115)
        rc = $run.rc
        output = $run.output
        preempted = $preempted
        in_progress = ($run.rc -eq 1115)
    }
}
