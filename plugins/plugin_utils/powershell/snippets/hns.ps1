# wcow.buildkit snippet: hns
# HNSCall of vmcompute.dll: the API that microsoft/SDN hns.psm1 wraps, called
# directly so that no module has to be downloaded.

function Invoke-WcowHnsCall {
    param([string] $Method, [string] $Path, [string] $Request = '')
    if (-not ('WcowBuildkit.Hns' -as [type])) {
        Add-Type -Namespace WcowBuildkit -Name Hns -MemberDefinition @'
[DllImport("vmcompute.dll")]
public static extern void HNSCall(
    [MarshalAs(UnmanagedType.LPWStr)] string method,
    [MarshalAs(UnmanagedType.LPWStr)] string path,
    [MarshalAs(UnmanagedType.LPWStr)] string request,
    [MarshalAs(UnmanagedType.LPWStr)] out string response);
'@
    }
    $response = ''
    [WcowBuildkit.Hns]::HNSCall($Method, $Path, $Request, [ref] $response)
    $reply = ConvertFrom-Json -InputObject $response
    if (-not $reply.Success) {
        throw ('HNS {0} {1} failed: {2} (error code {3})' -f $Method, $Path, $reply.Error, $reply.ErrorCode)
    }
    $reply.Output
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
