# wcow.buildkit snippet: hns
# HNSCall of vmcompute.dll: the API that microsoft/SDN hns.psm1 wraps, called
# directly so that no module has to be downloaded.

function Invoke-WcowHnsCall {
    # The export returns an HRESULT and, when it fails, no response
    # (microsoft/hcsshim internal/hns/hns.go: `_hnsCall(...) (hr error) =
    # vmcompute.HNSCall?`; docs/windows-facts.md#hns-api): a failing HRESULT
    # or an empty response is "HNS is not available", never a JSON error.
    param([string] $Method, [string] $Path, [string] $Request = '')
    if (-not ('WcowBuildkit.Hns' -as [type])) {
        Add-Type -Namespace WcowBuildkit -Name Hns -MemberDefinition @'
[DllImport("vmcompute.dll")]
public static extern int HNSCall(
    [MarshalAs(UnmanagedType.LPWStr)] string method,
    [MarshalAs(UnmanagedType.LPWStr)] string path,
    [MarshalAs(UnmanagedType.LPWStr)] string request,
    [MarshalAs(UnmanagedType.LPWStr)] out string response);
'@
    }
    $response = $null
    $hr = [WcowBuildkit.Hns]::HNSCall($Method, $Path, $Request, [ref] $response)
    # Only a negative HRESULT fails; IntPtr -1: the message of the code alone, not of an IErrorInfo left on the
    # thread (docs/windows-facts.md#hresults).
    if ($hr -lt 0 -or -not $response) {
        $why = 'HNSCall {0} {1} returned no response.' -f $Method, $Path
        if ($hr -lt 0) { $why = [Runtime.InteropServices.Marshal]::GetExceptionForHR($hr, [IntPtr](-1)).Message }
        throw ('HNS is not available: {0}' -f $why)
    }
    $reply = ConvertFrom-Json -InputObject $response
    if (-not $reply.Success) {
        throw ('HNS {0} {1} failed: {2} (error code {3})' -f $Method, $Path, $reply.Error, $reply.ErrorCode)
    }
    $reply.Output
}

function Get-WcowHnsUnavailableReason {
    # Why HNS cannot be called, from an error of Invoke-WcowHnsCall, or $null
    # when HNS answered: vmcompute.dll does not load until Containers is
    # enabled and the host restarted (docs/windows-facts.md#hns-networks), and
    # a stopped HNS service fails the call.
    param($ErrorRecord)
    $base = $ErrorRecord.Exception.GetBaseException()
    if ($base -is [System.DllNotFoundException]) {
        return $base.Message
    }
    $prefix = 'HNS is not available: '
    if ($base.Message.StartsWith($prefix)) {
        return $base.Message.Substring($prefix.Length)
    }
    $null
}

function ConvertTo-WcowHnsNetwork {
    param($Network)
    $subnets = @(foreach ($subnet in @($Network.Subnets)) {
        if ($subnet) {
            @{ address_prefix = [string]$subnet.AddressPrefix; gateway_address = [string]$subnet.GatewayAddress }
        }
    })
    @{
        id = [string]$Network.ID
        name = [string]$Network.Name
        type = [string]$Network.Type
        network_adapter_name = [string]$Network.NetworkAdapterName
        subnets = $subnets
    }
}
