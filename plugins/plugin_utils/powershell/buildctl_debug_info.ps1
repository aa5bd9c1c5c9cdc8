# wcow.buildkit operation: buildctl_debug_info
# wcow.buildkit requires: service
# Runs `buildctl [--addr <addr>] debug info`, as the connecting user or, with
# $Params.as_user, as that local user, and returns its exit code and output.
#
# Running as another user: a WinRM session cannot start a process under
# other credentials interactively (Start-Process -Credential needs a
# CreateProcessWithLogonW logon the WinRM service does not allow), so the
# command runs from a one-off scheduled task with an S4U principal (no
# password needed; the user must hold "Log on as a batch job") at the highest
# run level (an administrator's token is not filtered), its output redirected
# to files in %SystemRoot%\Temp, which every user may create files in.
# The task runs powershell.exe with a fixed script, never cmd.exe: cmd.exe
# reads & | < > ^ % in any argument, however it is quoted for argv. The only
# data in the script is a base64 literal (letters, digits, + / =) of a JSON
# document holding the program, its argv-quoted command line and the output
# files, which Start-Process hands to CreateProcess without a shell.
#
# A dropped connection kills this script with no finally run: its task (in
# the collection's own task folder, named for its registration time, UTC)
# and output files stay. Each run first removes those of earlier runs that
# are neither Queued nor Running and were registered longer ago than any run
# lasts; the task of a run still going is left alone.
$ErrorActionPreference = 'Stop'
$TaskFolder = '\wcow.buildkit\'
$LeftoverAfterSeconds = 600

function Remove-WcowTaskLeftover {
    param([string] $Temp)
    $before = [DateTime]::UtcNow.AddSeconds(-$LeftoverAfterSeconds).ToString('yyyyMMddHHmmss', [Globalization.CultureInfo]::InvariantCulture)
    # An empty or absent folder is a non-terminating "No MSFT_ScheduledTask objects found" error.
    foreach ($task in @(Get-ScheduledTask -TaskPath $TaskFolder -ErrorAction SilentlyContinue)) {
        if ($task.TaskName -notmatch '^buildctl-(\d{14})-([0-9a-f]{32})$') { continue }
        $registered = $Matches[1]
        $id = $Matches[2]
        if (@('Queued', 'Running') -contains [string]$task.State -or [string]::CompareOrdinal($registered, $before) -ge 0) { continue }
        # Another run may remove the same leftover at the same time: what is gone already is no error.
        Unregister-ScheduledTask -TaskName $task.TaskName -TaskPath $TaskFolder -Confirm:$false -ErrorAction SilentlyContinue
        $leftovers = @('out', 'err') | ForEach-Object { Join-Path -Path $Temp -ChildPath ('wcow-{0}.{1}' -f $id, $_) }
        Remove-Item -LiteralPath $leftovers -Force -ErrorAction SilentlyContinue
    }
}

function Invoke-WcowAsUser {
    param([string] $FilePath, [object[]] $Arguments, [string] $UserName, [int] $TimeoutSeconds)
    $id = [guid]::NewGuid().ToString('N')
    $temp = Join-Path -Path $env:SystemRoot -ChildPath 'Temp'
    Remove-WcowTaskLeftover -Temp $temp
    $out = Join-Path -Path $temp -ChildPath ('wcow-{0}.out' -f $id)
    $err = Join-Path -Path $temp -ChildPath ('wcow-{0}.err' -f $id)
    $job = @{ file = $FilePath; arguments = (Join-WcowArguments -Arguments $Arguments); out = $out; err = $err } | ConvertTo-Json -Compress
    $data = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($job))
    # The script writes the output file before it starts buildctl: the file exists only when the task's program ran.
    $script = ('$ErrorActionPreference = ''Stop''; $j = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String(''{0}'')) | ConvertFrom-Json; ' -f $data) +
        '[IO.File]::WriteAllText($j.out, ''''); ' +
        '$p = Start-Process -FilePath $j.file -ArgumentList $j.arguments -RedirectStandardOutput $j.out ' +
        '-RedirectStandardError $j.err -NoNewWindow -Wait -PassThru; exit $p.ExitCode'
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
    $powershell = Join-Path -Path $env:SystemRoot -ChildPath 'System32\WindowsPowerShell\v1.0\powershell.exe'
    $action = New-ScheduledTaskAction -Execute $powershell -Argument ('-NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {0}' -f $encoded)
    $principal = New-ScheduledTaskPrincipal -UserId $UserName -LogonType S4U -RunLevel Highest
    $settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -ExecutionTimeLimit (New-TimeSpan -Seconds $TimeoutSeconds)
    $taskName = 'buildctl-{0}-{1}' -f [DateTime]::UtcNow.ToString('yyyyMMddHHmmss', [Globalization.CultureInfo]::InvariantCulture), $id
    $null = Register-ScheduledTask -TaskName $taskName -TaskPath $TaskFolder -Action $action -Principal $principal -Settings $settings
    try {
        Start-ScheduledTask -TaskName $taskName -TaskPath $TaskFolder
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        # LastTaskResult is a uint32 (docs/windows-facts.md#scheduled-tasks):
        # 0x41301 still running, 0x41303 not run yet, the program's exit code,
        # or the HRESULT of a launch failure (>= 0x80000000).
        do {
            Start-Sleep -Milliseconds 250
            $result = [uint32](Get-ScheduledTaskInfo -TaskName $taskName -TaskPath $TaskFolder).LastTaskResult
        } while (($result -eq 0x41301 -or $result -eq 0x41303) -and [DateTime]::UtcNow -lt $deadline)
        if ($result -eq 0x41301 -or $result -eq 0x41303) {
            # Unregistering a task does not end its running program; Stop-ScheduledTask does, while the task is
            # still registered (docs/windows-facts.md#scheduled-tasks).
            Stop-ScheduledTask -TaskName $taskName -TaskPath $TaskFolder
        }
        if ($result -eq 0x41303) {
            throw ('The scheduled task running buildctl as {0} did not start within {1} s (0x00041303: the task has not yet run).' -f $UserName, $TimeoutSeconds)
        }
        if ($result -eq 0x41301) {
            throw ('buildctl as {0} did not finish within {1} s.' -f $UserName, $TimeoutSeconds)
        }
        # The same 32 bits as an Int32: the exit code as Process.ExitCode gives it, and the HRESULT GetExceptionForHR takes.
        $code = [BitConverter]::ToInt32([BitConverter]::GetBytes($result), 0)
        if (-not (Test-Path -LiteralPath $out)) {
            # The task's program never ran, so the result is the Task Scheduler's. A program's own exit code may be
            # as large (0xC0000005 when it crashes, 0xFFFFFFFF for `exit -1`) and is returned below.
            $message = 'LastTaskResult 0x{0:X8}' -f $result
            if ($result -ge 2147483648) {
                # IntPtr -1: the message of the code alone, not of an IErrorInfo left on the thread.
                $message = [Runtime.InteropServices.Marshal]::GetExceptionForHR($code, [IntPtr](-1)).Message
            }
            $hint = ''
            # 0x80070569 is an Int32 literal in Windows PowerShell (bit 31 set: negative), so it is compared with $code.
            if ($code -eq 0x80070569) {
                $hint = ' The user needs the right "Log on as a batch job" (SeBatchLogonRight).'
            }
            throw ('The scheduled task could not run buildctl as {0}: {1}{2}' -f $UserName, $message, $hint)
        }
        $stdout = [IO.File]::ReadAllText($out)
        $stderr = ''
        if (Test-Path -LiteralPath $err) { $stderr = [IO.File]::ReadAllText($err) }
        @{ exit_code = $code; stdout = $stdout; stderr = $stderr }
    }
    finally {
        Unregister-ScheduledTask -TaskName $taskName -TaskPath $TaskFolder -Confirm:$false
        Remove-Item -LiteralPath $out, $err -Force -ErrorAction SilentlyContinue
    }
}

$buildctl = [string]$Params.buildctl_path
$arguments = @('debug', 'info')
if ($Params.addr) { $arguments = @('--addr', [string]$Params.addr) + $arguments }
$user = [string]$env:USERNAME
if ($Params.as_user) { $user = [string]$Params.as_user }
if (-not (Test-Path -LiteralPath $buildctl -PathType Leaf)) {
    return @{ ran = $false; user = $user; exit_code = $null; stdout = ''; stderr = ''; error = ('{0} does not exist.' -f $buildctl) }
}
if ($Params.as_user) {
    $run = Invoke-WcowAsUser -FilePath $buildctl -Arguments $arguments -UserName $user -TimeoutSeconds 120
}
else {
    $run = Invoke-WcowNative -FilePath $buildctl -Arguments $arguments -TimeoutSeconds 120
}
@{ ran = $true; user = $user; exit_code = [int64]$run.exit_code; stdout = [string]$run.stdout; stderr = [string]$run.stderr; error = '' }
