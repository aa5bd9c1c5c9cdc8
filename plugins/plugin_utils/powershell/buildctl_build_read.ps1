# wcow.buildkit operation: buildctl_build_read
# What the sample build depends on before it runs: the host's build number
# (the base image tag must fit it) and whether buildctl.exe is there.
$ErrorActionPreference = 'Stop'

$version = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$buildctl = [string]$Params.buildctl_path
@{
    build = [int]$version.CurrentBuildNumber
    ubr = [int]$version.UBR
    buildctl_exists = [bool](Test-Path -LiteralPath $buildctl -PathType Leaf)
}
