"""Static checks of the collection's PowerShell: every plugins/**/*.ps1.

The hosts run Windows PowerShell 5.1, and the controller never sees a script
fail to parse until it is on a host, so every script is checked here:

- it parses with tree-sitter-powershell: no ERROR or MISSING node (rule `parse`);
- no PowerShell 7 syntax, found in the syntax tree with strings, comments,
  variables and bare command words blanked out (rules `ps7-*`): the pipeline
  chain operators `&&` and `||`, `??` and `??=`, `?.` and `?[`, the ternary
  `a ? b : c`, `ForEach-Object -Parallel` and `clean {}` blocks;
- its first line names it (rule `header`): `# wcow.buildkit operation: <stem>`,
  `# wcow.buildkit bootstrap` for bootstrap.ps1, and
  `# wcow.buildkit snippet: <stem>` for the snippets in `snippets/` that
  operations pull in with `# wcow.buildkit requires: <names>` (rule `requires`);
- the bootstrap and every operation start with `$ErrorActionPreference = 'Stop'`
  (rule `error-action`); a snippet defines functions only (rule `snippet`),
  since it is inserted into an operation above that line;
- every operation has `<stem>.result.json` beside it, a JSON Schema of type
  object valid under the Draft 2020-12 meta-schema and using only the keywords
  that the controller's plugin_utils/_core/result_shape.py enforces (rule `schema`), and
  every top-level `required` key of it is a key of a hashtable literal in the
  script (rule `required-key`);
- the bootstrap survives plugin_utils/_core/runner.py's compaction (indentation,
  blank lines and comment lines removed): no string or comment spans lines,
  and the compacted text still parses (rule `bootstrap-compact`).

The checker is tested on small bad samples below, so that each rule is known
to fire; then it runs on the real files.

Run alone: `.venv/bin/pytest tests/unit/test_powershell_static.py`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import jsonschema
import pytest
import tree_sitter_powershell
from hypothesis import given, settings
from hypothesis import strategies as st
from tree_sitter import Language, Node, Parser

REPO = Path(__file__).resolve().parent.parent.parent
PLUGINS = REPO / 'plugins'
POWERSHELL = PLUGINS / 'plugin_utils' / 'powershell'
BOOTSTRAP = POWERSHELL / 'bootstrap.ps1'
SNIPPETS_DIR = 'snippets'

LANGUAGE = Language(tree_sitter_powershell.language())

# Keywords that plugins/plugin_utils/_core/result_shape.py checks, and annotations it may
# ignore. A schema using anything else would promise a check that never runs.
SHAPE_KEYWORDS = frozenset({'type', 'required', 'properties', 'items', 'anyOf', 'enum'})
ANNOTATION_KEYWORDS = frozenset({'$schema', '$id', '$comment', 'title', 'description', 'examples', 'default'})
DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema'

# Nodes whose text is not PowerShell operators: blanked before looking for
# PowerShell 7 tokens. Sub-expressions `$( )` inside strings are code again.
BLANKED_TYPES = frozenset({
    'comment', 'string_literal', 'generic_token', 'command_name', 'command_parameter',
    'variable', 'function_name', 'simple_name', 'type_literal', 'type_name',
})
CODE_INSIDE_STRINGS = frozenset({'sub_expression'})
FOREACH_OBJECT_NAMES = frozenset({'foreach-object', 'foreach', '%'})
REQUIRES = re.compile(r'^# wcow\.buildkit requires: (?P<names>[\w, ]+)$', re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class Finding:
    rule: str
    line: int  # 1-based; 0 for the file as a whole
    message: str

    def __str__(self):
        return '%s:%d: %s' % (self.rule, self.line, self.message)


def parse(text: str):
    return Parser(LANGUAGE).parse(text.encode('utf-8'))


def walk(node: Node):
    yield node
    for child in node.children:
        yield from walk(child)


def node_text(node: Node) -> str:
    return node.text.decode('utf-8', errors='replace')


def line_of(node: Node) -> int:
    return node.start_point[0] + 1


def kind_of(path: Path) -> str:
    if path.name == 'bootstrap.ps1':
        return 'bootstrap'
    if path.parent.name == SNIPPETS_DIR:
        return 'snippet'
    return 'operation'


def expected_header(kind: str, stem: str) -> str:
    if kind == 'bootstrap':
        return '# wcow.buildkit bootstrap'
    return '# wcow.buildkit %s: %s' % (kind, stem)


# --- syntax -------------------------------------------------------------------

def parse_findings(root: Node) -> list[Finding]:
    findings = []

    def visit(node):
        if node.is_missing:
            findings.append(Finding('parse', line_of(node), 'missing %r' % node.type))
        elif node.is_error:
            findings.append(Finding('parse', line_of(node), 'syntax error at %r' % node_text(node)[:60]))
            return  # one finding for the outermost error
        for child in node.children:
            visit(child)

    visit(root)
    return findings


def code_only(source: bytes, root: Node, blanked_types=BLANKED_TYPES) -> str:
    """The source with the text of blanked_types blanked (newlines kept)."""
    blank = bytearray(len(source))

    def visit(node, blanked):
        if node.type in CODE_INSIDE_STRINGS:
            blanked = False
        elif node.type in blanked_types:
            blanked = True
        blank[node.start_byte:node.end_byte] = (b'\x01' if blanked else b'\x00') * (node.end_byte - node.start_byte)
        for child in node.children:
            visit(child, blanked)

    visit(root, False)
    kept = bytes(b if not blank[i] or b == 0x0A else 0x20 for i, b in enumerate(source))
    return kept.decode('utf-8', errors='replace')


_PS7_TOKENS = [
    ('ps7-chain', re.compile(r'&&|\|\|'), 'pipeline chain operator %r (PowerShell 7)'),
    ('ps7-null-coalescing', re.compile(r'\?\?=?'), 'null-coalescing operator %r (PowerShell 7)'),
    ('ps7-null-conditional', re.compile(r'\?[.\[]'), 'null-conditional member access %r (PowerShell 7)'),
]
_CLEAN_BLOCK = re.compile(r'(?i)(?<![\w$-])clean\s*\{')
_LONE_QUESTION_MARK = re.compile(r'\?')


def ps7_findings(source: bytes, root: Node) -> list[Finding]:
    code = code_only(source, root)
    findings = []
    used = set()
    for rule, pattern, message in _PS7_TOKENS:
        for match in pattern.finditer(code):
            if any(i in used for i in range(match.start(), match.end())):
                continue
            used.update(range(match.start(), match.end()))
            findings.append(Finding(rule, code.count('\n', 0, match.start()) + 1, message % match.group()))
    # Any other `?` left in code (Where-Object's alias `?` is a command name,
    # `$?` a variable, both blanked) is the ternary operator.
    for match in _LONE_QUESTION_MARK.finditer(code):
        if match.start() not in used:
            findings.append(Finding('ps7-ternary', code.count('\n', 0, match.start()) + 1,
                                    'ternary operator `? :` (PowerShell 7)'))
    # `clean {` where a name stands: a named block, parsed as an error or as a
    # command `clean` taking a script block.
    with_names = code_only(source, root, BLANKED_TYPES - {'simple_name', 'command_name'})
    for match in _CLEAN_BLOCK.finditer(with_names):
        findings.append(Finding('ps7-clean-block', with_names.count('\n', 0, match.start()) + 1,
                                'clean block (PowerShell 7.3)'))
    for node in walk(root):
        if node.type == 'command':
            name = node.child_by_field_name('command_name') or _first_child_of_type(node, 'command_name')
            if name is None:
                continue
            command = node_text(name).lower()
            if command in FOREACH_OBJECT_NAMES and any(_is_parallel(p) for p in walk(node) if p.type == 'command_parameter'):
                findings.append(Finding('ps7-foreach-parallel', line_of(node), 'ForEach-Object -Parallel (PowerShell 7)'))
        elif node.type == 'block_name' and node_text(node).lower() == 'clean':
            findings.append(Finding('ps7-clean-block', line_of(node), 'clean block (PowerShell 7.3)'))
    return findings


def _first_child_of_type(node: Node, type_: str):
    return next((child for child in node.children if child.type == type_), None)


def _is_parallel(parameter: Node) -> bool:
    """-Parallel, or an unambiguous prefix of it (-Pa, -Par, ...), or -Parallel:$x."""
    name = node_text(parameter).lstrip('-').split(':')[0].lower()
    return len(name) >= 2 and 'parallel'.startswith(name)


# --- structure ----------------------------------------------------------------

def top_level_statements(root: Node) -> list[Node]:
    statements = []
    for child in root.children:
        if child.type == 'statement_list':
            statements.extend(c for c in child.children if c.is_named and c.type != 'comment')
        elif child.is_named and child.type != 'comment':
            statements.append(child)
    return statements


_STOP = re.compile(r"""^(['"])stop\1$""", re.IGNORECASE)


def sets_error_action_stop(statement: Node) -> bool:
    assignment = _first_child_of_type(statement, 'assignment_expression') if statement.type == 'pipeline' else None
    if assignment is None:
        return False
    target = _first_child_of_type(assignment, 'left_assignment_expression')
    value = assignment.children[-1]
    operator = _first_child_of_type(assignment, 'assignement_operator')  # sic, the grammar's spelling
    return (target is not None and node_text(target).strip().lower() == '$erroractionpreference'
            and operator is not None and node_text(operator).strip() == '='
            and _STOP.match(node_text(value).strip()) is not None)


def hashtable_keys(root: Node) -> set[str]:
    """The literal keys of every hashtable literal `@{ key = ... }` in the script."""
    keys = set()
    for node in walk(root):
        if node.type != 'key_expression':
            continue
        text = node_text(node).strip()
        if re.fullmatch(r"'(?:[^']|'')*'", text):
            keys.add(text[1:-1].replace("''", "'"))
        elif re.fullmatch(r'"[^"`$]*"', text):
            keys.add(text[1:-1])
        elif re.fullmatch(r'[\w-]+', text):
            keys.add(text)
    return keys


def schema_findings(schema_text: str | None, schema_name: str) -> tuple[list[Finding], dict | None]:
    if schema_text is None:
        return [Finding('schema', 0, 'no result schema %s beside the operation' % schema_name)], None
    try:
        schema = json.loads(schema_text)
    except ValueError as error:
        return [Finding('schema', 0, '%s is not JSON: %s' % (schema_name, error))], None
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        return [Finding('schema', 0, '%s is not a valid Draft 2020-12 JSON Schema: %s' % (schema_name, error.message))], None
    findings = []
    if schema.get('$schema', DRAFT_2020_12) != DRAFT_2020_12:
        findings.append(Finding('schema', 0, '%s: $schema must be %s' % (schema_name, DRAFT_2020_12)))
    if schema.get('type') != 'object':
        findings.append(Finding('schema', 0, '%s: the result is one hashtable: "type" must be "object"' % schema_name))
    for where, keyword in _keywords(schema, '#'):
        if keyword not in SHAPE_KEYWORDS | ANNOTATION_KEYWORDS:
            findings.append(Finding('schema', 0, '%s: %s uses %r, which plugin_utils/_core/result_shape.py does not check'
                                    % (schema_name, where, keyword)))
    return findings, schema


def _keywords(schema, where):
    if not isinstance(schema, dict):
        return
    for keyword, value in schema.items():
        yield where, keyword
        if keyword == 'properties' and isinstance(value, dict):
            for name, sub in value.items():
                yield from _keywords(sub, '%s/properties/%s' % (where, name))
        elif keyword == 'items':
            yield from _keywords(value, where + '/items')
        elif keyword == 'anyOf' and isinstance(value, list):
            for index, sub in enumerate(value):
                yield from _keywords(sub, '%s/anyOf/%d' % (where, index))


def compact(script: str) -> str:
    """What plugin_utils/_core/runner.py sends of the bootstrap: its first line, then
    every other line stripped, without blank lines and `#` comment lines."""
    lines = script.splitlines()
    kept = [line.strip() for line in lines[1:] if line.strip() and not line.strip().startswith('#')]
    return '\n'.join([lines[0]] + kept)


# --- the checker ----------------------------------------------------------------

def check_script(text: str, kind: str, stem: str, schema_text: str | None = None,
                 snippet_names: frozenset[str] = frozenset()) -> list[Finding]:
    """Every finding of the rules above on one script.

    kind is 'operation', 'bootstrap' or 'snippet'; schema_text is the content
    of `<stem>.result.json` (None when there is none); snippet_names are the
    stems of the files in snippets/.
    """
    source = text.encode('utf-8')
    root = parse(text).root_node
    findings = parse_findings(root) + ps7_findings(source, root)

    first_line = text.split('\n', 1)[0].rstrip('\r')
    if first_line != expected_header(kind, stem):
        findings.append(Finding('header', 1, 'first line is %r, expected %r' % (first_line[:80], expected_header(kind, stem))))

    statements = top_level_statements(root)
    if kind == 'snippet':
        for statement in statements:
            if statement.type != 'function_statement':
                findings.append(Finding('snippet', line_of(statement),
                                        'a snippet defines functions only; found %r' % node_text(statement)[:60]))
    elif not statements or not sets_error_action_stop(statements[0]):
        findings.append(Finding('error-action', line_of(statements[0]) if statements else 0,
                                "the first statement must be $ErrorActionPreference = 'Stop'"))

    if kind == 'operation':
        for match in REQUIRES.finditer(text):
            for name in (n.strip() for n in match.group('names').split(',')):
                if name and name not in snippet_names:
                    findings.append(Finding('requires', text.count('\n', 0, match.start()) + 1,
                                            'requires snippet %r, but there is no %s/%s.ps1' % (name, SNIPPETS_DIR, name)))
        problems, schema = schema_findings(schema_text, '%s.result.json' % stem)
        findings.extend(problems)
        if schema is not None:
            keys = hashtable_keys(root)
            for key in schema.get('required', []):
                if key not in keys:
                    findings.append(Finding('required-key', 0, 'the schema requires %r, but no hashtable literal in '
                                            'the script has that key' % key))

    if kind == 'bootstrap':
        for node in walk(root):
            if node.type in ('string_literal', 'comment') and node.start_point[0] != node.end_point[0]:
                findings.append(Finding('bootstrap-compact', line_of(node),
                                        'a %s spanning lines does not survive compaction' % node.type.replace('_', ' ')))
        compacted = compact(text)
        for finding in parse_findings(parse(compacted).root_node):
            findings.append(Finding('bootstrap-compact', 0, 'the compacted bootstrap does not parse: %s' % finding.message))
    return findings


def check_file(path: Path) -> list[Finding]:
    try:
        text = path.read_bytes().decode('utf-8')
    except UnicodeDecodeError as error:
        return [Finding('encoding', 0, 'not UTF-8: %s' % error)]
    kind = kind_of(path)
    schema_path = path.with_name(path.stem + '.result.json')
    schema_text = schema_path.read_text(encoding='utf-8') if kind == 'operation' and schema_path.exists() else None
    snippets = path.parent / SNIPPETS_DIR
    names = frozenset(p.stem for p in snippets.glob('*.ps1')) if snippets.is_dir() else frozenset()
    return check_script(text, kind, path.stem, schema_text, names)


def rules(findings):
    return {finding.rule for finding in findings}


# --- the checker on small samples ---------------------------------------------------

SCHEMA = json.dumps({
    '$schema': DRAFT_2020_12,
    'type': 'object',
    'required': ['networks', 'hns_available'],
    'properties': {'networks': {'type': 'array', 'items': {'type': 'object'}}, 'hns_available': {'type': 'boolean'}},
})

GOOD_OPERATION = """\
# wcow.buildkit operation: sample_read
# wcow.buildkit requires: hns
# Comments and strings may say && || ?? ?. $a ? b : c and clean { } freely.
$ErrorActionPreference = 'Stop'
$found = @(Get-ChildItem -Path 'C:\\x' | ? { $_.Name -like 'a??.txt' } | ForEach-Object { $_.Name })
<# block comment: $a ?? $b #>
$message = "count && $($found.Count) || ?? done"
$here = @'
cond ? yes : no
'@
if (-not $?) { throw 'failed' }
Get-ChildItem C:\\temp\\file??.log | Out-Null
$table = [Ordered]@{}
$index = $found[0]
$type = [System.Nullable[int]]
function Invoke-Clean {
    param($Path)
    $Path
}
@{ networks = $found; 'hns_available' = $true; "note" = $message }
"""

GOOD_BOOTSTRAP = """\
# wcow.buildkit bootstrap
# Comment lines are dropped by compaction.
$ErrorActionPreference = 'Stop'
try {
    $x = [Console]::In.ReadLine()
}
catch {
    exit 1
}
"""

GOOD_SNIPPET = """\
# wcow.buildkit snippet: hns
# Helpers.
function Get-WcowThing {
    param($Name)
    @{ name = $Name }
}
"""


def check_operation(text, schema=SCHEMA, snippets=frozenset({'hns'})):
    return check_script(text, 'operation', 'sample_read', schema, snippets)


def replace_line(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


def test_good_samples_pass():
    assert check_operation(GOOD_OPERATION) == []
    assert check_script(GOOD_BOOTSTRAP, 'bootstrap', 'bootstrap') == []
    assert check_script(GOOD_SNIPPET, 'snippet', 'hns') == []


BAD_LINES = [
    ('ps7-chain', 'Get-Item C:\\x && Write-Output ok'),
    ('ps7-chain', 'Get-Item C:\\x || throw "no"'),
    ('ps7-null-coalescing', '$name = $Params.name ?? "nat"'),
    ('ps7-null-coalescing', '$Params.name ??= "nat"'),
    ('ps7-null-conditional', '$length = $found?.Count'),
    ('ps7-null-conditional', '$first = ${found}?[0]'),
    ('ps7-ternary', '$state = $found.Count -gt 0 ? "present" : "absent"'),
    ('ps7-foreach-parallel', '$found | ForEach-Object -Parallel { $_ }'),
    ('ps7-foreach-parallel', '$found | % -ThrottleLimit 4 -Par { $_ }'),
    ('parse', '$x = (1 + '),
    ('parse', 'if ($x) { $y = 1 '),
]


@pytest.mark.parametrize('rule, line', BAD_LINES, ids=[f'{rule}-{i}' for i, (rule, _unused) in enumerate(BAD_LINES)])
def test_bad_line_is_rejected(rule, line):
    text = replace_line(GOOD_OPERATION, "if (-not $?) { throw 'failed' }", line)
    findings = check_operation(text)
    assert rule in rules(findings), findings
    if rule.startswith('ps7-'):
        assert any(f.rule == rule and f.line == 11 for f in findings), findings


def test_clean_block_is_rejected():
    script = GOOD_OPERATION + 'function Remove-Temp {\n    process { $_ }\n    clean { Remove-Item $env:TEMP\\x }\n}\n'
    assert 'ps7-clean-block' in rules(check_operation(script))
    top_level = GOOD_OPERATION + 'clean {\n    Remove-Item $env:TEMP\\x\n}\n'
    assert 'ps7-clean-block' in rules(check_operation(top_level))


def test_ps7_tokens_in_strings_and_comments_are_not_rejected():
    text = GOOD_OPERATION + "# $a ?? $b && c\n$s = 'x ? y : z || w'\n$t = \"$($found.Count) ?. && \"\n"
    assert check_operation(text) == []


def test_ps7_tokens_in_a_subexpression_inside_a_string_are_rejected():
    text = GOOD_OPERATION + '$t = "count: $($found ?? 0)"\n'
    assert 'ps7-null-coalescing' in rules(check_operation(text))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="&|?.:{}[]$ab -_=@()#<>\"`", max_size=40))
def test_anything_inside_a_single_quoted_string_or_comment_is_fine(payload):
    quoted = payload.replace("'", "''")
    text = GOOD_OPERATION + "$s = '%s'\n# %s\n" % (quoted, payload)
    assert [f for f in check_operation(text) if f.rule.startswith('ps7-')] == []


def test_header_is_required():
    assert 'header' in rules(check_operation(replace_line(GOOD_OPERATION, 'operation: sample_read', 'operation: other')))
    assert 'header' in rules(check_operation('\n' + GOOD_OPERATION))
    assert 'header' in rules(check_operation('\ufeff' + GOOD_OPERATION))
    assert 'header' in rules(check_script(GOOD_OPERATION, 'bootstrap', 'bootstrap'))
    assert 'header' in rules(check_script(GOOD_SNIPPET, 'snippet', 'other'))


@pytest.mark.parametrize('line', [
    "$ErrorActionPreference = 'Continue'",
    "$ErrorPreference = 'Stop'",
    "# $ErrorActionPreference = 'Stop'",
    "function Set-Stop { $ErrorActionPreference = 'Stop' }",
    "$x = 1; $ErrorActionPreference = 'Stop'",
])
def test_error_action_stop_is_required_first(line):
    text = replace_line(GOOD_OPERATION, "$ErrorActionPreference = 'Stop'", line)
    assert 'error-action' in rules(check_operation(text))


def test_error_action_stop_in_any_quoting_and_case():
    text = replace_line(GOOD_OPERATION, "$ErrorActionPreference = 'Stop'", '$errorActionPreference = "stop"')
    assert check_operation(text) == []


def test_snippet_defines_functions_only():
    assert 'snippet' in rules(check_script(GOOD_SNIPPET + "$ErrorActionPreference = 'Continue'\n", 'snippet', 'hns'))


def test_required_snippet_must_exist():
    assert 'requires' in rules(check_operation(GOOD_OPERATION, snippets=frozenset()))


def test_schema_is_required_and_valid():
    assert 'schema' in rules(check_operation(GOOD_OPERATION, schema=None))
    assert 'schema' in rules(check_operation(GOOD_OPERATION, schema='{"type": "object",'))
    assert 'schema' in rules(check_operation(GOOD_OPERATION, schema='{"type": "hashtable"}'))
    assert 'schema' in rules(check_operation(GOOD_OPERATION, schema='{"type": "object", "required": "networks"}'))
    assert 'schema' in rules(check_operation(GOOD_OPERATION, schema='{"type": "array"}'))
    assert 'schema' in rules(check_operation(GOOD_OPERATION, schema='{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}'))
    unenforced = {'type': 'object', 'properties': {'networks': {'type': 'array', 'minItems': 1}}}
    assert 'schema' in rules(check_operation(GOOD_OPERATION, schema=json.dumps(unenforced)))


def test_every_required_key_is_in_a_hashtable_literal():
    forgot = replace_line(GOOD_OPERATION, "'hns_available' = $true; ", '')
    findings = check_operation(forgot)
    assert [f.message for f in findings if f.rule == 'required-key'] == [
        "the schema requires 'hns_available', but no hashtable literal in the script has that key"]
    # A key only in a comment, a string or a variable name does not count.
    mentioned = forgot + "# hns_available = $true\n$s = 'hns_available = 1'\n$hns_available = $true\n"
    assert 'required-key' in rules(check_operation(mentioned))
    # Keys are compared as ConvertTo-Json writes them: with their case.
    assert 'required-key' in rules(check_operation(replace_line(GOOD_OPERATION, 'networks = $found', 'Networks = $found')))


def test_bootstrap_must_survive_compaction():
    here_string = GOOD_BOOTSTRAP + "$s = @'\n# not a comment\n'@\n"
    assert 'bootstrap-compact' in rules(check_script(here_string, 'bootstrap', 'bootstrap'))
    block_comment = GOOD_BOOTSTRAP + '<#\n# text\n#>\n'
    assert 'bootstrap-compact' in rules(check_script(block_comment, 'bootstrap', 'bootstrap'))


def test_kinds_follow_paths():
    assert kind_of(POWERSHELL / 'bootstrap.ps1') == 'bootstrap'
    assert kind_of(POWERSHELL / 'snippets' / 'hns.ps1') == 'snippet'
    assert kind_of(POWERSHELL / 'hns_network_read.ps1') == 'operation'


# --- the real files ---------------------------------------------------------------

SCRIPTS = sorted(PLUGINS.rglob('*.ps1'))


def test_scripts_are_found():
    if BOOTSTRAP.exists():
        assert SCRIPTS, 'no plugins/**/*.ps1 found, although %s exists' % BOOTSTRAP.relative_to(REPO)
        assert BOOTSTRAP in SCRIPTS
    else:
        pytest.skip('no %s yet' % BOOTSTRAP.relative_to(REPO))


@pytest.mark.parametrize('path', SCRIPTS, ids=[str(p.relative_to(PLUGINS)) for p in SCRIPTS])
def test_script(path):
    findings = check_file(path)
    assert not findings, '%s:\n%s' % (path.relative_to(REPO), '\n'.join('  %s' % f for f in findings))


def test_every_result_schema_has_an_operation():
    orphans = [p.relative_to(REPO) for p in PLUGINS.rglob('*.result.json')
               if not p.with_name(p.name[:-len('.result.json')] + '.ps1').exists()]
    assert not orphans, 'result schemas without an operation: %s' % orphans


def test_no_operation_runs_cmd_exe():
    """cmd.exe reads & | < > ^ % inside arguments however they are quoted for argv: no operation starts it."""
    found = ['%s:%d' % (path.relative_to(REPO), number)
             for path in SCRIPTS
             for number, line in enumerate(path.read_text(encoding='utf-8-sig').splitlines(), 1)
             if not line.lstrip().startswith('#') and re.search(r'(?i)\bcmd(\.exe)?\b', line)]
    assert not found, 'cmd.exe started at %s' % ', '.join(found)
