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
- `pinvoke`: every `[DllImport]` declaration has the return and parameter
  types of its upstream declaration in PINVOKE_DECLARATIONS.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

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
SET_BY_BOOTSTRAP = frozenset({'params'})

# The P/Invoke declarations allowed: (dll, function) -> the return type, the
# parameters (direction and type, after marshalling: a string is passed as
# UTF-16, by MarshalAs LPWStr or CharSet.Unicode) and the upstream declaration
# they follow. An HRESULT may be declared int or uint, a handle or pointer-sized
# value IntPtr or UIntPtr.
PINVOKE_DECLARATIONS = {
    ('vmcompute.dll', 'HNSCall'): (
        ('int', 'uint'), [('in', 'wstring'), ('in', 'wstring'), ('in', 'wstring'), ('out', 'wstring')],
        'microsoft/hcsshim internal/hns/hns.go: `//sys _hnsCall(method string, path string, object string, '
        'response **uint16) (hr error) = vmcompute.HNSCall?` (UTF-16 strings, returns an HRESULT)'),
    ('user32.dll', 'SendMessageTimeout'): (
        ('intptr', 'uintptr'), [('in', 'intptr'), ('in', 'uint'), ('in', 'uintptr'), ('in', 'wstring'), ('in', 'uint'),
                                ('in', 'uint'), ('out', 'uintptr')],
        'Win32 docs, winuser.h SendMessageTimeoutW: LRESULT SendMessageTimeoutW(HWND hWnd, UINT Msg, WPARAM wParam, '
        'LPARAM lParam, UINT fuFlags, UINT uTimeout, PDWORD_PTR lpdwResult); lParam carries a string for '
        'WM_SETTINGCHANGE'),
    ('winhttp.dll', 'WinHttpGetDefaultProxyConfiguration'): (
        ('bool',), [('ref', 'proxyinfo')],
        'Win32 docs, winhttp.h: BOOL WinHttpGetDefaultProxyConfiguration(WINHTTP_PROXY_INFO *pProxyInfo)'),
    ('kernel32.dll', 'GlobalFree'): (
        ('intptr',), [('in', 'intptr')],
        'Win32 docs, winbase.h: HGLOBAL GlobalFree(HGLOBAL hMem); frees the strings of WINHTTP_PROXY_INFO'),
}
_DLLIMPORT = re.compile(r'\[DllImport\((?P<attributes>[^\]]*)\)\]\s*(?:public\s+)?static\s+extern\s+(?P<returns>[\w.]+)\s+'
                        r'(?P<name>\w+)\s*\((?P<parameters>.*?)\)\s*;', re.DOTALL)
_POINTER_SIZED = {'intptr': 'intptr', 'system.intptr': 'intptr', 'uintptr': 'uintptr', 'system.uintptr': 'uintptr'}


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

def _pinvoke_parameter(text: str, wide: bool) -> tuple[str, str]:
    marshal = re.findall(r'UnmanagedType\.(\w+)', text)
    words = re.sub(r'\[[^\]]*\]', ' ', text).split()
    direction = words[0] if words[0] in ('out', 'ref') else 'in'
    type_name = (words[1] if direction != 'in' else words[0]).lower()
    if type_name in ('string', 'system.string', 'stringbuilder'):
        type_name = 'wstring' if wide or 'LPWStr' in marshal else 'string'
    return direction, _POINTER_SIZED.get(type_name, type_name)


def pinvoke_findings(text: str) -> list[Finding]:
    findings = []
    for match in _DLLIMPORT.finditer(text):
        line = text.count('\n', 0, match.start()) + 1
        dll = re.match(r'\s*"([^"]+)"', match.group('attributes'))
        key = ((dll.group(1).lower() if dll else ''), match.group('name'))
        if key not in PINVOKE_DECLARATIONS:
            findings.append(Finding('pinvoke', line, '%s!%s is not in PINVOKE_DECLARATIONS (add it there with its '
                                    'upstream declaration)' % key))
            continue
        returns, parameters, source = PINVOKE_DECLARATIONS[key]
        wide = 'CharSet.Unicode' in match.group('attributes')
        declared = [_pinvoke_parameter(p, wide) for p in match.group('parameters').split(',') if p.strip()]
        returned = _POINTER_SIZED.get(match.group('returns').lower(), match.group('returns').lower())
        if returned not in returns:
            findings.append(Finding('pinvoke', line, '%s returns %s; upstream: %s' % (key[1], match.group('returns'), source)))
        if declared != parameters:
            findings.append(Finding('pinvoke', line, '%s takes %s; expected %s; upstream: %s'
                                    % (key[1], declared, parameters, source)))
    return findings


def check_semantics(text: str, functions: dict[str, frozenset[str]], preset=frozenset()) -> list[Finding]:
    """All rules above on one script; functions: those its snippets define too."""
    root = parse(text).root_node
    functions = {**functions, **defined_functions(root)}
    return (command_findings(root, functions) + native_findings(root) + variable_findings(root, preset)
            + uint32_cast_findings(root) + pinvoke_findings(text))
