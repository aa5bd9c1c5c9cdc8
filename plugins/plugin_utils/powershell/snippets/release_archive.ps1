# wcow.buildkit snippet: release_archive
# Shared by release_archive_read and release_archive_apply: the destination,
# paths below it, SHA-256 hashes and downloads.

function Resolve-WcowDestination {
    param([string]$Path)
    $expanded = [Environment]::ExpandEnvironmentVariables($Path).TrimEnd('\')
    if ($expanded -notmatch '^[A-Za-z]:\\[^\\]') {
        throw ('dest {0} expands to {1}, which is not a directory below a drive root.' -f $Path, $expanded)
    }
    $expanded
}

function Test-WcowMemberPath {
    param([string]$RelativePath)
    if (-not $RelativePath) {
        return $false
    }
    if ($RelativePath -match '^[\\/]' -or $RelativePath.Contains(':')) {
        return $false
    }
    foreach ($segment in $RelativePath.Split([char[]]@('/', '\'))) {
        if ($segment -eq '' -or $segment -eq '.' -or $segment -eq '..') {
            return $false
        }
    }
    $true
}

function Join-WcowMember {
    param([string]$Root, [string]$RelativePath)
    if (-not (Test-WcowMemberPath -RelativePath $RelativePath)) {
        throw ('Refusing the member path {0}: it is not a plain path below {1}.' -f $RelativePath, $Root)
    }
    [IO.Path]::Combine($Root, $RelativePath.Replace('/', '\'))
}

function Get-WcowMemberHashes {
    # @{ path; sha256 } for each plain relative path once (null: missing).
    # Hashtable keys compare without regard to case, as NTFS names do.
    param([string]$Root, $Paths)
    $seen = @{}
    foreach ($relative in $Paths) {
        if ($seen.ContainsKey($relative) -or -not (Test-WcowMemberPath -RelativePath $relative)) {
            continue
        }
        $seen[$relative] = $true
        $full = Join-WcowMember -Root $Root -RelativePath $relative
        $digest = $null
        if ([IO.File]::Exists($full)) {
            $digest = Get-WcowSha256 -Path $full
        }
        @{ path = $relative; sha256 = $digest }
    }
}

function Get-WcowSha256 {
    param([string]$Path)
    # Get-FileHash prints upper case; the controller compares lower case.
    (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant()
}

function Invoke-WcowDownload {
    # Invoke-WebRequest as Windows PowerShell 5.1 needs it: TLS 1.2 enabled,
    # no Internet Explorer parsing, no progress bar (about ten times faster).
    # Returns the response, or nothing with -OutFile.
    param([string]$Url, [string]$Shown, [string]$OutFile, $Web)
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    $ProgressPreference = 'SilentlyContinue'
    $request = @{ Uri = $Url; UseBasicParsing = $true }
    if ($OutFile) {
        $request.OutFile = $OutFile
    }
    if ($Web.proxy) {
        $request.Proxy = [string]$Web.proxy
    }
    if ($Web.username) {
        $secret = ConvertTo-SecureString -String ([string]$Web.password) -AsPlainText -Force
        $request.Credential = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList ([string]$Web.username), $secret
    }
    try {
        Invoke-WebRequest @request
    }
    catch {
        throw ('Downloading {0} failed: {1}' -f $Shown, $_.Exception.Message)
    }
}
