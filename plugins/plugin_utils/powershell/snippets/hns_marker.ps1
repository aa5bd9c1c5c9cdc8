# wcow.buildkit snippet: hns_marker
# The HNS networks this collection created. HKLM\SOFTWARE\wcow.buildkit\HnsNetworks
# holds one REG_SZ value per network it created: named after the network, its
# data the network's HNS id. A network of that name with another id (such as
# the default nat network Windows builds again at each boot) was not created by
# the collection. The 64-bit view is opened explicitly, so a 32-bit PowerShell
# sees the same key.

function Open-WcowHklm {
    [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
}

function Get-WcowHnsMarker {
    # The HNS id recorded for network $Name, or $null.
    param([string] $Name)
    $hklm = Open-WcowHklm
    try {
        $key = $hklm.OpenSubKey('SOFTWARE\wcow.buildkit\HnsNetworks')
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

function Set-WcowHnsMarker {
    param([string] $Name, [string] $Id)
    $hklm = Open-WcowHklm
    try {
        $key = $hklm.CreateSubKey('SOFTWARE\wcow.buildkit\HnsNetworks')
        try {
            $key.SetValue($Name, $Id, [Microsoft.Win32.RegistryValueKind]::String)
        }
        finally {
            $key.Close()
        }
    }
    finally {
        $hklm.Close()
    }
}

function Remove-WcowHnsMarker {
    # Removes the value for network $Name, then the keys that leaves empty.
    param([string] $Name)
    $hklm = Open-WcowHklm
    try {
        foreach ($path in @('SOFTWARE\wcow.buildkit\HnsNetworks', 'SOFTWARE\wcow.buildkit')) {
            $key = $hklm.OpenSubKey($path, $true)
            if ($null -eq $key) {
                continue
            }
            try {
                if ($path.EndsWith('HnsNetworks')) {
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
            $hklm.DeleteSubKey($path, $false)
        }
    }
    finally {
        $hklm.Close()
    }
}
