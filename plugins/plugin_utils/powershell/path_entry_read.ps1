# wcow.buildkit operation: path_entry_read
# The Path value of the machine environment or of the connecting user's
# (HKCU) environment, read without expanding %VARS%, with its registry kind
# ('None' when there is no value), what [Environment]::ExpandEnvironmentVariables
# makes of each piece of $value.Split(';'), and of $Params.path.
$ErrorActionPreference = 'Stop'
switch ($Params.scope) {
    'machine' { $root = [Microsoft.Win32.Registry]::LocalMachine; $subKey = 'System\CurrentControlSet\Control\Session Manager\Environment' }
    'user' { $root = [Microsoft.Win32.Registry]::CurrentUser; $subKey = 'Environment' }
    default { throw ('Unknown scope {0}; expected machine or user.' -f $Params.scope) }
}
$kind = 'None'
$value = $null
$key = $root.OpenSubKey($subKey)
if ($null -ne $key) {
    try {
        if ($key.GetValueNames() -contains 'Path') {
            $kind = [string]$key.GetValueKind('Path')
            if ($kind -ne 'ExpandString' -and $kind -ne 'String') {
                throw ('The {0} Path value is of kind {1}; only String (REG_SZ) and ExpandString (REG_EXPAND_SZ) hold a PATH.' -f $Params.scope, $kind)
            }
            $value = [string]$key.GetValue('Path', '', [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
        }
    }
    finally {
        $key.Dispose()
    }
}
$expandedPieces = @()
if ($null -ne $value) {
    $expandedPieces = @(foreach ($piece in $value.Split(';')) { [Environment]::ExpandEnvironmentVariables($piece) })
}
@{
    kind = $kind
    value = $value
    expanded_pieces = $expandedPieces
    path_expanded = [Environment]::ExpandEnvironmentVariables([string]$Params.path)
}
