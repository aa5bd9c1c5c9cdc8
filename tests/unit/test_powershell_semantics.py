"""What every operation and snippet means, checked statically (powershell_semantics.py, operation_params.py).

Rules: `command` and `native` (every command exists in Windows PowerShell 5.1,
is defined by the script or its snippets, or is a listed native program, and
gets only parameters it has), `variable` (no read before assignment),
`uint32-cast` (no [int] of a CIM/WMI or scheduled-task UInt32), `pinvoke`
(declarations, private ones included, and the structures they pass match
their upstream ones) and `params` (every `$Params.<key>`
an operation reads is sent by every Python call site of it, and every key
sent is read). Each rule is shown to fire on small samples and on mutated
copies of the real scripts; then the real files are checked.

Run alone: `.venv/bin/pytest tests/unit/test_powershell_semantics.py`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from operation_params import call_sites
from powershell_semantics import DLLIMPORT, SET_BY_BOOTSTRAP, check_semantics, command_findings, defined_functions
from test_powershell_static import POWERSHELL, REPO, REQUIRES, SCRIPTS, kind_of, node_text, parse, walk

SNIPPETS = {path.stem: path.read_text(encoding='utf-8') for path in sorted((POWERSHELL / 'snippets').glob('*.ps1'))}
OPERATIONS = {path.stem: path.read_text(encoding='utf-8') for path in sorted(POWERSHELL.glob('*.ps1'))
              if kind_of(path) == 'operation'}
PYTHON_FILES = sorted(list((REPO / 'plugins' / 'action').glob('*.py')) + list((REPO / 'plugins' / 'plugin_utils').rglob('*.py')))

# Findings on the current scripts that are known defects fixed elsewhere:
# (file, rule, a piece of the finding's message). Empty this list as they are fixed.
KNOWN_VIOLATIONS: list[tuple[str, str, str]] = []


def required_snippets(text: str) -> list[str]:
    return [name.strip() for match in REQUIRES.finditer(text) for name in match.group('names').split(',') if name.strip()]


def functions_of(snippet_names) -> dict[str, frozenset[str]]:
    functions = {}
    for name in snippet_names:
        functions.update(defined_functions(parse(SNIPPETS[name]).root_node))
    return functions


ALL_SNIPPET_FUNCTIONS = functions_of(SNIPPETS)


def check_operation(text: str):
    return check_semantics(text, functions_of(required_snippets(text)), SET_BY_BOOTSTRAP)


def check_snippet(text: str):
    return check_semantics(text, ALL_SNIPPET_FUNCTIONS)


def rules(findings):
    return {finding.rule for finding in findings}


# --- params: what the scripts read, what the call sites send ---------------------------------------------

def params_read(text: str) -> set[str]:
    """The keys of `$Params.<key>` and `$Params['<key>']` in an operation and the snippets it requires."""
    read = set()
    for source in [text] + [SNIPPETS[name] for name in required_snippets(text) if name in SNIPPETS]:
        for node in walk(parse(source).root_node):
            if node.type in ('member_access', 'element_access') and node.children[0].type == 'variable' \
                    and node_text(node.children[0]).lower() == '$params':
                key = node_text(node.children[-1] if node.type == 'member_access' else node.children[2])
                read.add(key.strip('\'"'))
    return read


_OPTIONAL = re.compile(r'^#.*\$Params\.(\w+) \(optional', re.MULTILINE)


def optional_params(text: str) -> set[str]:
    """Keys the script's header comment marks `$Params.<key> (optional`: a call site may leave them out."""
    return set(_OPTIONAL.findall(text))


def params_findings(operations: dict[str, str], sites) -> list[str]:
    problems = []
    by_operation = {}
    for site in sites:
        if site.keys is None:
            problems.append('%s (%s): %s' % (site.where, site.operation, site.problem))
            continue
        by_operation.setdefault(site.operation, []).append(site)
    for name in sorted(set(by_operation) - set(operations)):
        problems.append('%s: no operation %s.ps1' % (by_operation[name][0].where, name))
    for name, text in sorted(operations.items()):
        read = params_read(text)
        if name not in by_operation:
            problems.append('%s.ps1: no Python call site runs it' % name)
            continue
        for site in by_operation[name]:
            for key in sorted(read - site.keys - optional_params(text)):
                problems.append('%s.ps1 reads $Params.%s, which %s does not send' % (name, key, site.where))
            for key in sorted(site.keys - read):
                problems.append('%s sends %r, which %s.ps1 never reads' % (site.where, key, name))
    return problems


SITES = call_sites(REPO, PYTHON_FILES)


def test_every_params_key_read_is_sent_and_every_key_sent_is_read():
    assert params_findings(OPERATIONS, SITES) == []


def test_call_sites_are_found_through_wrappers():
    where = {(site.operation, site.where.split(':')[0]) for site in SITES}
    # self.operation(...) of WcowActionBase, _run(...) of win_release_archive, apply_service(plan.params),
    # the runner handed to Reboot.
    assert ('local_group_read', 'plugins/action/win_local_group.py') in where
    assert ('release_archive_apply', 'plugins/action/win_release_archive.py') in where
    assert ('service_apply', 'plugins/action/containerd_service.py') in where
    assert ('host_reboot', 'plugins/plugin_utils/_windows/reboot.py') in where
    assert all(site.keys is not None for site in SITES), [s for s in SITES if s.keys is None]


def test_a_params_key_no_caller_sends_is_rejected():
    text = OPERATIONS['hns_network_read'].replace('-Name $Params.name', '-Name $Params.network_name', 1)
    assert text != OPERATIONS['hns_network_read']
    problems = params_findings({**OPERATIONS, 'hns_network_read': text}, SITES)
    assert any('reads $Params.network_name' in p for p in problems), problems
    assert any("sends 'name'" not in p for p in problems)


def test_a_key_sent_that_no_script_reads_is_rejected():
    text = OPERATIONS['path_entry_read'].replace('$Params.scope', "'machine'")
    problems = params_findings({**OPERATIONS, 'path_entry_read': text}, SITES)
    assert any("sends 'scope', which path_entry_read.ps1 never reads" in p for p in problems), problems


def test_only_keys_marked_optional_may_be_left_out():
    text = OPERATIONS['service_read']
    assert optional_params(text) == {'read_files', 'measure_paths', 'pipes', 'accounts', 'acl_paths', 'data_roots',
                                     'firewall_rules'}
    strict = text.replace('(optional', '(', 2)
    problems = params_findings({**OPERATIONS, 'service_read': strict}, SITES)
    assert any('reads $Params.measure_paths, which plugins/action/buildkitd_service.py' in p for p in problems), problems


def test_an_element_access_counts_as_a_read():
    assert params_read("$x = $Params['name']\n$y = $Params.scope.Length\n") == {'name', 'scope'}


def test_an_unresolvable_call_site_is_reported(tmp_path):
    action = tmp_path / 'plugins' / 'action' / 'sample.py'
    action.parent.mkdir(parents=True)
    action.write_text('def run(self, task):\n'
                      '    self.operation("hns_network_read", {"name": task["name"]})\n'
                      '    run_operation(self._connection, "hns_network_read", make(task))\n'
                      '    params = dict(name=1)\n'
                      '    params["extra"] = 2\n'
                      '    run_operation(self._connection, "hns_network_read", params)\n'
                      'def operation(self, name, params):\n'
                      '    return run_operation(self._connection, name, params)\n')
    sites = call_sites(tmp_path, [action])
    assert [(s.operation, s.keys and sorted(s.keys)) for s in sites] == [
        ('hns_network_read', ['name']), ('hns_network_read', None), ('hns_network_read', ['extra', 'name'])]
    assert "0 functions named 'make'" in sites[1].problem


# --- the rules on samples ------------------------------------------------------------------------

GOOD = """\
# wcow.buildkit operation: sample
$ErrorActionPreference = 'Stop'
function Get-Thing {
    param([string] $Name, [int] $Count = 1)
    $items = @(Get-ChildItem -LiteralPath $Name -Force -ea SilentlyContinue | Where-Object { $_.Name } | % { $_ })
    foreach ($item in $items) { $last = $item }
    $response = ''
    [Console]::Out.Write($response)
    $last
}
$task = Get-ScheduledTaskInfo -TaskName 'x'
$code = [long]$task.LastTaskResult
$service = Get-CimInstance -ClassName Win32_Service -Filter "Name='x'"
$process = New-Object -TypeName System.Diagnostics.Process
@{ thing = (Get-Thing -Name $Params.name -Cou 2); code = $code; pid = [long]$service.ProcessId; rc = [int]$process.ExitCode }
"""


def test_good_sample_passes():
    assert check_operation(GOOD) == []


@pytest.mark.parametrize('rule, old, new', [
    ('command', 'Get-ChildItem -LiteralPath', 'Get-ChildItem -LiteralPaths'),
    ('command', 'Get-CimInstance -ClassName Win32_Service', 'Get-CimInstance -ClassName Win32_Service -AsJob'),
    ('command', "$task = Get-ScheduledTaskInfo -TaskName 'x'", "$task = '{}' | ConvertFrom-Json -AsHashtable"),
    ('command', 'Get-Thing -Name', 'Get-Thingy -Name'),
    ('command', 'Get-Thing -Name', 'Get-Thing -Label'),
    ('command', 'Get-ChildItem -LiteralPath $Name -Force', 'Get-ChildItem -LiteralPath $Name -F'),  # -Filter or -Force
    ('native', "Get-ScheduledTaskInfo -TaskName 'x'", "& certutil.exe -hashfile 'x'"),
    ('native', "Get-ScheduledTaskInfo -TaskName 'x'", "Get-ScheduledTaskInfo -TaskName 'C:\\Windows\\robocopy.exe'"),
    ('variable', '$last\n}', '$lats\n}'),
    ('variable', '@{ thing', '$total += 1\n@{ thing'),
    ('variable', "$response = ''\n", ''),
    ('variable', 'code = $code', 'code = $Code2'),
    ('uint32-cast', '[long]$task.LastTaskResult', '[int]$task.LastTaskResult'),
    ('uint32-cast', '[long]$task.LastTaskResult', '[int32](Get-ScheduledTaskInfo -TaskName x).LastTaskResult'),
    ('uint32-cast', 'pid = [long]$service.ProcessId', 'pid = [int]$service.ProcessId'),
    ('uint32-cast', 'code = $code', 'code = [int]$code'),
])
def test_mutated_sample_is_rejected(rule, old, new):
    assert old in GOOD, old
    mutated = GOOD.replace(old, new, 1)
    assert rule in rules(check_operation(mutated)), check_operation(mutated)


def test_a_prefix_of_one_parameter_names_it():
    # -Type is a prefix of New-Object's -TypeName alone (PowerShell accepts it), -ea is -ErrorAction's alias.
    assert check_operation(GOOD.replace('New-Object -TypeName', 'New-Object -Type', 1)) == []


def test_reads_before_assignment_in_order():
    findings = check_operation(GOOD.replace('$code = [long]$task.LastTaskResult', '$early = $code\n$code = 1', 1))
    assert [f.message for f in findings] == ['$code is read before it is assigned']


def test_a_function_does_not_see_what_another_function_assigns():
    text = GOOD + 'function Get-Other {\n    $name\n}\nfunction Set-Name {\n    $name = 1\n}\n'
    assert [f.message for f in check_operation(text)] == ['$name is read before it is assigned']


def test_ref_out_arguments_assign():
    text = GOOD.replace("$response = ''\n", '[WcowBuildkit.Hns]::HNSCall($Name, [ref] $response)\n', 1)
    assert check_operation(text) == []


HNS_DECLARATION = SNIPPETS['hns'][SNIPPETS['hns'].index('[DllImport'):SNIPPETS['hns'].index("'@")]


@pytest.mark.parametrize('declaration, ok', [
    (HNS_DECLARATION, True),
    (HNS_DECLARATION.replace('static extern int', 'static extern uint'), True),
    (HNS_DECLARATION.replace('static extern int', 'static extern void'), False),  # void: the HRESULT is lost
    (HNS_DECLARATION.replace('out string response', 'string response'), False),
    (HNS_DECLARATION.replace('UnmanagedType.LPWStr)] string path', 'UnmanagedType.LPStr)] string path'), False),
    ('[DllImport("kernel32.dll")] public static extern bool FlushFileBuffers(IntPtr handle);', False),  # not listed
])
def test_pinvoke_declarations(declaration, ok):
    text = "# wcow.buildkit snippet: sample\nfunction Add-It {\n    Add-Type -Namespace A -Name B -MemberDefinition @'\n%s'@\n}\n" % declaration
    assert ('pinvoke' not in rules(check_snippet(text))) == ok, check_snippet(text)


def sample_snippet(declaration: str) -> str:
    return "# wcow.buildkit snippet: sample\nfunction Add-It {\n    Add-Type -Namespace A -Name B -MemberDefinition @'\n%s'@\n}\n" % declaration


@pytest.mark.parametrize('declaration, ok', [
    ('[DllImport("kernel32.dll", SetLastError = true)]\n[return: MarshalAs(UnmanagedType.Bool)]\n'
     'internal static extern bool FindClose(IntPtr find);', True),
    ('[DllImport("kernel32", SetLastError = true)] [return: MarshalAs(UnmanagedType.I1)] '
     'private static extern bool FindClose(IntPtr find);', False),  # one byte of the 4 of a BOOL
    ('[DllImport("kernel32.dll", CharSet = CharSet.Unicode)] private static extern bool DeleteFile(string name);', True),
    ('[DllImport("kernel32.dll")] private static extern bool DeleteFile(string name);', False),  # DeleteFileA
    ('[DllImport("kernel32.dll", CharSet = CharSet.Unicode, ExactSpelling = true)] private static extern bool '
     'DeleteFile(string name);', False),  # no export of that name
    ('[DllImport("kernel32.dll", EntryPoint = "DeleteFileW")] private static extern bool Remove('
     '[MarshalAs(UnmanagedType.LPWStr)] string name);', True),
    ('[DllImport("kernel32.dll")] private static extern bool FlushFileBuffers(IntPtr handle);', False),  # not listed
    ('[DllImport("kernel32.dll"), SuppressUnmanagedCodeSecurity] public static extern IntPtr GlobalFree(IntPtr m);', False),
    ('[DllImport("kernel32.dll")] public extern IntPtr GlobalFree(IntPtr memory);', False),  # not static
    ('public static extern IntPtr GlobalFree(IntPtr memory);', False),  # no DllImport
    ('[DllImport("kernel32", CharSet = CharSet.Auto)] static extern bool DeleteFile(string name);', True),
    ('[DllImport("kernel32.dll", CharSet = CharSet.Unicode)] static extern bool DeleteFileW([MarshalAs(UnmanagedType.LPStr)] '
     'string name);', False),
    ('[System.Runtime.InteropServices.DllImport("kernel32.dll")] public static extern System.IntPtr GlobalFree('
     'System.IntPtr memory);', True),
    ('[DllImport("kernel32.dll")] public static extern IntPtr GlobalFree(IntPtr m);extern int Other();', False),
], ids=['internal-return-bool', 'return-i1', 'unicode-resolves-w', 'ansi-resolves-a', 'exact-spelling', 'entry-point',
        'not-listed', 'unreadable-attributes', 'not-static', 'no-dllimport', 'auto-is-unicode', 'lpstr',
        'qualified-names', 'extern-after-declaration'])
def test_pinvoke_declarations_whatever_their_modifiers(declaration, ok):
    assert ('pinvoke' not in rules(check_snippet(sample_snippet(declaration)))) == ok, check_snippet(sample_snippet(declaration))


DATA_TREE = SNIPPETS['data_tree']


def test_data_tree_declarations_written_otherwise_pass():
    # Fields that take no place in the layout, and the types' full names.
    text = DATA_TREE.replace('public uint Attributes;\n            public uint CreationLow',
                             'public const int Max = 260;\n            public static int Seen;\n'
                             '            public readonly System.UInt32 Attributes;\n            public uint CreationLow', 1)
    text = text.replace('private static extern uint GetFileAttributesW', 'private static extern UInt32 GetFileAttributesW', 1)
    assert text.count('Seen') == 1 and 'UInt32 GetFileAttributesW' in text
    assert check_snippet(text) == []


@pytest.mark.parametrize('old, new', [
    # The declarations are private: the rule once read only `public static extern` ones.
    ('private static extern uint GetFileAttributesW', 'private static extern int GetFileAttributesW'),
    ('private static extern bool DeleteFileW(string name)', 'private static extern bool DeleteFileW(string name, uint flags)'),
    ('[DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]\n        private static extern bool '
     'RemoveDirectoryW', '[DllImport("kernel32.dll", SetLastError = true)]\n        private static extern bool RemoveDirectoryW'),
    ('[DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]\n        private static extern bool '
     'DeleteFileW', '[DllImport("kernel32.dll", CharSet = CharSet.Unicode)]\n        private static extern bool DeleteFileW'),
    ('FindFirstFileW(string name, out FindData data)', 'FindFirstFileW(string name, ref FindData data)'),
    ('private static extern bool FindNextFileW(IntPtr find', 'private static extern bool FindNextFileW(int find'),
    ('private static extern int DestroyLayerNative(ref DriverInfo info', 'private static extern int DestroyLayerNative(DriverInfo info'),
    ('EntryPoint = "DestroyLayer"', 'EntryPoint = "DestroyLayers"'),
    # The structures, field by field.
    ('SizeConst = 260', 'SizeConst = 256'),
    ('public uint SizeHigh, SizeLow, Reserved0, Reserved1;', 'public uint SizeHigh, SizeLow, Reserved0;'),
    ('public uint SizeHigh, SizeLow', 'public ulong SizeHigh, SizeLow'),
    ('[StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]\n        private struct FindData',
     '[StructLayout(LayoutKind.Sequential)]\n        private struct FindData'),  # ANSI names in a W structure
    ('[StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]\n        private struct DriverInfo',
     '[StructLayout(LayoutKind.Sequential, Pack = 1, CharSet = CharSet.Unicode)]\n        private struct DriverInfo'),
    ('[StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]\n        private struct DriverInfo',
     '[StructLayout(LayoutKind.Explicit, CharSet = CharSet.Unicode)]\n        private struct DriverInfo'),
    ('public int Flavour;\n            public string HomeDir;', 'public string HomeDir;\n            public int Flavour;'),
], ids=['dword-as-int', 'extra-parameter', 'ansi-strings', 'no-setlasterror', 'out-as-ref', 'handle-as-int',
        'struct-by-value', 'entry-point', 'name-length', 'field-missing', 'field-size', 'struct-ansi', 'struct-packed',
        'struct-explicit', 'field-order'])
def test_mutated_data_tree_declaration_is_rejected(old, new):
    assert old in DATA_TREE, old
    assert check_snippet(DATA_TREE) == []
    findings = check_snippet(DATA_TREE.replace(old, new, 1))
    assert 'pinvoke' in rules(findings), findings


def test_pinvoke_findings_name_the_line_and_what_differs():
    text = DATA_TREE.replace('SizeConst = 260', 'SizeConst = 256', 1).replace(
        'FindNextFileW(IntPtr find, out FindData data)', 'FindNextFileW(IntPtr find, ref FindData data)', 1)
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines, 1) if 'FindFirstFileW(string' in line) - 1  # its [DllImport] line
    found = [(f.line, f.message.split('; upstream: ')[0]) for f in check_snippet(text)]
    layout = ['dword'] * 11 + ['wchar[256]', 'wchar[14]']
    assert found == [
        (first, 'FindFirstFileW takes (wstring, out finddata); expected (wstring, out WIN32_FIND_DATAW)'),
        (first, 'struct finddata is laid out as %s; WIN32_FIND_DATAW is %s' % (layout, layout[:11] + ['wchar[260]', 'wchar[14]'])),
        (first + 2, 'FindNextFileW takes (intptr, ref finddata); expected (intptr, out WIN32_FIND_DATAW)'),
        (first + 2, 'struct finddata is laid out as %s; WIN32_FIND_DATAW is %s' % (layout, layout[:11] + ['wchar[260]', 'wchar[14]'])),
    ], found
    unreadable = check_snippet(sample_snippet('\n\n[DllImport("kernel32.dll"), Foo] static extern bool FindClose(IntPtr f);'))
    assert [(f.line, f.message.split(':')[0]) for f in unreadable] == [
        (6, 'DllImport in a declaration the pinvoke rule cannot read'), (6, 'extern in a declaration the pinvoke rule cannot read')]


def test_a_declaration_not_listed_does_not_stop_the_check_of_the_next():
    text = sample_snippet('[DllImport("kernel32.dll")] static extern bool FlushFileBuffers(IntPtr h);\n'
                          '[DllImport("kernel32.dll")] static extern int FindClose(IntPtr f);')
    assert [(f.line, f.message.split('; upstream: ')[0].split(' (add')[0]) for f in check_snippet(text)] == [
        (4, 'kernel32.dll!FlushFileBuffers is not in PINVOKE_DECLARATIONS'), (5, 'FindClose returns int (int)')]


# The functions that report a failure through GetLastError (their Win32 documentation), and those that do not.
SETS_LAST_ERROR = {'FindFirstFileW', 'FindNextFileW', 'FindClose', 'GetFileAttributesW', 'SetFileAttributesW', 'DeleteFileW',
                   'RemoveDirectoryW', 'WinHttpGetDefaultProxyConfiguration', 'GlobalFree', 'SendMessageTimeout',
                   'CreateFileW', 'CloseHandle', 'GetFinalPathNameByHandleW', 'GetFileInformationByHandleEx'}
RETURNS_HRESULT = {'HNSCall', 'DestroyLayerNative'}


def _declarations():
    texts = {**{'%s.ps1' % name: text for name, text in SNIPPETS.items()}, **{'%s.ps1' % name: text for name, text in OPERATIONS.items()}}
    return [(name, match) for name, text in sorted(texts.items()) for match in DLLIMPORT.finditer(text)]


@pytest.mark.parametrize('script, match', _declarations(), ids=lambda v: v if isinstance(v, str) else v.group('name'))
def test_setlasterror_is_required_where_the_last_error_is_read(script, match):
    name = match.group('name')
    assert name in SETS_LAST_ERROR | RETURNS_HRESULT, name
    text = (SNIPPETS.get(script[:-4]) or OPERATIONS[script[:-4]])
    without = match.group(0).replace(', SetLastError = true', '').replace('SetLastError = true, ', '')
    assert 'SetLastError' not in without
    mutated = text.replace(match.group(0), without, 1) + '\n# [Runtime.InteropServices.Marshal]::GetLastWin32Error()\n'
    flagged = any('SetLastError = true' in f.message and name.removesuffix('Native') in f.message and f.rule == 'pinvoke'
                  for f in check_semantics(mutated, ALL_SNIPPET_FUNCTIONS))
    assert flagged == (name in SETS_LAST_ERROR)


# --- mutated copies of the real scripts --------------------------------------------------------------

@pytest.mark.parametrize('operation, old, new, rule', [
    ('hns_network_read', 'ConvertTo-WcowHnsNetwork -Network $_', 'ConvertTo-WcowHnsNetwork -Network $_ -AsHashtable', 'command'),
    ('file_write', "$ErrorActionPreference = 'Stop'", "$ErrorActionPreference = 'Stop'\n$x = '{}' | ConvertFrom-Json -AsHashtable", 'command'),
    ('hns_network_read', '@{ hns_available = $true; networks = $found', '@{ hns_available = $true; networks = $foundNetworks', 'variable'),
    ('path_entry_write', '[IntPtr]0xFFFF, 0x1A', '[IntPtr]0xFFFF, $message', 'variable'),
])
def test_mutated_operation_is_rejected(operation, old, new, rule):
    text = OPERATIONS[operation]
    assert old in text, old
    assert rule in rules(check_operation(text.replace(old, new, 1)))


def test_splatted_keys_are_parameters():
    text = SNIPPETS['release_archive']
    assert "$request = @{ Uri = $Url; UseBasicParsing = $true }" in text
    assert check_snippet(text) == []
    assert 'command' in rules(check_snippet(text.replace('UseBasicParsing = $true', 'UseBasic = $true; SkipCertificateCheck = $true')))
    assert 'command' in rules(check_snippet(text.replace('$request.OutFile = $OutFile', '$request.OutPath = $OutFile')))


def test_mutated_snippet_is_rejected():
    text = SNIPPETS['hns'].replace('ConvertFrom-Json -InputObject $response', 'ConvertFrom-Json -InputObject $response -AsHashtable')
    assert text != SNIPPETS['hns']
    assert 'command' in rules(check_snippet(text))


# --- the real files --------------------------------------------------------------------------------

def _known(path: Path, finding) -> bool:
    return any(path.name == name and finding.rule == rule and piece in finding.message
               for name, rule, piece in KNOWN_VIOLATIONS)


@pytest.mark.parametrize('path', [p for p in SCRIPTS if p.parent.is_relative_to(POWERSHELL) and p.name != 'bootstrap.ps1'],
                         ids=lambda p: p.name)
def test_script(path):
    text = path.read_text(encoding='utf-8')
    findings = check_operation(text) if kind_of(path) == 'operation' else check_snippet(text)
    left = [f for f in findings if not _known(path, f)]
    assert not left, '%s:\n%s' % (path.relative_to(REPO), '\n'.join('  %s' % f for f in left))


@pytest.mark.parametrize('name', sorted(OPERATIONS))
def test_the_snippets_an_operation_requires_call_only_what_it_has(name):
    """A snippet's function calling one of a snippet the operation does not require fails on the host."""
    required = required_snippets(OPERATIONS[name])
    functions = {**functions_of(required), **defined_functions(parse(OPERATIONS[name]).root_node)}
    problems = ['%s.ps1: %s' % (snippet, f) for snippet in required
                for f in command_findings(parse(SNIPPETS[snippet]).root_node, functions)]
    assert not problems, '\n'.join(problems)


def test_a_snippet_left_out_of_requires_is_found():
    text = OPERATIONS['release_archive_apply']
    assert '# wcow.buildkit requires: release_archive, release_archive_install' in text
    required = ['release_archive_install']  # without release_archive, whose functions it calls
    problems = command_findings(parse(SNIPPETS['release_archive_install']).root_node, functions_of(required))
    assert problems and all(f.rule == 'command' and 'neither defined' in f.message for f in problems), problems


def test_bootstrap():
    assert check_semantics((POWERSHELL / 'bootstrap.ps1').read_text(encoding='utf-8'), {}) == []


def strict_mode_scopes(text: str) -> list[str]:
    """For each Set-StrictMode command, the kind of the nearest enclosing script block: 'program' at the top."""
    found = []

    def visit(node, enclosing):
        if node.type == 'command' and node_text(node).split()[0].lower() == 'set-strictmode':
            found.append(enclosing)
        inner = 'script_block_expression' if node.type == 'script_block_expression' else enclosing
        for child in node.children:
            visit(child, inner)

    visit(parse(text).root_node, 'program')
    return found


def test_bootstrap_sets_strict_mode_in_a_scope_of_its_own():
    # docs/windows-facts.md#windows-powershell-51: strict mode set in the global scope, where -EncodedCommand
    # runs, reaches module functions (the ScheduledTasks CDXML module, ...); in a child scope it does not.
    assert strict_mode_scopes((POWERSHELL / 'bootstrap.ps1').read_text(encoding='utf-8')) == ['script_block_expression']
    assert strict_mode_scopes("Set-StrictMode -Version 1\n& { 1 }\n") == ['program']


def test_known_violations_are_still_there():
    """An entry whose defect is fixed must go, so that the list never hides a new finding."""
    for name, rule, piece in KNOWN_VIOLATIONS:
        path = next(p for p in SCRIPTS if p.name == name)
        text = path.read_text(encoding='utf-8')
        findings = check_operation(text) if kind_of(path) == 'operation' else check_snippet(text)
        assert any(f.rule == rule and piece in f.message for f in findings), (
            '%s no longer has %s %r: remove it from KNOWN_VIOLATIONS' % (name, rule, piece))


def test_every_snippet_function_name_is_unique():
    seen = {}
    for name, text in SNIPPETS.items():
        for function in defined_functions(parse(text).root_node):
            assert function not in seen, '%s is defined in %s and %s' % (function, seen[function], name)
            seen[function] = name
    assert seen, 'no snippet functions found'
    assert all(re.fullmatch(r'[a-z]+-wcow[\w-]*', f) for f in seen), sorted(seen)
