"""What the collection's PowerShell means, checked without Windows (see test_powershell_semantics.py).

The syntax tree comes from tree-sitter-powershell, as in test_powershell_static.py.
Each rule returns Findings (rule, line, message):

- `command`: every command is a function the script or its snippets define
  (called with parameters its param() declares), a command Windows PowerShell
  5.1 exports (called with parameters it has; data/ps51_commands.json, derived
  from PSScriptAnalyzer's data, see data/NOTICE), one of the built-in aliases
  in ALIASES, or a native program in NATIVE_PROGRAMS (the keys of a hashtable
  splatted with `@name` count as parameters); `native`: every `*.exe`
  named in a string or command is in NATIVE_PROGRAMS;
- `variable`: no variable is read before it is assigned in its scope (the
  script, or a function: its parameters and what it assigns; script blocks
  share their parent's), as `Set-StrictMode -Version 1` requires at run time;
- `uint32-cast`: no `[int]` cast of a value read from a CIM/WMI object or a
  scheduled task's result (UINT32 properties: an HRESULT such as 0x8007010B
  does not fit an Int32, and the cast throws);
- `pinvoke`: every `[DllImport]` declaration, whatever its modifiers and
  other attributes, resolves (EntryPoint, CharSet, ExactSpelling) to an export
  in PINVOKE_DECLARATIONS and has its return and parameter types after
  marshalling, the structures it passes laid out as PINVOKE_STRUCTS says, and
  SetLastError = true where the code reads the error GetLastError reports; a
  DllImport or extern this rule cannot read is a finding too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import NamedTuple

from test_powershell_static import Finding, line_of, node_text, parse, walk

DATA = Path(__file__).resolve().parent / 'data'

# The aliases that Windows PowerShell 5.1 defines itself (Microsoft.PowerShell.Core
# about_Aliases; `Get-Alias` on any 5.1 host), of the commands the scripts use.
ALIASES = {
    '%': 'ForEach-Object', 'foreach': 'ForEach-Object', '?': 'Where-Object', 'where': 'Where-Object',
    'select': 'Select-Object', 'sort': 'Sort-Object', 'measure': 'Measure-Object',
}

# The common parameters every cmdlet and advanced function takes, with their
# aliases (about_CommonParameters, Windows PowerShell 5.1).
COMMON_PARAMETERS = {
    'debug': 'db', 'erroraction': 'ea', 'errorvariable': 'ev', 'informationaction': 'infa',
    'informationvariable': 'iv', 'outvariable': 'ov', 'outbuffer': 'ob', 'pipelinevariable': 'pv',
    'verbose': 'vb', 'warningaction': 'wa', 'warningvariable': 'wv',
}

# Programs of Windows the scripts run, each with its documentation. Programs
# this collection installs (containerd.exe, buildkitd.exe, buildctl.exe) are
# run by the path a task gives, never by a name, so they are not listed.
NATIVE_PROGRAMS = {
    'sc.exe': 'https://learn.microsoft.com/windows-server/administration/windows-commands/sc-config',
    'shutdown.exe': 'https://learn.microsoft.com/windows-server/administration/windows-commands/shutdown',
    'tar.exe': 'https://learn.microsoft.com/virtualization/community/team-blog/2017/20171219-tar-and-curl-come-to-windows',
    'cmd.exe': 'https://learn.microsoft.com/windows-server/administration/windows-commands/cmd',
    'powershell.exe': 'https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_powershell_exe',
}
_EXE = re.compile(r'(?i)(?<![\w.-])([\w.-]+\.exe)\b')

# Commands whose objects come from CIM/WMI or the Task Scheduler.
CIM_COMMANDS = frozenset({
    'get-ciminstance', 'get-wmiobject', 'invoke-cimmethod', 'get-scheduledtaskinfo', 'get-scheduledtask',
})
# Their UInt32 properties that the scripts read: MSFT_TaskDynamicInfo.LastTaskResult
# (Get-ScheduledTaskInfo); Win32_Service ExitCode, ServiceSpecificExitCode,
# ProcessId, CheckPoint, WaitHint; Win32_OperatingSystem ProductType; the
# ReturnValue of a CIM method (Microsoft Learn, the classes' MOF declarations).
# LastTaskResult is recognised wherever it comes from: only tasks have it.
UINT32_PROPERTIES = frozenset({
    'lasttaskresult', 'exitcode', 'servicespecificexitcode', 'processid', 'checkpoint', 'waithint', 'producttype',
    'returnvalue',
})
ALWAYS_UINT32 = frozenset({'lasttaskresult'})
INT32_TYPES = frozenset({'int', 'int32', 'system.int32'})

# Windows PowerShell's automatic and preference variables that a script may
# read without assigning them (about_Automatic_Variables, about_Preference_Variables).
AUTOMATIC = frozenset({
    '_', 'psitem', 'null', 'true', 'false', 'args', 'input', 'this', 'error', 'lastexitcode', 'matches',
    'host', 'pid', 'pwd', 'home', 'psversiontable', 'executioncontext', 'myinvocation', 'pscmdlet',
    'psboundparameters', 'psscriptroot', 'pscommandpath', '?', '^', '$', 'erroractionpreference',
    'progresspreference', 'verbosepreference', 'warningpreference', 'confirmpreference', 'ofs',
})
# What the bootstrap (plugins/plugin_utils/powershell/bootstrap.ps1) sets before it
# dot-sources an operation.
SET_BY_BOOTSTRAP = frozenset({'params', 'wcowhostlock'})


# The P/Invoke declarations allowed: (dll, exported function) -> Upstream. A
# declaration is looked up by its EntryPoint, else its method name, as the
# runtime resolves it (DllImportAttribute.ExactSpelling, false by default in C#:
# with CharSet.Unicode the name with W appended, then the name; otherwise the
# name, then with A appended). Types are compared after marshalling: 'wstring'
# a UTF-16 string (a string with CharSet.Unicode or MarshalAs LPWStr), 'string'
# an ANSI one; 'intptr' and 'uintptr' pointer-sized values (IntPtr, UIntPtr);
# 'bool' the 32-bit Win32 BOOL (a C# bool, unless MarshalAs I1/U1 makes it one
# byte: 'bool8'); a structure by its upstream name in PINVOKE_STRUCTS, whose
# fields are compared. An HRESULT may be declared int or uint. last_error: the
# function reports a failure through GetLastError, so a declaration in code
# that reads Marshal.GetLastWin32Error needs SetLastError = true (without it the
# runtime does not keep the function's error, and what is read is a stale one,
# 0 included: a failure taken for a success).
class Upstream(NamedTuple):
    returns: tuple[str, ...]
    parameters: list[tuple[str, str]]
    last_error: bool
    source: str


_WIN32_DOCS = 'https://learn.microsoft.com/windows/win32/api/'
PINVOKE_DECLARATIONS = {
    ('vmcompute.dll', 'HNSCall'): Upstream(
        ('int', 'uint'), [('in', 'wstring'), ('in', 'wstring'), ('in', 'wstring'), ('out', 'wstring')], False,
        'microsoft/hcsshim internal/hns/hns.go: `//sys _hnsCall(method string, path string, object string, '
        'response **uint16) (hr error) = vmcompute.HNSCall?` (UTF-16 strings, returns an HRESULT)'),
    ('vmcompute.dll', 'DestroyLayer'): Upstream(
        ('int', 'uint'), [('ref', 'DriverInfo'), ('in', 'wstring')], False,
        'microsoft/hcsshim internal/wclayer/wclayer.go: `//sys destroyLayer(info *driverInfo, id string) (hr error) = '
        'vmcompute.DestroyLayer?`; zsyscall_windows.go passes id as UTF-16 (syscall.UTF16PtrFromString) and takes '
        'the return value as the HRESULT'),
    ('user32.dll', 'SendMessageTimeoutW'): Upstream(
        ('intptr', 'uintptr'), [('in', 'intptr'), ('in', 'uint'), ('in', 'uintptr'), ('in', 'wstring'), ('in', 'uint'),
                                ('in', 'uint'), ('out', 'uintptr')], True,
        'Win32 docs, winuser.h SendMessageTimeoutW: LRESULT SendMessageTimeoutW(HWND hWnd, UINT Msg, WPARAM wParam, '
        'LPARAM lParam, UINT fuFlags, UINT uTimeout, PDWORD_PTR lpdwResult); lParam carries a string for '
        'WM_SETTINGCHANGE; 0 and GetLastError on failure (%swinuser/nf-winuser-sendmessagetimeoutw)' % _WIN32_DOCS),
    ('winhttp.dll', 'WinHttpGetDefaultProxyConfiguration'): Upstream(
        ('bool',), [('ref', 'WINHTTP_PROXY_INFO')], True,
        'Win32 docs, winhttp.h: BOOL WinHttpGetDefaultProxyConfiguration(WINHTTP_PROXY_INFO *pProxyInfo) '
        '(%swinhttp/nf-winhttp-winhttpgetdefaultproxyconfiguration)' % _WIN32_DOCS),
    ('kernel32.dll', 'GlobalFree'): Upstream(
        ('intptr',), [('in', 'intptr')], True,
        'Win32 docs, winbase.h: HGLOBAL GlobalFree(HGLOBAL hMem); frees the strings of WINHTTP_PROXY_INFO '
        '(%swinbase/nf-winbase-globalfree)' % _WIN32_DOCS),
    ('kernel32.dll', 'FindFirstFileW'): Upstream(
        ('intptr',), [('in', 'wstring'), ('out', 'WIN32_FIND_DATAW')], True,
        'Win32 docs, fileapi.h: HANDLE FindFirstFileW(LPCWSTR lpFileName, LPWIN32_FIND_DATAW lpFindFileData); '
        'INVALID_HANDLE_VALUE and GetLastError on failure (%sfileapi/nf-fileapi-findfirstfilew)' % _WIN32_DOCS),
    ('kernel32.dll', 'FindNextFileW'): Upstream(
        ('bool',), [('in', 'intptr'), ('out', 'WIN32_FIND_DATAW')], True,
        'Win32 docs, fileapi.h: BOOL FindNextFileW(HANDLE hFindFile, LPWIN32_FIND_DATAW lpFindFileData); FALSE and '
        'GetLastError ERROR_NO_MORE_FILES at the end (%sfileapi/nf-fileapi-findnextfilew)' % _WIN32_DOCS),
    ('kernel32.dll', 'FindClose'): Upstream(
        ('bool',), [('in', 'intptr')], True,
        'Win32 docs, fileapi.h: BOOL FindClose(HANDLE hFindFile) (%sfileapi/nf-fileapi-findclose)' % _WIN32_DOCS),
    ('kernel32.dll', 'GetFileAttributesW'): Upstream(
        ('uint',), [('in', 'wstring')], True,
        'Win32 docs, fileapi.h: DWORD GetFileAttributesW(LPCWSTR lpFileName); INVALID_FILE_ATTRIBUTES and '
        'GetLastError on failure (%sfileapi/nf-fileapi-getfileattributesw)' % _WIN32_DOCS),
    ('kernel32.dll', 'SetFileAttributesW'): Upstream(
        ('bool',), [('in', 'wstring'), ('in', 'uint')], True,
        'Win32 docs, fileapi.h: BOOL SetFileAttributesW(LPCWSTR lpFileName, DWORD dwFileAttributes) '
        '(%sfileapi/nf-fileapi-setfileattributesw)' % _WIN32_DOCS),
    ('kernel32.dll', 'DeleteFileW'): Upstream(
        ('bool',), [('in', 'wstring')], True,
        'Win32 docs, fileapi.h: BOOL DeleteFileW(LPCWSTR lpFileName) (%sfileapi/nf-fileapi-deletefilew)' % _WIN32_DOCS),
    ('kernel32.dll', 'CreateFileW'): Upstream(
        ('intptr',), [('in', 'wstring'), ('in', 'uint'), ('in', 'uint'), ('in', 'intptr'), ('in', 'uint'), ('in', 'uint'),
                      ('in', 'intptr')], True,
        'Win32 docs, fileapi.h: HANDLE CreateFileW(LPCWSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode, '
        'LPSECURITY_ATTRIBUTES lpSecurityAttributes, DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes, '
        'HANDLE hTemplateFile); INVALID_HANDLE_VALUE and GetLastError on failure '
        '(%sfileapi/nf-fileapi-createfilew)' % _WIN32_DOCS),
    ('kernel32.dll', 'CloseHandle'): Upstream(
        ('bool',), [('in', 'intptr')], True,
        'Win32 docs, handleapi.h: BOOL CloseHandle(HANDLE hObject) (%shandleapi/nf-handleapi-closehandle)' % _WIN32_DOCS),
    ('kernel32.dll', 'GetFinalPathNameByHandleW'): Upstream(
        ('uint',), [('in', 'intptr'), ('in', 'wstring'), ('in', 'uint'), ('in', 'uint')], True,
        'Win32 docs, fileapi.h: DWORD GetFinalPathNameByHandleW(HANDLE hFile, LPWSTR lpszFilePath, DWORD cchFilePath, '
        'DWORD dwFlags); 0 and GetLastError on failure, the size needed when the buffer is too small '
        '(%sfileapi/nf-fileapi-getfinalpathnamebyhandlew)' % _WIN32_DOCS),
    ('kernel32.dll', 'GetFileInformationByHandleEx'): Upstream(
        ('bool',), [('in', 'intptr'), ('in', 'int'), ('out', 'FILE_ID_INFO'), ('in', 'uint')], True,
        'Win32 docs, winbase.h: BOOL GetFileInformationByHandleEx(HANDLE hFile, FILE_INFO_BY_HANDLE_CLASS '
        'FileInformationClass, LPVOID lpFileInformation, DWORD dwBufferSize); the class an enum, FileIdInfo = 18 '
        '(%swinbase/nf-winbase-getfileinformationbyhandleex, minwinbase/ne-minwinbase-file_info_by_handle_class)'
        % _WIN32_DOCS),
    ('kernel32.dll', 'RemoveDirectoryW'): Upstream(
        ('bool',), [('in', 'wstring')], True,
        'Win32 docs, fileapi.h: BOOL RemoveDirectoryW(LPCWSTR lpPathName) '
        '(%sfileapi/nf-fileapi-removedirectoryw)' % _WIN32_DOCS),
}

# The structures the declarations take, field by field as laid out: 'dword' a
# 32-bit integer (C# int or uint; an enum of C is one), 'intptr' a pointer-sized
# value, 'wstring' a pointer to a UTF-16 string (a string field of a
# CharSet.Unicode structure, or MarshalAs LPWStr), 'wchar[N]' N UTF-16
# characters in place (MarshalAs ByValTStr, SizeConst = N, CharSet.Unicode). A
# C# struct is sequential unless its StructLayout says otherwise.
PINVOKE_STRUCTS = {
    'WIN32_FIND_DATAW': (
        ['dword'] * 11 + ['wchar[260]', 'wchar[14]'],
        'Win32 docs, minwinbase.h: DWORD dwFileAttributes; FILETIME ftCreationTime, ftLastAccessTime, ftLastWriteTime '
        '(two DWORDs each); DWORD nFileSizeHigh, nFileSizeLow, dwReserved0, dwReserved1; WCHAR cFileName[MAX_PATH]; '
        'WCHAR cAlternateFileName[14]; the fields after it exist on the Macintosh only '
        '(%sminwinbase/ns-minwinbase-win32_find_dataw)' % _WIN32_DOCS),
    'WINHTTP_PROXY_INFO': (
        ['dword', 'intptr', 'intptr'],
        'Win32 docs, winhttp.h: DWORD dwAccessType; LPWSTR lpszProxy; LPWSTR lpszProxyBypass; strings the caller '
        'frees with GlobalFree, so read as pointers (%swinhttp/ns-winhttp-winhttp_proxy_info)' % _WIN32_DOCS),
    'FILE_ID_INFO': (
        ['qword', 'qword', 'qword'],
        'Win32 docs, winbase.h: ULONGLONG VolumeSerialNumber; FILE_ID_128 FileId (BYTE Identifier[16], read as two '
        '64-bit halves) (%swinbase/ns-winbase-file_id_info)' % _WIN32_DOCS),
    'DriverInfo': (
        ['dword', 'wstring'],
        'microsoft/hcsshim internal/wclayer/layerutils.go: struct DriverInfo { GraphDriverType Flavour; '
        'LPCWSTR HomeDir; } (GraphDriverType an enum: DiffDriver, FilterDriver)'),
}


def load_ps51_commands() -> dict[str, tuple[str, frozenset[str]]]:
    """{lower-case name: (name, lower-case parameter names)} of Windows PowerShell 5.1."""
    commands = json.loads((DATA / 'ps51_commands.json').read_text(encoding='utf-8'))
    return {name.lower(): (name, frozenset(p.lower() for p in parameters)) for name, parameters in commands.items()}


PS51 = load_ps51_commands()


# --- functions and their parameters ------------------------------------------------------

def _variable_name(node) -> str:
    """'$Params' -> 'params', '${x}' -> 'x', '@splat' -> 'splat', '$env:Path' -> 'env:path'."""
    text = node_text(node).lstrip('$@')
    if text.startswith('{') and text.endswith('}'):
        text = text[1:-1]
    return text.lower()


def _parameters_of(function) -> list[str]:
    return [_variable_name(v) for p in walk(function) if p.type == 'script_parameter'
            for v in p.children if v.type == 'variable']


def defined_functions(root) -> dict[str, frozenset[str]]:
    """{lower-case function name: its parameter names} of every `function` statement."""
    functions = {}
    for node in walk(root):
        if node.type == 'function_statement':
            name = next(c for c in node.children if c.type == 'function_name')
            functions[node_text(name).lower()] = frozenset(_parameters_of(node))
    return functions


def _command_name(command):
    for child in command.children:
        if child.type == 'command_name':
            return node_text(child)
        if child.type == 'command_name_expr':
            return None if any(c.type == 'variable' for c in walk(child)) else node_text(child)
    return None


def _given_parameters(command) -> list:
    elements = next((c for c in command.children if c.type == 'command_elements'), None)
    return [c for c in elements.children if c.type == 'command_parameter'] if elements is not None else []


def _matches(given: str, parameters: frozenset[str]) -> bool:
    """Whether -given names one of parameters: exactly, or as a prefix of only one."""
    if given in parameters or given in COMMON_PARAMETERS.values():
        return True
    candidates = [p for p in parameters | frozenset(COMMON_PARAMETERS) if p.startswith(given)]
    return len(candidates) == 1


def splatted_keys(root) -> dict[str, set[str]]:
    """{variable: keys} of hashtables built for splatting: `$v = @{ Key = ... }`, then `$v.Key = ...`."""
    keys: dict[str, set[str]] = {}
    for node in walk(root):
        if node.type != 'assignment_expression':
            continue
        target = node_text(node.children[0]).strip()
        value = node.children[-1]
        literal = next((h for h in walk(value) if h.type == 'hash_literal_expression'), None)
        if re.fullmatch(r'\$\w+', target) and literal is not None and node_text(value).strip().startswith('@{'):
            keys.setdefault(target[1:].lower(), set()).update(
                node_text(k).strip('\'" ') for k in walk(literal) if k.type == 'key_expression' and k.parent.parent ==
                next(c for c in literal.children if c.type == 'hash_literal_body'))
            continue
        member = re.fullmatch(r'\$(\w+)\.(\w+)', target)
        if member and member.group(1).lower() in keys:
            keys[member.group(1).lower()].add(member.group(2))
    return keys


def command_findings(root, functions: dict[str, frozenset[str]]) -> list[Finding]:
    findings = []
    splats = splatted_keys(root)
    for node in walk(root):
        if node.type != 'command':
            continue
        name = _command_name(node)
        if name is None:
            continue  # & $variable: the program is a value, checked where it is named
        lower = ALIASES.get(name.lower(), name).lower()
        if lower in functions:
            parameters, where = functions[lower], 'function %s' % name
            common = frozenset()  # the scripts' functions are not advanced functions
        elif lower in PS51:
            (name, parameters), where = PS51[lower], 'Windows PowerShell 5.1 %s' % PS51[lower][0]
            common = frozenset(COMMON_PARAMETERS)
        elif lower.endswith('.exe') or lower in {p[:-4] for p in NATIVE_PROGRAMS}:
            if lower not in NATIVE_PROGRAMS and lower + '.exe' not in NATIVE_PROGRAMS:
                findings.append(Finding('native', line_of(node), 'native program %r is not in NATIVE_PROGRAMS' % name))
            continue
        else:
            findings.append(Finding('command', line_of(node), '%r is neither defined in the script or its snippets nor '
                                    'a Windows PowerShell 5.1 command' % name))
            continue
        given = [(node_text(p).lstrip('-').split(':')[0], p) for p in _given_parameters(node)]
        for splat in (v for v in walk(node) if v.type == 'variable' and node_text(v).startswith('@')):
            given += [(key, splat) for key in sorted(splats.get(_variable_name(splat), ()))]
        for parameter, where_given in given:
            if not _matches(parameter.lower(), parameters | common):
                findings.append(Finding('command', line_of(where_given), '%s has no parameter -%s' % (where, parameter)))
    return findings


def native_findings(root) -> list[Finding]:
    findings = []
    for node in walk(root):
        if node.type in ('string_literal', 'generic_token', 'command_name'):
            for match in _EXE.finditer(node_text(node)):
                if match.group(1).lower() not in NATIVE_PROGRAMS:
                    findings.append(Finding('native', line_of(node), 'native program %r is not in NATIVE_PROGRAMS'
                                            % match.group(1)))
    return findings


# --- variables read before they are assigned ----------------------------------------------------

_SIMPLE_TARGET = re.compile(r'^(?:\[[^\]]+\]\s*)*[$@]\{?[\w:]+\}?$')


class _Scope:
    def __init__(self, assigned):
        self.assigned = set(assigned)


def _top_level_assigned(root) -> set[str]:
    """Variables the script assigns outside its functions (a function called from there sees them)."""
    assigned = set()

    def visit(node):
        if node.type == 'function_statement':
            return
        if node.type == 'assignment_expression':
            assigned.update(_variable_name(v) for v in walk(node.children[0]) if v.type == 'variable')
        for child in node.children:
            visit(child)

    visit(root)
    return assigned


def variable_findings(root, preset=frozenset()) -> list[Finding]:
    """Reads of variables not assigned before, in source order, in each scope.

    A function starts with its parameters and the variables the script
    assigns at its top level (PowerShell's dynamic scoping: the caller's
    variables are visible); it does not see what other functions assign.
    """
    findings = []
    outer = _top_level_assigned(root) | set(preset)

    def read(node, scope):
        name = _variable_name(node)
        if ':' in name or name in AUTOMATIC or name in scope.assigned:
            return
        findings.append(Finding('variable', line_of(node), '%s is read before it is assigned' % node_text(node)))

    def visit(node, scope):
        kind = node.type
        if kind == 'function_statement':
            inner = _Scope(set(_parameters_of(node)) | outer)
            for child in node.children:
                visit(child, inner)
            return
        if kind == 'param_block':
            scope.assigned.update(_parameters_of(node))
        if kind == 'script_parameter':
            for child in node.children:
                if child.type != 'variable':
                    visit(child, scope)
            return
        if kind == 'assignment_expression':
            target = node.children[0]
            operator = next((c for c in node.children if c.type == 'assignement_operator'), None)  # sic
            if operator is not None and node_text(operator).strip() != '=':
                visit(target, scope)  # $x += 1 reads $x
            for child in node.children[1:]:
                visit(child, scope)
            text = node_text(target).strip()
            simple = [v for v in walk(target) if v.type == 'variable']
            if _SIMPLE_TARGET.match(text) or all(_SIMPLE_TARGET.match(p.strip()) for p in text.split(',')):
                scope.assigned.update(_variable_name(v) for v in simple)
            else:
                visit(target, scope)
            return
        if kind == 'foreach_statement':
            loop_variable = next(c for c in node.children if c.type == 'variable')
            for child in node.children:
                if child.type in ('pipeline',):
                    visit(child, scope)
            scope.assigned.add(_variable_name(loop_variable))
            for child in node.children:
                if child.type == 'statement_block':
                    visit(child, scope)
            return
        if kind == 'cast_expression' and node_text(node.children[0]).replace(' ', '').lower() == '[ref]':
            for variable in (c for c in node.children if c.type == 'unary_expression'):
                for v in walk(variable):
                    if v.type == 'variable':
                        scope.assigned.add(_variable_name(v))
            return
        if kind == 'variable':
            read(node, scope)
            return
        for child in node.children:
            visit(child, scope)

    visit(root, _Scope(preset))
    return findings


# --- [int] casts of UInt32 values ---------------------------------------------------------------------

def _root_variable(node) -> str | None:
    """'$svc' of `$svc.ExitCode` or `@($svc | ...)`: the variable a value starts with."""
    text = node_text(node).lstrip('@( \t')
    match = re.match(r'\$(\w+)', text)
    return match.group(1).lower() if match else None


def _uint32_sources(root) -> tuple[set[str], set[str]]:
    """Variables holding CIM/WMI or task objects, and variables holding one of their UInt32 values."""
    objects, values = set(), set()
    for node in walk(root):
        if node.type == 'assignment_expression':
            value = node.children[-1]
            targets = {_variable_name(v) for v in walk(node.children[0]) if v.type == 'variable'}
            from_cim = (bool({(_command_name(c) or '').lower() for c in walk(value) if c.type == 'command'} & CIM_COMMANDS)
                        or _root_variable(value) in objects)
            members = {node_text(m).lower() for m in walk(value) if m.type == 'member_name'}
            if (from_cim and members & UINT32_PROPERTIES) or members & ALWAYS_UINT32 or _root_variable(value) in values:
                values.update(targets)
            elif from_cim:
                objects.update(targets)
        elif node.type == 'foreach_statement':
            collection = next(c for c in node.children if c.type == 'pipeline')
            if _root_variable(collection) in objects:
                objects.add(_variable_name(next(c for c in node.children if c.type == 'variable')))
    return objects, values


def uint32_cast_findings(root) -> list[Finding]:
    objects, values = _uint32_sources(root)
    findings = []
    for node in walk(root):
        if node.type != 'cast_expression':
            continue
        type_name = node_text(node.children[0]).strip('[] ').lower()
        if type_name not in INT32_TYPES:
            continue
        operand = node.children[-1]
        members = {node_text(m).lower() for m in walk(operand) if m.type == 'member_name'}
        from_cim = (_root_variable(operand) in objects
                    or {(_command_name(c) or '').lower() for c in walk(operand) if c.type == 'command'} & CIM_COMMANDS)
        if (from_cim and members & UINT32_PROPERTIES) or members & ALWAYS_UINT32 or (
                not members and _root_variable(operand) in values):
            findings.append(Finding('uint32-cast', line_of(node), '[int] cast of %s, a UInt32 of CIM/WMI or the Task '
                                    'Scheduler: values above 0x7FFFFFFF (HRESULTs) make it throw; use [long] or '
                                    '[uint32]' % node_text(operand)))
    return findings


# --- P/Invoke ----------------------------------------------------------------------------------------------

# A declaration: [DllImport(...)], any other attributes ([return: MarshalAs(...)], ...), any
# modifiers, the return type, the name and the parameters. A DllImport or an `extern` this does
# not read is a finding of its own, so that no declaration goes unchecked.
DLLIMPORT = re.compile(
    r'\[\s*(?:System\.Runtime\.InteropServices\.)?DllImport(?:Attribute)?\s*\((?P<attributes>[^\]]*)\)\s*\]'
    r'(?P<more>(?:\s*\[[^\]]*\])*)'
    r'\s*(?P<modifiers>(?:(?:public|private|internal|protected|static|extern|unsafe|new)\s+)+)'
    r'(?P<returns>[\w.]+)\s+(?P<name>\w+)\s*\((?P<parameters>[^;{}]*?)\)\s*;', re.DOTALL)
_STRUCT = re.compile(
    r'(?:\[\s*StructLayout\s*\((?P<layout>[^\]]*)\)\s*\]\s*)?(?:(?:public|private|internal|protected|unsafe)\s+)*'
    r'struct\s+(?P<name>\w+)\s*\{(?P<body>[^{}]*)\}')
_MARSHAL_AS = re.compile(r'MarshalAs\s*\(\s*(?:UnmanagedType\.)?(?P<kind>\w+)(?:[^)]*?SizeConst\s*=\s*(?P<size>\d+))?')
_WIDE = re.compile(r'CharSet\s*=\s*(?:System\.Runtime\.InteropServices\.)?CharSet\.(?:Unicode|Auto)\b')
_TRUE = r'\s*=\s*true\b'
_TYPE_ALIASES = {
    'intptr': 'intptr', 'system.intptr': 'intptr', 'uintptr': 'uintptr', 'system.uintptr': 'uintptr',
    'int32': 'int', 'system.int32': 'int', 'uint32': 'uint', 'system.uint32': 'uint',
    'boolean': 'bool', 'system.boolean': 'bool', 'system.string': 'string', 'stringbuilder': 'string',
    'system.text.stringbuilder': 'string',
}
_FIELD_KINDS = {'int': 'dword', 'uint': 'dword', 'intptr': 'intptr', 'uintptr': 'intptr', 'long': 'qword',
                'ulong': 'qword', 'short': 'word', 'ushort': 'word', 'byte': 'byte', 'sbyte': 'byte'}


def _marshalled(type_name: str, attributes: str, wide: bool) -> str:
    """A parameter's, return value's or field's type as marshalled (see PINVOKE_DECLARATIONS)."""
    type_name = _TYPE_ALIASES.get(type_name.lower(), type_name.lower())
    marshal = _MARSHAL_AS.search(attributes)
    kind = marshal.group('kind') if marshal else ''
    if type_name == 'string':
        if kind == 'ByValTStr':
            return '%s[%s]' % ('wchar' if wide else 'char', marshal.group('size'))
        return 'wstring' if kind == 'LPWStr' or (wide and kind not in ('LPStr', 'LPTStr')) else 'string'
    if type_name == 'bool' and kind in ('I1', 'U1'):
        return 'bool8'
    return type_name


def struct_layouts(text: str) -> dict[str, list[str]]:
    """{lower-case name: field kinds (PINVOKE_STRUCTS)} of every C# struct in text; a layout other than
    sequential, or a Pack, comes first as 'layout ...', so that it never equals an upstream one."""
    layouts = {}
    for match in _STRUCT.finditer(text):
        layout = match.group('layout') or ''
        wide = bool(_WIDE.search(layout))
        fields = ['layout %s' % ' '.join(layout.split())] if (
            re.search(r'LayoutKind\.(?!Sequential\b)', layout) or 'Pack' in layout) else []
        for declaration in match.group('body').split(';'):
            words = re.sub(r'\[[^\]]*\]', ' ', declaration).replace(',', ' , ').split()
            words = [w for w in words if w not in ('public', 'private', 'internal', 'protected', 'readonly')]
            if not words or 'static' in words or 'const' in words:
                continue
            kind = _marshalled(words[0], declaration, wide)
            fields += [_FIELD_KINDS.get(kind, kind)] * (1 + words.count(','))
        layouts[match.group('name').lower()] = fields
    return layouts


def _pinvoke_parameter(text: str, wide: bool) -> tuple[str, str]:
    words = re.sub(r'\[[^\]]*\]', ' ', text).split()
    direction = words[0] if words[0] in ('out', 'ref') else 'in'
    return direction, _marshalled(words[1] if direction != 'in' else words[0], text, wide)


def _upstream_of(dll: str, name: str, attributes: str, wide: bool):
    entry = re.search(r'EntryPoint\s*=\s*"([^"]+)"', attributes)
    name = entry.group(1) if entry else name
    names = [name]
    if not re.search(r'ExactSpelling' + _TRUE, attributes):
        names = [name + 'W', name] if wide else [name, name + 'A']
    return next(((dll, n) for n in names if (dll, n) in PINVOKE_DECLARATIONS), (dll, name))


def _parameter_findings(key, declared, upstream: Upstream, structs) -> list[str]:
    """Why the declared parameters are not the upstream ones; a structure is compared field by field."""
    def shown(parameters):
        return ', '.join('%s %s' % p if p[0] != 'in' else p[1] for p in parameters)

    same = len(declared) == len(upstream.parameters) and all(
        d[0] == u[0] and (d[1] == u[1] or (u[1] in PINVOKE_STRUCTS and structs.get(d[1]) == PINVOKE_STRUCTS[u[1]][0]))
        for d, u in zip(declared, upstream.parameters))
    if same:
        return []
    problems = ['%s takes (%s); expected (%s); upstream: %s' % (key[1], shown(declared), shown(upstream.parameters),
                                                                upstream.source)]
    for d, u in zip(declared, upstream.parameters):
        if u[1] in PINVOKE_STRUCTS and d[1] in structs and structs[d[1]] != PINVOKE_STRUCTS[u[1]][0]:
            problems.append('struct %s is laid out as %s; %s is %s; upstream: %s' % (
                d[1], structs[d[1]], u[1], PINVOKE_STRUCTS[u[1]][0], PINVOKE_STRUCTS[u[1]][1]))
    return problems


def _line(text: str, offset: int) -> int:
    return text[:offset].count('\n') + 1


def pinvoke_findings(text: str) -> list[Finding]:
    findings = []
    structs = struct_layouts(text)
    reads_last_error = 'GetLastWin32Error' in text
    read = []
    for match in DLLIMPORT.finditer(text):
        read.append(match.span())
        line = _line(text, match.start())
        attributes = match.group('attributes')
        dll = re.match(r'\s*"([^"]+)"', attributes)
        dll = dll.group(1).lower() if dll else ''
        dll = dll if not dll or dll.endswith('.dll') else dll + '.dll'
        wide = bool(_WIDE.search(attributes))
        key = _upstream_of(dll, match.group('name'), attributes, wide)
        modifiers = match.group('modifiers').split()
        if 'static' not in modifiers or 'extern' not in modifiers:
            findings.append(Finding('pinvoke', line, '%s is not declared static extern' % match.group('name')))
        if key not in PINVOKE_DECLARATIONS:
            findings.append(Finding('pinvoke', line, '%s!%s is not in PINVOKE_DECLARATIONS (add it there with its '
                                    'upstream declaration)' % key))
            continue
        upstream = PINVOKE_DECLARATIONS[key]
        declared = [_pinvoke_parameter(p, wide) for p in re.split(r',(?![^\[]*\])', match.group('parameters'))
                    if p.strip()]
        returned = _marshalled(match.group('returns'), re.sub(r'(?s).*\[\s*return\s*:', '', match.group('more'))
                               if 'return' in match.group('more') else '', wide)
        if returned not in upstream.returns:
            findings.append(Finding('pinvoke', line, '%s returns %s (%s); upstream: %s'
                                    % (key[1], match.group('returns'), returned, upstream.source)))
        findings += [Finding('pinvoke', line, problem) for problem in _parameter_findings(key, declared, upstream, structs)]
        if upstream.last_error and reads_last_error and not re.search(r'SetLastError' + _TRUE, attributes):
            findings.append(Finding('pinvoke', line, '%s reports failures through GetLastError and the code reads '
                                    'Marshal.GetLastWin32Error: declare it with SetLastError = true' % key[1]))
    for word in re.finditer(r'\bDllImport\b|\bextern\b', text):
        if not any(word.start() in range(start, end) for start, end in read):
            findings.append(Finding('pinvoke', _line(text, word.start()),
                                    '%s in a declaration the pinvoke rule cannot read: write it as [DllImport(...)], '
                                    'other attributes, modifiers with static extern, the return type, the name and '
                                    'the parameters, ending with ;' % word.group()))
    return findings


def check_semantics(text: str, functions: dict[str, frozenset[str]], preset=frozenset()) -> list[Finding]:
    """All rules above on one script; functions: those its snippets define too."""
    root = parse(text).root_node
    functions = {**functions, **defined_functions(root)}
    return (command_findings(root, functions) + native_findings(root) + variable_findings(root, preset)
            + uint32_cast_findings(root) + pinvoke_findings(text))
