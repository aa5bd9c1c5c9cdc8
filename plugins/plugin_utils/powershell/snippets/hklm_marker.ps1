# wcow.buildkit snippet: hklm_marker
# What this collection created, recorded in HKLM\SOFTWARE\wcow.buildkit\<Kind>:
# one REG_SZ value per thing it created, named after it, its data what
# identifies it. HnsNetworks: a network's name and its HNS id (a network of that
# name with another id, such as the nat network Windows builds again at each
# boot, was not created by the collection). DataRoots: a data folder's path and
# its identity (the data_root snippet). The 64-bit view is opened explicitly, so
# a 32-bit PowerShell sees the same key.

function Open-WcowHklm {
    [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
}

function Get-WcowMarker {
    # The value recorded for $Name under $Kind, or $null.
    param([ValidateSet('HnsNetworks', 'DataRoots')] [string] $Kind, [string] $Name)
    $hklm = Open-WcowHklm
    try {
        $key = $hklm.OpenSubKey('SOFTWARE\wcow.buildkit\' + $Kind)
        if ($null -eq $key) {
            return $null
        }
        try {
            $value = $key.GetValue($Name)
        }
        finally {
            $key.Close()
        }
        if ($null -eq $value) {
            return $null
        }
        return [string]$value
    }
    finally {
        $hklm.Close()
    }
}

function Set-WcowMarker {
    param([ValidateSet('HnsNetworks', 'DataRoots')] [string] $Kind, [string] $Name, [string] $Value)
    $hklm = Open-WcowHklm
    try {
        $key = $hklm.CreateSubKey('SOFTWARE\wcow.buildkit\' + $Kind)
        try {
            $key.SetValue($Name, $Value, [Microsoft.Win32.RegistryValueKind]::String)
        }
        finally {
            $key.Close()
        }
    }
    finally {
        $hklm.Close()
    }
}

function Remove-WcowMarker {
    # Removes the value for $Name under $Kind, then the keys that leaves empty.
    param([ValidateSet('HnsNetworks', 'DataRoots')] [string] $Kind, [string] $Name)
    $hklm = Open-WcowHklm
    try {
        $kindPath = 'SOFTWARE\wcow.buildkit\' + $Kind
        foreach ($keyPath in @($kindPath, 'SOFTWARE\wcow.buildkit')) {
            $key = $hklm.OpenSubKey($keyPath, $true)
            if ($null -eq $key) {
                continue
            }
            try {
                if ($keyPath -eq $kindPath) {
                    $key.DeleteValue($Name, $false)
                }
                $empty = ($key.ValueCount -eq 0) -and ($key.SubKeyCount -eq 0)
            }
            finally {
                $key.Close()
            }
            if (-not $empty) {
                return
            }
            $hklm.DeleteSubKey($keyPath, $false)
        }
    }
    finally {
        $hklm.Close()
    }
}
