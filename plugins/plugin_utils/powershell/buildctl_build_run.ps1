# wcow.buildkit operation: buildctl_build_run
# wcow.buildkit requires: service, data_tree
# Runs a `buildctl build` of a context the controller sends ($Params.files):
# writes it to a new folder under the user's temporary folder, runs buildctl
# with the dockerfile.v0 frontend and an image output, reads the digest from
# buildctl's --metadata-file, and removes the folder whatever happened.
#
# Registry credentials ($Params.docker_config, a Docker config.json) go to a
# config folder inside that temporary folder, named to buildctl by
# DOCKER_CONFIG for this process only; they never reach the command line.
#
# A dropped connection kills this script with no finally run: its folder,
# credentials included, stays. The folder's name carries the time (UTC) by
# which its run is over for sure (the build's timeout and a margin for the
# writes around it); each run first removes the folders of earlier runs past
# that time, never one of a run still going, nor a link.
$ErrorActionPreference = 'Stop'

$buildctl = [string]$Params.buildctl_path
$temp = [IO.Path]::GetTempPath()
$now = [DateTime]::UtcNow
# Get-ChildItem of a folder it cannot list is a non-terminating error: nothing to remove then.
foreach ($leftover in @(Get-ChildItem -LiteralPath $temp -Directory -Filter 'wcow-buildctl-*' -Force -ErrorAction SilentlyContinue)) {
    # FILE_ATTRIBUTE_REPARSE_POINT: a link is never a folder of this operation's.
    if (($leftover.Attributes -band 0x400) -ne 0) { continue }
    if ($leftover.Name -notmatch '^wcow-buildctl-(\d{14})-[0-9a-f]{32}$') { continue }
    if ([string]::CompareOrdinal($Matches[1], $now.ToString('yyyyMMddHHmmss', [Globalization.CultureInfo]::InvariantCulture)) -lt 0) {
        $null = Remove-WcowPath -Path $leftover.FullName
    }
}
$over = $now.AddSeconds([double]$Params.timeout + 600).ToString('yyyyMMddHHmmss', [Globalization.CultureInfo]::InvariantCulture)
$root = Join-Path -Path $temp -ChildPath ('wcow-buildctl-{0}-{1}' -f $over, [guid]::NewGuid().ToString('N'))
$context = Join-Path -Path $root -ChildPath 'context'
$metadata = Join-Path -Path $root -ChildPath 'metadata.json'
$arguments = @()
if ($Params.addr) { $arguments += @('--addr', [string]$Params.addr) }
$arguments += @('build', '--frontend=dockerfile.v0', '--local', ('context={0}' -f $context), '--local', ('dockerfile={0}' -f $context), '--output', [string]$Params.output, '--metadata-file', $metadata, '--progress=plain')
$utf8 = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
$metadataText = ''
$watch = [Diagnostics.Stopwatch]::StartNew()
try {
    $null = New-Item -ItemType Directory -Path $context -Force
    foreach ($file in @($Params.files)) {
        [IO.File]::WriteAllText((Join-Path -Path $context -ChildPath ([string]$file.name)), [string]$file.content, $utf8)
    }
    $info = New-Object -TypeName System.Diagnostics.ProcessStartInfo
    $info.FileName = $buildctl
    $info.Arguments = Join-WcowArguments -Arguments $arguments
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.CreateNoWindow = $true
    if ($Params.docker_config) {
        $configDir = Join-Path -Path $root -ChildPath 'docker-config'
        $null = New-Item -ItemType Directory -Path $configDir -Force
        [IO.File]::WriteAllText((Join-Path -Path $configDir -ChildPath 'config.json'), [string]$Params.docker_config, $utf8)
        $info.EnvironmentVariables['DOCKER_CONFIG'] = $configDir
    }
    try {
        $process = [System.Diagnostics.Process]::Start($info)
    }
    catch {
        throw ('Cannot run {0}: {1}' -f $buildctl, $_.Exception.GetBaseException().Message)
    }
    # Both streams at once: buildctl writes its progress to stderr, and a full pipe would block it.
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit([int]$Params.timeout * 1000)) {
        $process.Kill()
        throw ('buildctl build did not finish within {0} s and was stopped.' -f [int]$Params.timeout)
    }
    $process.WaitForExit()
    if (Test-Path -LiteralPath $metadata -PathType Leaf) {
        $metadataText = [IO.File]::ReadAllText($metadata)
    }
}
finally {
    $watch.Stop()
    # Not Remove-Item -Recurse, which follows links (the data_tree snippet); what cannot go stays, and
    # temp_dir_removed says so.
    $null = Remove-WcowPath -Path $root
}
@{
    exit_code = [int]$process.ExitCode
    stdout = [string]$stdout.Result
    stderr = [string]$stderr.Result
    metadata = $metadataText
    arguments = $arguments
    duration_seconds = [double]$watch.Elapsed.TotalSeconds
    temp_dir = $root
    temp_dir_removed = (-not (Test-Path -LiteralPath $root))
}
