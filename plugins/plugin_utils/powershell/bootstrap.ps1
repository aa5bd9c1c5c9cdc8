# wcow.buildkit bootstrap
# Reads one operation from the first line of stdin (base64 of UTF-8 JSON:
# operation, script, params), runs it with $Params set and prints its result
# as the only JSON document on stdout. Lines after the first are left for
# operations that stream data (base64 lines). An operation that changes the
# host takes the host's lock first (snippets/host_lock.ps1); it is released here.
$ErrorActionPreference = 'Stop'
[Console]::OutputEncoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
& {
    # A variable read before it is assigned throws instead of reading as $null
    # (tests/unit/test_powershell_semantics.py looks for such reads statically).
    # Set here, in a scope of its own: -EncodedCommand runs in the global scope,
    # and module functions (ScheduledTasks' CDXML, script modules) look up strict
    # mode through the global scope, not through their caller's
    # (docs/windows-facts.md#windows-powershell-51).
    Set-StrictMode -Version 1
    $WcowHostLock = $null
    try {
        $encoded = [Console]::In.ReadLine().Trim()
        $payload = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($encoded)) | ConvertFrom-Json
        $operation = [ScriptBlock]::Create([string]$payload.script)
        # Dot-sourced so that the operation and its snippets see $Params.
        $Params = $payload.params
        $result = . $operation
        [Console]::Out.Write((ConvertTo-Json -InputObject $result -Depth 20 -Compress))
    }
    catch {
        $failure = @{
            message = $_.Exception.Message
            category = [string]$_.CategoryInfo.Category
            position = [string]$_.InvocationInfo.PositionMessage
        }
        [Console]::Out.Write((ConvertTo-Json -InputObject @{ wcow_error = $failure } -Depth 5 -Compress))
        exit 1
    }
    finally {
        # Runs after the exit above too (about_Try_Catch_Finally), on the thread
        # that took the mutex: only the owning thread may release it.
        if ($null -ne $WcowHostLock) {
            $WcowHostLock.ReleaseMutex()
            $WcowHostLock.Dispose()
        }
    }
}
