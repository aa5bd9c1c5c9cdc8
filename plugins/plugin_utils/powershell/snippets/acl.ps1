# wcow.buildkit snippet: acl
# The protected DACL of what the daemons read or run (docs/windows-facts.md#protected-dacls):
# owner BUILTIN\Administrators, SYSTEM and Administrators full control, BUILTIN\Users read and
# execute when asked, nothing inherited. Accounts by well-known SID, never by their (localized)
# names. The .NET FileSecurity/DirectorySecurity calls are used instead of Set-Acl, which writes
# back the owner it read and fails with "The security identifier is not allowed to be the owner of
# this object" when that owner is not the caller (ansible/ansible#20555).

function New-WcowProtectedSecurity {
    param([bool] $Directory, [bool] $UsersRead)
    if ($Directory) {
        $security = New-Object -TypeName System.Security.AccessControl.DirectorySecurity
        $inherit = [System.Security.AccessControl.InheritanceFlags]'ContainerInherit, ObjectInherit'
    }
    else {
        $security = New-Object -TypeName System.Security.AccessControl.FileSecurity
        $inherit = [System.Security.AccessControl.InheritanceFlags]::None
    }
    $administrators = New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-32-544'
    $grants = @(
        @($administrators, [System.Security.AccessControl.FileSystemRights]::FullControl),
        @((New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-18'), [System.Security.AccessControl.FileSystemRights]::FullControl)
    )
    if ($UsersRead) {
        $grants += , @((New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-32-545'), [System.Security.AccessControl.FileSystemRights]::ReadAndExecute)
    }
    $security.SetAccessRuleProtection($true, $false)
    $security.SetOwner($administrators)
    foreach ($grant in $grants) {
        $rule = New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList @(
            $grant[0], $grant[1], $inherit, [System.Security.AccessControl.PropagationFlags]::None,
            [System.Security.AccessControl.AccessControlType]::Allow)
        $security.AddAccessRule($rule)
    }
    $security
}

function Set-WcowProtectedAcl {
    # Replaces the owner and DACL of an existing file or folder.
    param([string] $Path, [bool] $UsersRead)
    if ([IO.Directory]::Exists($Path)) {
        [IO.Directory]::SetAccessControl($Path, (New-WcowProtectedSecurity -Directory $true -UsersRead $UsersRead))
    }
    else {
        [IO.File]::SetAccessControl($Path, (New-WcowProtectedSecurity -Directory $false -UsersRead $UsersRead))
    }
}

function New-WcowProtectedDirectory {
    # Creates a missing folder with the protected DACL from the start (Directory.CreateDirectory with a
    # DirectorySecurity), its missing parents as New-Item does; an existing folder gets the DACL set.
    param([string] $Path, [bool] $UsersRead)
    if ([IO.Directory]::Exists($Path)) {
        Set-WcowProtectedAcl -Path $Path -UsersRead $UsersRead
        return
    }
    $parent = [IO.Path]::GetDirectoryName($Path)
    if ($parent -and -not [IO.Directory]::Exists($parent)) {
        $null = New-Item -ItemType Directory -Path $parent -Force
    }
    $null = [IO.Directory]::CreateDirectory($Path, (New-WcowProtectedSecurity -Directory $true -UsersRead $UsersRead))
}

function Get-WcowSecurity {
    # The owner and DACL (SDDL) of a path, $null when nothing is there.
    param([string] $Path)
    $sections = [System.Security.AccessControl.AccessControlSections]'Owner, Access'
    if ([IO.Directory]::Exists($Path)) {
        $sddl = [IO.Directory]::GetAccessControl($Path, $sections).GetSecurityDescriptorSddlForm($sections)
        return @{ path = $Path; exists = $true; directory = $true; sddl = $sddl }
    }
    if ([IO.File]::Exists($Path)) {
        $sddl = [IO.File]::GetAccessControl($Path, $sections).GetSecurityDescriptorSddlForm($sections)
        return @{ path = $Path; exists = $true; directory = $false; sddl = $sddl }
    }
    @{ path = $Path; exists = $false; directory = $false; sddl = $null }
}
