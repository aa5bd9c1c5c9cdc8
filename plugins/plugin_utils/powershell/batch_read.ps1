# wcow.buildkit operation: batch_read
# Several read operations in one execution: the state of a whole host in one
# round trip. What the reads need comes on stdin after the bootstrap's
# payload line, as base64 lines: the gzip of a JSON document holding
# snippets, the text of the snippets the reads require (each once),
# dot-sourced here so that every read finds its functions; scripts, an
# operation name to its script (without snippets); items, a list of {key,
# operation, params}. GZipStream is in System.dll of the .NET Framework that
# Windows PowerShell 5.1 runs on
# (docs/windows-facts.md#gzip-in-windows-powershell-51). Each read runs in a
# child scope with its own $Params, as the bootstrap would run it; one that
# throws is answered with its error and the others still run.
$ErrorActionPreference = 'Stop'
$batch = $Params
$packed = New-Object -TypeName System.IO.MemoryStream
while ($true) {
    $line = [Console]::In.ReadLine()
    if ($null -eq $line) {
        break
    }
    $line = $line.Trim()
    if ($line.Length -gt 0) {
        $bytes = [Convert]::FromBase64String($line)
        $packed.Write($bytes, 0, $bytes.Length)
    }
}
$packed.Position = 0
$gzip = New-Object -TypeName System.IO.Compression.GZipStream -ArgumentList $packed, ([System.IO.Compression.CompressionMode]::Decompress)
$reader = New-Object -TypeName System.IO.StreamReader -ArgumentList $gzip, ([Text.Encoding]::UTF8)
try {
    $texts = $reader.ReadToEnd() | ConvertFrom-Json
}
finally {
    $reader.Dispose()
}
if ($texts.snippets) {
    . ([ScriptBlock]::Create([string]$texts.snippets))
}
$answers = @{}
foreach ($item in @($texts.items)) {
    $Params = $item.params
    try {
        $read = [ScriptBlock]::Create([string]$texts.scripts.($item.operation))
        $answers[[string]$item.key] = @{ result = (& $read) }
    }
    catch {
        $answers[[string]$item.key] = @{ wcow_error = @{
            message = $_.Exception.Message
            category = [string]$_.CategoryInfo.Category
            position = [string]$_.InvocationInfo.PositionMessage
        } }
    }
}
$Params = $batch
@{ results = $answers }
