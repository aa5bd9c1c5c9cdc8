# wcow.buildkit operation: file_write
# Writes a file atomically. $Params: path (environment variables expanded),
# content, content_encoding ('text': written as UTF-8 without a byte order
# mark; 'base64': the bytes), backup (bool). Creates the parent directory,
# stages <path>.<random>.tmp in the same directory, then swaps it in with
# [IO.File]::Replace (keeping the old file as a backup when asked) or, when
# there is no file yet, [IO.File]::Move. The staged file never outlives a
# failure; the old file is untouched until the swap.
$ErrorActionPreference = 'Stop'
$path = [Environment]::ExpandEnvironmentVariables([string]$Params.path)
if ($Params.content_encoding -eq 'base64') {
    $bytes = [Convert]::FromBase64String([string]$Params.content)
}
elseif ($Params.content_encoding -eq 'text') {
    $bytes = (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false).GetBytes([string]$Params.content)
}
else {
    throw ('Unknown content_encoding {0}: expected text or base64.' -f $Params.content_encoding)
}
$directory = [IO.Path]::GetDirectoryName($path)
if (-not [IO.Directory]::Exists($directory)) {
    $null = New-Item -ItemType Directory -Path $directory -Force
}
$token = [Guid]::NewGuid().ToString('N').Substring(0, 8)
$staged = '{0}.{1}.tmp' -f $path, $token
$backupFile = $null
try {
    [IO.File]::WriteAllBytes($staged, $bytes)
    if ([IO.File]::Exists($path)) {
        if ($Params.backup) {
            $backupFile = '{0}.{1}.{2}.bak' -f $path, (Get-Date -Format 'yyyyMMdd-HHmmss'), $token
            [IO.File]::Replace($staged, $path, $backupFile)
        }
        else {
            [IO.File]::Replace($staged, $path, [NullString]::Value)
        }
    }
    else {
        [IO.File]::Move($staged, $path)
    }
}
finally {
    if ([IO.File]::Exists($staged)) {
        [IO.File]::Delete($staged)
    }
}
@{ path = $path; backup_file = $backupFile }
