# wcow.buildkit snippet: data_tree
# Measure and remove a service's data folders as their owners would, on real
# hosts (docs/windows-facts.md#container-layers):
# - Paths go to the kernel32 W functions with the \\?\ prefix, which lifts
#   MAX_PATH (docs/windows-facts.md#long-paths): layer paths pass 260
#   characters, and System.IO of Windows PowerShell 5.1 refuses them.
# - A layer folder of containerd's windows snapshotter
#   (...\io.containerd.snapshotter.v1.windows\snapshots\<id>) goes with
#   vmcompute.dll DestroyLayer, as containerd removes it
#   (snapshots/windows/windows.go): its files keep the image's owners and
#   DACLs (TrustedInstaller, SYSTEM-only folders) that an administrator may
#   not delete (docs/windows-facts.md#ntfs-owners-and-dacls).
# - Links are never followed: a junction or directory link inside a folder is
#   removed as a link (RemoveDirectory removes a junction, never its target:
#   MicrosoftDocs/sdk-api#1640); Remove-Item -Recurse is not used, since
#   Windows PowerShell 5.1 walks into a directory link (PowerShell/PowerShell#621).
# - Read-only entries are made writable first (DeleteFile refuses them).
# - What cannot be read is counted, what cannot be removed is listed; the
#   walk goes on with the rest, so that a second run has only that left.

function Initialize-WcowDataTree {
    if ('WcowBuildkit.DataTree' -as [type]) {
        return
    }
    # DestroyLayer: hcsshim internal/wclayer/wclayer.go
    # `destroyLayer(info *driverInfo, id string) (hr error) = vmcompute.DestroyLayer?`,
    # driverInfo {Flavour int; HomeDirp *uint16} (layerutils.go).
    Add-Type -TypeDefinition @'
using System;
using System.ComponentModel;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace WcowBuildkit {
    public class DataEntry {
        public string Name;
        public uint Attributes;
        public long Size;
    }

    public static class DataTree {
        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
        private struct FindData {
            public uint Attributes;
            public uint CreationLow, CreationHigh, AccessLow, AccessHigh, WriteLow, WriteHigh;
            public uint SizeHigh, SizeLow, Reserved0, Reserved1;
            [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 260)] public string Name;
            [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 14)] public string ShortName;
        }

        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
        private struct DriverInfo {
            public int Flavour;
            public string HomeDir;
        }

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern IntPtr FindFirstFileW(string name, out FindData data);
        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern bool FindNextFileW(IntPtr find, out FindData data);
        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool FindClose(IntPtr find);
        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern uint GetFileAttributesW(string name);
        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern bool SetFileAttributesW(string name, uint attributes);
        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern bool DeleteFileW(string name);
        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern bool RemoveDirectoryW(string name);
        [DllImport("vmcompute.dll", CharSet = CharSet.Unicode, EntryPoint = "DestroyLayer")]
        private static extern int DestroyLayerNative(ref DriverInfo info, string id);

        // Each call returns 0 or the Win32 error code, read here: PowerShell may make calls of its
        // own before a script could ask Marshal.GetLastWin32Error.
        public static int List(string folder, out DataEntry[] entries) {
            List<DataEntry> found = new List<DataEntry>();
            entries = found.ToArray();
            FindData data;
            IntPtr find = FindFirstFileW(folder + "\\*", out data);
            if (find == new IntPtr(-1)) {
                return Marshal.GetLastWin32Error();
            }
            try {
                do {
                    if (data.Name != "." && data.Name != "..") {
                        DataEntry entry = new DataEntry();
                        entry.Name = data.Name;
                        entry.Attributes = data.Attributes;
                        entry.Size = ((long)data.SizeHigh << 32) | data.SizeLow;
                        found.Add(entry);
                    }
                } while (FindNextFileW(find, out data));
                int last = Marshal.GetLastWin32Error();
                entries = found.ToArray();
                return last == 18 ? 0 : last;  // ERROR_NO_MORE_FILES ends the listing
            }
            finally {
                FindClose(find);
            }
        }

        public static int Attributes(string path, out uint attributes) {
            attributes = GetFileAttributesW(path);
            return attributes == 0xFFFFFFFF ? Marshal.GetLastWin32Error() : 0;
        }

        public static int SetAttributes(string path, uint attributes) {
            return SetFileAttributesW(path, attributes) ? 0 : Marshal.GetLastWin32Error();
        }

        public static int DeleteFile(string path) {
            return DeleteFileW(path) ? 0 : Marshal.GetLastWin32Error();
        }

        public static int RemoveDirectory(string path) {
            return RemoveDirectoryW(path) ? 0 : Marshal.GetLastWin32Error();
        }

        // The layer <homeDir>\<id>, as containerd and moby/docker-ci-zap call it; an HRESULT.
        // vmcompute.dll loads only with the Containers feature in effect (not while it is
        // pending a restart, nor in 32-bit PowerShell): NotLoadable then, and the caller walks the folder.
        public const int NotLoadable = unchecked((int)0x8007007E);
        public static int DestroyLayer(string homeDir, string id) {
            DriverInfo info = new DriverInfo();
            info.Flavour = 0;
            info.HomeDir = homeDir;
            try {
                return DestroyLayerNative(ref info, id);
            }
            catch (DllNotFoundException) {
                return NotLoadable;
            }
            catch (EntryPointNotFoundException) {
                return NotLoadable;
            }
        }

        public static string Describe(int code) {
            if (code < 0) {
                if ((code & 0xFFFF0000) == 0x80070000) {
                    return new Win32Exception(code & 0xFFFF).Message;
                }
                return string.Format("HRESULT 0x{0:X8}", code);
            }
            return new Win32Exception(code).Message;
        }
    }
}
'@
}

function Get-WcowLongPath {
    # The \\?\ form of a full local path (data paths are on a local drive: the module's allow rule).
    # The prefix turns off normalisation, so a "/" would stay in a name.
    param([string] $Path)
    '\\?\' + $Path.Replace('/', '\')
}

function Measure-WcowPath {
    # @{ path; type = missing, file, dir or link; files; dirs; bytes; unreadable } of one path, counting
    # what is below a folder; unreadable: folders that could not be listed (access denied), counted
    # without what they hold.
    param([string] $Path)
    Initialize-WcowDataTree
    $found = @{ path = $Path; type = 'missing'; files = 0; dirs = 0; bytes = 0; unreadable = 0 }
    $attributes = [uint32]0
    $code = [WcowBuildkit.DataTree]::Attributes((Get-WcowLongPath -Path $Path), [ref] $attributes)
    if ($code -eq 2 -or $code -eq 3) {
        return $found
    }
    if ($code -ne 0) {
        throw ('Reading {0} failed: {1}' -f $Path, [WcowBuildkit.DataTree]::Describe($code))
    }
    if (($attributes -band 0x10) -eq 0) {
        $file = New-Object -TypeName IO.FileInfo -ArgumentList $Path
        $found['type'] = 'file'
        $found['files'] = 1
        $found['bytes'] = $file.Length
        return $found
    }
    if (($attributes -band 0x400) -ne 0) {
        $found['type'] = 'link'
        return $found
    }
    $found['type'] = 'dir'
    $pending = New-Object -TypeName System.Collections.Generic.Stack[string]
    $pending.Push((Get-WcowLongPath -Path $Path))
    while ($pending.Count -gt 0) {
        $folder = $pending.Pop()
        $entries = $null
        if ([WcowBuildkit.DataTree]::List($folder, [ref] $entries) -ne 0) {
            $found['unreadable'] += 1
            continue
        }
        foreach ($entry in $entries) {
            if (($entry.Attributes -band 0x10) -ne 0) {
                $found['dirs'] += 1
                if (($entry.Attributes -band 0x400) -eq 0) {
                    $pending.Push($folder + '\' + $entry.Name)
                }
            }
            else {
                $found['files'] += 1
                $found['bytes'] += $entry.Size
            }
        }
    }
    $found
}

function Add-WcowFailure {
    param($Failed, [string] $LongPath, [string] $Reason)
    $Failed.Add(('{0}: {1}' -f $LongPath.Substring(4), $Reason))
}

function Remove-WcowEntry {
    # A file or a link, read-only attribute cleared first; $true when it went.
    param([string] $LongPath, [uint32] $Attributes, $Failed)
    if (($Attributes -band 0x1) -ne 0) {
        # What SetFileAttributes takes (hidden, system, archive, temporary, offline, not indexed), read-only off.
        $kept = $Attributes -band 0x3126
        if ($kept -eq 0) {
            $kept = 0x80
        }
        $code = [WcowBuildkit.DataTree]::SetAttributes($LongPath, [uint32]$kept)
        if ($code -ne 0) {
            Add-WcowFailure -Failed $Failed -LongPath $LongPath -Reason ([WcowBuildkit.DataTree]::Describe($code))
            return $false
        }
    }
    if (($Attributes -band 0x10) -ne 0) {
        $code = [WcowBuildkit.DataTree]::RemoveDirectory($LongPath)
    }
    else {
        $code = [WcowBuildkit.DataTree]::DeleteFile($LongPath)
    }
    if ($code -ne 0) {
        Add-WcowFailure -Failed $Failed -LongPath $LongPath -Reason ([WcowBuildkit.DataTree]::Describe($code))
        return $false
    }
    $true
}

function Test-WcowLayerFolder {
    # ...\io.containerd.snapshotter.v1.windows\snapshots\<id> (containerd snapshots/windows/windows.go).
    param([string] $LongPath)
    $parts = $LongPath.Split('\')
    $parts.Count -ge 3 -and $parts[-2] -eq 'snapshots' -and $parts[-3] -eq 'io.containerd.snapshotter.v1.windows'
}

function Remove-WcowTree {
    # A folder and everything in it, deepest first; $true when it went. A failure is listed in
    # $Failed and the walk goes on with the rest; a folder that keeps something stays.
    param([string] $LongPath, [uint32] $Attributes, $Failed)
    if (Test-WcowLayerFolder -LongPath $LongPath) {
        $split = $LongPath.LastIndexOf('\')
        $hr = [WcowBuildkit.DataTree]::DestroyLayer($LongPath.Substring(4, $split - 4), $LongPath.Substring($split + 1))
        if ($hr -eq 0) {
            return $true
        }
        if ($hr -ne [WcowBuildkit.DataTree]::NotLoadable) {
            Add-WcowFailure -Failed $Failed -LongPath $LongPath -Reason ('DestroyLayer: {0}' -f [WcowBuildkit.DataTree]::Describe($hr))
            return $false
        }
    }
    $entries = $null
    $code = [WcowBuildkit.DataTree]::List($LongPath, [ref] $entries)
    if ($code -ne 0) {
        Add-WcowFailure -Failed $Failed -LongPath $LongPath -Reason ([WcowBuildkit.DataTree]::Describe($code))
        return $false
    }
    $emptied = $true
    foreach ($entry in $entries) {
        $child = $LongPath + '\' + $entry.Name
        if (($entry.Attributes -band 0x410) -eq 0x10) {
            $gone = Remove-WcowTree -LongPath $child -Attributes $entry.Attributes -Failed $Failed
        }
        else {
            $gone = Remove-WcowEntry -LongPath $child -Attributes $entry.Attributes -Failed $Failed
        }
        if (-not $gone) {
            $emptied = $false
        }
    }
    if (-not $emptied) {
        return $false
    }
    Remove-WcowEntry -LongPath $LongPath -Attributes $Attributes -Failed $Failed
}

function Remove-WcowPath {
    # Removes a file, or a folder and everything in it: @{ existed; failed = 'path: reason' of each entry
    # that could not be removed }. A folder that is itself a link is refused before anything is touched.
    param([string] $Path)
    Initialize-WcowDataTree
    $outcome = @{ existed = $false; failed = (New-Object -TypeName System.Collections.Generic.List[string]) }
    $long = Get-WcowLongPath -Path $Path
    $attributes = [uint32]0
    $code = [WcowBuildkit.DataTree]::Attributes($long, [ref] $attributes)
    if ($code -eq 2 -or $code -eq 3) {
        return $outcome
    }
    $outcome['existed'] = $true
    if ($code -ne 0) {
        Add-WcowFailure -Failed $outcome['failed'] -LongPath $long -Reason ([WcowBuildkit.DataTree]::Describe($code))
        return $outcome
    }
    if (($attributes -band 0x410) -eq 0x410) {
        throw ('{0} is a link (junction or symbolic link) to another folder; it is not removed. Remove it and the data it points to by hand.' -f $Path)
    }
    if (($attributes -band 0x10) -ne 0) {
        $null = Remove-WcowTree -LongPath $long -Attributes $attributes -Failed $outcome['failed']
    }
    else {
        $null = Remove-WcowEntry -LongPath $long -Attributes $attributes -Failed $outcome['failed']
    }
    $outcome
}
