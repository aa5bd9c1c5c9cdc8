# wcow.buildkit snippet: data_root
# The data roots this collection created (docs/windows-facts.md#reparse-points-and-final-paths).
# HKLM\SOFTWARE\wcow.buildkit\DataRoots (Get-WcowMarker -Kind DataRoots of the
# hklm_marker snippet, which an operation using this one requires too) holds
# one REG_SZ value per folder the collection created as a daemon's data root:
# named after the folder's path,
# its data the folder's identity when it was created, the volume serial number
# and the 128-bit file id of FILE_ID_INFO ("<serial>-<id>", hexadecimal). A
# folder of that path with another identity (deleted and created again by
# someone else) was not created by the collection.
# Get-WcowDataRoot reads a path: the first part of it, from the drive down,
# that is a reparse point (junction, symbolic link, mount point), the final
# path of the folder (GetFinalPathNameByHandleW) and its identity.

function Initialize-WcowDataRoot {
    if ('WcowBuildkit.DataRoot' -as [type]) {
        return
    }
    Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace WcowBuildkit {
    public static class DataRoot {
        [StructLayout(LayoutKind.Sequential)]
        private struct FileIdInfo {
            public ulong VolumeSerialNumber;
            public ulong IdLow;
            public ulong IdHigh;
        }

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern uint GetFileAttributesW(string name);
        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern IntPtr CreateFileW(string name, uint access, uint share, IntPtr security, uint disposition, uint flags, IntPtr template);
        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool CloseHandle(IntPtr handle);
        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern uint GetFinalPathNameByHandleW(IntPtr handle, StringBuilder path, uint size, uint flags);
        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool GetFileInformationByHandleEx(IntPtr handle, int infoClass, out FileIdInfo info, uint size);

        // Each returns 0 or the Win32 error code, read here (see the data_tree snippet).
        public static int Attributes(string path, out uint attributes) {
            attributes = GetFileAttributesW(path);
            return attributes == 0xFFFFFFFF ? Marshal.GetLastWin32Error() : 0;
        }

        // The folder opened for FILE_READ_ATTRIBUTES (FILE_FLAG_BACKUP_SEMANTICS opens a folder,
        // FILE_FLAG_OPEN_REPARSE_POINT the link itself when the last part is one), then its final path
        // (FILE_NAME_NORMALIZED | VOLUME_NAME_DOS) and its FILE_ID_INFO (FileIdInfo = 18).
        public static int Identify(string path, out string finalPath, out string id) {
            finalPath = null;
            id = null;
            IntPtr handle = CreateFileW(path, 0x80, 7, IntPtr.Zero, 3, 0x02200000, IntPtr.Zero);
            if (handle == new IntPtr(-1)) {
                return Marshal.GetLastWin32Error();
            }
            try {
                StringBuilder buffer = new StringBuilder(32768);
                uint length = GetFinalPathNameByHandleW(handle, buffer, (uint)buffer.Capacity, 0);
                if (length == 0 || length >= buffer.Capacity) {
                    return Marshal.GetLastWin32Error();
                }
                FileIdInfo info;
                if (!GetFileInformationByHandleEx(handle, 18, out info, (uint)Marshal.SizeOf(typeof(FileIdInfo)))) {
                    return Marshal.GetLastWin32Error();
                }
                finalPath = buffer.ToString();
                id = string.Format("{0:X16}-{1:X16}{2:X16}", info.VolumeSerialNumber, info.IdHigh, info.IdLow);
                return 0;
            }
            finally {
                CloseHandle(handle);
            }
        }
    }
}
'@
}

function Assert-WcowDataRootRead {
    # A Win32 error code of a read of $Path: 0 passes, any other stops the operation naming the path.
    param([string] $Path, [int] $Code)
    if ($Code -ne 0) {
        throw ('Reading {0} to check it is a data root of this collection failed: {1}' -f $Path, (New-Object -TypeName ComponentModel.Win32Exception -ArgumentList $Code).Message)
    }
}

function Find-WcowReparsePoint {
    # The first folder of $Path, from the drive down to $Path itself, that is a reparse point; $null when none
    # is (a missing part ends the walk: nothing below it exists).
    param([string] $Path)
    Initialize-WcowDataRoot
    $parts = $Path.Replace('/', '\').TrimEnd('\').Split('\')
    for ($end = 2; $end -le $parts.Count; $end++) {
        $prefix = [string]::Join('\', $parts, 0, $end)
        $attributes = [uint32]0
        $code = [WcowBuildkit.DataRoot]::Attributes('\\?\' + $prefix, [ref] $attributes)
        if ($code -eq 2 -or $code -eq 3) {
            return $null
        }
        Assert-WcowDataRootRead -Path $prefix -Code $code
        if (($attributes -band 0x400) -ne 0) {
            return $prefix
        }
    }
    $null
}

function Get-WcowDataRoot {
    # @{ path; exists; link (the first reparse point along the path, or its final path when that names
    # another folder); id; marker (the identity recorded for the path); marked (marker and id agree) }.
    param([string] $Path)
    Initialize-WcowDataRoot
    $found = @{ path = $Path; exists = $false; link = $null; id = $null; marker = (Get-WcowMarker -Kind DataRoots -Name $Path); marked = $false }
    # The \\?\ prefix turns off normalisation: a "/" would stay in a name.
    $Path = $Path.Replace('/', '\').TrimEnd('\')
    $found['link'] = Find-WcowReparsePoint -Path $Path
    $attributes = [uint32]0
    $code = [WcowBuildkit.DataRoot]::Attributes('\\?\' + $Path, [ref] $attributes)
    if ($code -eq 2 -or $code -eq 3) {
        return $found
    }
    $found['exists'] = $true
    if ($found['link']) {
        return $found
    }
    $finalPath = $null
    $id = $null
    $code = [WcowBuildkit.DataRoot]::Identify('\\?\' + $Path, [ref] $finalPath, [ref] $id)
    Assert-WcowDataRootRead -Path $Path -Code $code
    if ($finalPath.Substring(4) -ne $Path) {
        $found['link'] = $finalPath.Substring(4)
        return $found
    }
    $found['id'] = $id
    $found['marked'] = ($null -ne $found['marker']) -and ($found['marker'] -eq $id)
    $found
}

function New-WcowDataRoots {
    # Each folder of $Paths that does not exist yet created with the acl snippet's protected DACL (SYSTEM
    # and Administrators only, as containerd creates its own root and state) and recorded as the
    # collection's own; writes the folders created. A path with a reparse point along it is left alone
    # (the daemon creates it, unrecorded), and a folder that exists is never recorded, whoever made it.
    param([object[]] $Paths)
    $created = New-Object -TypeName System.Collections.Generic.List[string]
    foreach ($path in @($Paths)) {
        if (-not $path) {
            continue
        }
        $path = [string]$path
        $root = Get-WcowDataRoot -Path $path
        if ($root['exists'] -or $root['link']) {
            continue
        }
        New-WcowProtectedDirectory -Path $path -UsersRead $false
        $root = Get-WcowDataRoot -Path $path
        if (-not $root['id']) {
            # A link put in its place since (a race): not recorded, so never removed as the collection's.
            continue
        }
        Set-WcowMarker -Kind DataRoots -Name $path -Value ([string]$root['id'])
        $created.Add($path)
    }
    # Written one by one: callers collect them with @().
    $created.ToArray()
}
