# wcow.buildkit bootstrap
# Reads one operation from the first line of stdin (base64 of UTF-8 JSON:
# operation, script, params), runs it with $Params set and prints its result
# as the only JSON document on stdout. Lines after the first are left for
# operations that stream data (base64 lines).
$ErrorActionPreference = 'Stop'
# A variable read before it is assigned throws instead of reading as $null
# (tests/unit/test_powershell_semantics.py looks for such reads statically).
Set-StrictMode -Version 1
[Console]::OutputEncoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
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
