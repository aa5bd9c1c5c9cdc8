# wcow.buildkit operation: release_archive_read
# wcow.buildkit requires: release_archive
# What win_release_archive installed in $Params.dest under $Params.name: the
# manifest's text, the current SHA-256 of every file it lists and of every
# path in $Params.paths (null when the file is missing), and the text behind
# $Params.checksum.url when given (fetched by the host, which may reach
# servers the controller cannot). Changes nothing.
$ErrorActionPreference = 'Stop'
$dest = Resolve-WcowDestination -Path ([string]$Params.dest)
$manifestPath = [IO.Path]::Combine($dest, ('.wcow-{0}.manifest.json' -f $Params.name))
$manifestText = $null
$wanted = New-Object -TypeName System.Collections.Generic.List[string]
if ([IO.File]::Exists($manifestPath)) {
    $manifestText = [IO.File]::ReadAllText($manifestPath)
    try {
        $recorded = ConvertFrom-Json -InputObject $manifestText
        foreach ($entry in @($recorded.files)) {
            if ($entry -and $entry.path) {
                $wanted.Add([string]$entry.path)
            }
        }
    }
    catch {
        # A damaged manifest: the controller reports it and installs again.
        $wanted.Clear()
    }
}
foreach ($path in @($Params.paths)) {
    if ($path) {
        $wanted.Add([string]$path)
    }
}
# Hashtable keys compare without regard to case, as NTFS names do.
$seen = @{}
$hashes = @(foreach ($relative in $wanted) {
    if ($seen.ContainsKey($relative) -or -not (Test-WcowMemberPath -RelativePath $relative)) {
        continue
    }
    $seen[$relative] = $true
    $full = Join-WcowMember -Root $dest -RelativePath $relative
    $digest = $null
    if ([IO.File]::Exists($full)) {
        $digest = Get-WcowSha256 -Path $full
    }
    @{ path = $relative; sha256 = $digest }
})
$checksumText = $null
if ($Params.checksum) {
    $response = Invoke-WcowDownload -Url ([string]$Params.checksum.url) -Shown ([string]$Params.checksum.shown) -Web $Params.web
    $checksumText = [Text.Encoding]::UTF8.GetString($response.RawContentStream.ToArray())
}
@{
    dest = $dest
    dest_exists = [IO.Directory]::Exists($dest)
    manifest_path = $manifestPath
    manifest_text = $manifestText
    files = $hashes
    checksum_text = $checksumText
}
