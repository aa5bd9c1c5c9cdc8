# wcow.buildkit operation: host_reboot
# Schedules a restart in $Params.delay seconds with shutdown.exe /r /t /c, as
# ansible.windows win_reboot does. Exit code 1190 means another shutdown is
# already scheduled: it is aborted and the restart scheduled again, so that the
# host restarts when asked (preempted = true). 1115 means a shutdown is already
# under way: the host is going down anyway (in_progress = true).
$ErrorActionPreference = 'Stop'

function Invoke-WcowShutdown {
    param([string[]] $Arguments)
    # shutdown.exe reports failures on stderr; under 'Stop', Windows PowerShell
    # 5.1 would turn the first stderr line of 2>&1 into a terminating error.
    $ErrorActionPreference = 'Continue'
    $lines = @(& shutdown.exe @Arguments 2>&1 | ForEach-Object { [string]$_ })
    @{ rc = $LASTEXITCODE; output = ($lines -join "`n").Trim() }
}

$restart = @('/r', '/t', [string][int]$Params.delay, '/c', [string]$Params.message)
$preempted = $false
$run = Invoke-WcowShutdown -Arguments $restart
if ($run.rc -eq 1190) {
    $null = Invoke-WcowShutdown -Arguments @('/a')
    $preempted = $true
    $run = Invoke-WcowShutdown -Arguments $restart
}
if ($run.rc -ne 0 -and $run.rc -ne 1115) {
    throw ('shutdown.exe /r failed with exit code {0}: {1}' -f $run.rc, $run.output)
}
@{ rc = $run.rc; output = $run.output; preempted = $preempted; in_progress = ($run.rc -eq 1115) }
