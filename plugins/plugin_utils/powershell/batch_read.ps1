# wcow.buildkit operation: batch_read
# Several read operations in one execution: the state of a whole host in one
# round trip. $Params.snippets is the text of the snippets the reads require
# (each once), dot-sourced here so that every read finds its functions;
# $Params.scripts maps an operation name to its script (without snippets);
# $Params.items lists {key, operation, params}. Each read runs in a child
# scope with its own $Params, as the bootstrap would run it; one that throws
# is answered with its error and the others still run.
$ErrorActionPreference = 'Stop'
$batch = $Params
if ($batch.snippets) {
    . ([ScriptBlock]::Create([string]$batch.snippets))
}
$answers = @{}
foreach ($item in @($batch.items)) {
    $Params = $item.params
    try {
        $read = [ScriptBlock]::Create([string]$batch.scripts.($item.operation))
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
