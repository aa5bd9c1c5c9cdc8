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

function Get-WcowWinHttpProxy {
    # The machine's WinHTTP proxy for $Url as a URI; '' when WinHTTP sends it
    # directly (the URL bypassed, `<local>` meaning a name without a period,
    # or no entry for its scheme); $null when no WinHTTP proxy is set, and the
    # connecting user's settings apply. The syntax is the one of
    # WINHTTP_PROXY_INFO: "[<scheme>=][<scheme>://]<host>:<port>", several
    # separated by ';' or blanks.
    param([string] $Url)
    if (-not ('WcowBuildkit.WinHttp' -as [type])) {
        Add-Type -Namespace WcowBuildkit -Name WinHttp -MemberDefinition @'
[StructLayout(LayoutKind.Sequential)]
public struct ProxyInfo { public int AccessType; public IntPtr Proxy; public IntPtr Bypass; }
[DllImport("winhttp.dll")]
public static extern bool WinHttpGetDefaultProxyConfiguration(ref ProxyInfo info);
[DllImport("kernel32.dll")]
public static extern IntPtr GlobalFree(IntPtr memory);
'@
    }
    $info = New-Object -TypeName 'WcowBuildkit.WinHttp+ProxyInfo'
    if (-not [WcowBuildkit.WinHttp]::WinHttpGetDefaultProxyConfiguration([ref] $info)) {
        # It fails only for lack of memory or an internal error: the
        # download then goes as Invoke-WebRequest sends it by default.
        return $null
    }
    # The caller frees both strings (WinHttpGetDefaultProxyConfiguration).
    $proxy = [Runtime.InteropServices.Marshal]::PtrToStringUni($info.Proxy)
    $bypass = [Runtime.InteropServices.Marshal]::PtrToStringUni($info.Bypass)
    foreach ($pointer in @($info.Proxy, $info.Bypass)) {
        if ($pointer -ne [IntPtr]::Zero) { $null = [WcowBuildkit.WinHttp]::GlobalFree($pointer) }
    }
    # 3: WINHTTP_ACCESS_TYPE_NAMED_PROXY.
    if ($info.AccessType -ne 3 -or -not $proxy) { return $null }
    $target = [Uri]$Url
    foreach ($entry in @([regex]::Split([string]$bypass, '[;\s]+') | Where-Object { $_ })) {
        if ($entry -eq '<local>') {
            if (-not $target.Host.Contains('.')) { return '' }
            continue
        }
        # [<scheme>://]<host, * any characters>[:<port>]: a scheme or a port limits the entry to URLs of
        # that scheme or port (docs/windows-facts.md#downloads-archives-and-hashes). Not -like, which reads
        # [ ] and ? as wildcards too.
        if ($entry -notmatch '^(?:(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?(?<host>\[[^\]]*\]|[^:/]+)(?::(?<port>\d+))?$') {
            continue
        }
        if ($Matches['scheme'] -and $Matches['scheme'] -ne $target.Scheme) { continue }
        if ($Matches['port'] -and [int]$Matches['port'] -ne $target.Port) { continue }
        $hostPattern = '^' + [regex]::Escape($Matches['host']).Replace('\*', '.*') + '$'
        if ($target.Host -match $hostPattern) { return '' }
    }
    $chosen = $null
    foreach ($entry in @([regex]::Split($proxy, '[;\s]+') | Where-Object { $_ })) {
        if ($entry -match '^(?:(\w+)=)?(?:\w+://)?(.+)$') {
            $limited = [string]$Matches[1]
            if ($limited -eq $target.Scheme -or (-not $limited -and $null -eq $chosen)) {
                $chosen = $Matches[2]
            }
        }
    }
    if ($chosen) { return ('http://{0}' -f $chosen) }
    ''
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
    else {
        # Without -Proxy, Invoke-WebRequest uses the connecting user's WinINet
        # settings; the machine's proxy is WinHTTP's (netsh winhttp), which
        # Server Core hosts are configured with
        # (docs/windows-facts.md#downloads-archives-and-hashes).
        $machineProxy = Get-WcowWinHttpProxy -Url $Url
        if ($machineProxy) {
            $request.Proxy = $machineProxy
        }
        elseif ($null -ne $machineProxy) {
            # WinHTTP sends this URL directly: so does the download, whatever
            # the user's settings say (an empty WebProxy connects directly).
            [Net.WebRequest]::DefaultWebProxy = New-Object -TypeName System.Net.WebProxy
        }
    }
    $redirected = 'the server answered with a redirect, and with url_username set no redirect is followed, since Invoke-WebRequest would send the credentials to wherever it points: set the URL of the final location'
    if ($Web.username) {
        $secret = ConvertTo-SecureString -String ([string]$Web.password) -AsPlainText -Force
        $request.Credential = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList ([string]$Web.username), $secret
        # HttpWebRequest re-authenticates to any redirected location, another
        # host's included: with credentials, no redirect is followed. 0 makes
        # a 301 or 302 an error and leaves a 307 or 308 as the response
        # (docs/windows-facts.md#downloads-archives-and-hashes).
        $request.MaximumRedirection = 0
        if ($OutFile) {
            $request.PassThru = $true
        }
    }
    $reason = $null
    try {
        $response = Invoke-WebRequest @request
        if ($Web.username -and [int]$response.StatusCode -ge 300 -and [int]$response.StatusCode -lt 400) {
            $reason = $redirected
        }
    }
    catch {
        $reason = [string]$_.Exception.Message
        if ($_.FullyQualifiedErrorId -like 'MaximumRedirectExceeded*') {
            $reason = $redirected
        }
    }
    if ($null -ne $reason) {
        throw ('Downloading {0} failed: {1}' -f $Shown, $reason)
    }
    if (-not $OutFile) {
        $response
    }
}
