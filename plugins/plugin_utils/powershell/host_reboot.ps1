# wcow.buildkit operation: host_reboot
# wcow.buildkit requires: restart
# Schedules a restart in $Params.delay seconds with shutdown.exe /r /t /c, as
# ansible.windows win_reboot does (snippet restart: a shutdown already
# scheduled is replaced, one in progress is reported).
$ErrorActionPreference = 'Stop'
$run = Request-WcowRestart -Delay ([int]$Params.delay) -Message ([string]$Params.message)
if (-not $run.scheduled) {
    throw ('shutdown.exe /r failed with exit code {0}: {1}' -f $run.rc, $run.output)
}
@{ rc = $run.rc; output = $run.output; preempted = $run.preempted; in_progress = $run.in_progress }
