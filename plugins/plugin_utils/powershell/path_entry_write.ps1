# wcow.buildkit operation: path_entry_write
# Writes $Params.value as the Path value (REG_EXPAND_SZ) of the machine or
# the connecting user's environment, unless the value is no longer what the
# controller read ($Params.expected_kind and $Params.expected_value): another
# process changed it in between, and writing would lose that change. Then
# broadcasts WM_SETTINGCHANGE "Environment" so that new processes see it.
# [Environment]::SetEnvironmentVariable is not used: it writes REG_SZ
# (dotnet/runtime#89695).
$ErrorActionPreference = 'Stop'
switch ($Params.scope) {
    'machine' { $root = [Microsoft.Win32.Registry]::LocalMachine; $subKey = 'System\CurrentControlSet\Control\Session Manager\Environment' }
    'user' { $root = [Microsoft.Win32.Registry]::CurrentUser; $subKey = 'Environment' }
    default { throw ('Unknown scope {0}; expected machine or user.' -f $Params.scope) }
}
$doNotExpand = [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames
$key = $root.CreateSubKey($subKey)
try {
    $kind = 'None'
    $current = $null
    if ($key.GetValueNames() -contains 'Path') {
        $kind = [string]$key.GetValueKind('Path')
        $current = [string]$key.GetValue('Path', '', $doNotExpand)
    }
    if ($kind -ne $Params.expected_kind -or $current -cne $Params.expected_value) {
        throw ('The {0} PATH changed after it was read (another process wrote it); nothing was written, run the task again. Read ({1}): {2} Now ({3}): {4}' -f $Params.scope, $Params.expected_kind, $Params.expected_value, $kind, $current)
    }
    $key.SetValue('Path', [string]$Params.value, [Microsoft.Win32.RegistryValueKind]::ExpandString)
    $written = [string]$key.GetValue('Path', '', $doNotExpand)
    $writtenKind = [string]$key.GetValueKind('Path')
}
finally {
    $key.Dispose()
}
$signature = '[DllImport("user32.dll", SetLastError = true, CharSet = CharSet.Unicode)] public static extern IntPtr SendMessageTimeout(IntPtr hWnd, uint Msg, UIntPtr wParam, string lParam, uint fuFlags, uint uTimeout, out UIntPtr lpdwResult);'
Add-Type -Namespace WcowBuildkit -Name EnvironmentBroadcast -MemberDefinition $signature
$outcome = [UIntPtr]::Zero
# HWND_BROADCAST, WM_SETTINGCHANGE, SMTO_ABORTIFHUNG, 5 s: as ansible.windows win_path does.
$sent = [WcowBuildkit.EnvironmentBroadcast]::SendMessageTimeout([IntPtr]0xFFFF, 0x1A, [UIntPtr]::Zero, 'Environment', 2, 5000, [ref]$outcome)
@{
    path_value = $written
    kind = $writtenKind
    broadcast = ($sent -ne [IntPtr]::Zero)
}
