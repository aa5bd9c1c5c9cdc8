"""Windows PowerShell 5.1 as far as a simulated host runs it: the wcow.buildkit bootstrap.

`run_powershell(store, script, stdin)` plays `PowerShell ... -EncodedCommand`
for the innermost `script`, with `stdin` on standard input. Only the bootstrap
(first line `# wcow.buildkit bootstrap`) is understood; it carries an
operation script recognised by its first line `# wcow.buildkit operation:
<name>` and run by `winsim.operations`. Anything else fails as an uncaught
PowerShell error does: exit code 1 and a CLIXML error record on stderr.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from . import faults
from ..operations import HANDLERS, PowerShellError

BOOTSTRAP_LINE = "# wcow.buildkit bootstrap"
_OPERATION_LINE = re.compile(r"# wcow\.buildkit operation: ([A-Za-z0-9_]+)")
_CLIXML_HEADER = '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'

__all__ = ["ProcessResult", "PowerShellError", "run_powershell", "BOOTSTRAP_LINE"]


@dataclass
class ProcessResult:
    stdout: bytes
    stderr: bytes
    rc: int


class _UncaughtError(Exception):
    """A terminating error outside the bootstrap's try/catch."""

    def __init__(self, message: str, category_info: str, error_id: str):
        super().__init__(message)
        self.message, self.category_info, self.error_id = message, category_info, error_id


def run_powershell(store, script: str, stdin: bytes) -> ProcessResult:
    try:
        handler, operation_script, params, rest = _unwrap(script, stdin)
    except _UncaughtError as error:
        return ProcessResult(b"", _clixml(error), 1)
    if params is None:
        # The bootstrap calls the script with -Params, declared Mandatory.
        bind = PowerShellError("Cannot bind argument to parameter 'Params' because it is null.", "InvalidData", "")
        return _failed(bind, operation_script)
    failure = None
    operation = _OPERATION_LINE.fullmatch(_first_line(operation_script)).group(1)
    # winsim.host.faults: a killed process keeps what it changed until it died.
    with store.transaction() as state, faults.injected(store, operation, params, state) as injected:
        try:
            # Only a handler marked `reads_stdin` gets the lines after the payload.
            extra = {"stdin": rest} if getattr(handler, "reads_stdin", False) else {}
            result = handler(state, params, **extra)
        except PowerShellError as error:
            # What the script changed before it threw stays changed.
            failure = error
    if injected.killed:
        # Terminated: no output; the fault also takes the answer away.
        return ProcessResult(b"", b"", 1)
    if failure is not None:
        return _failed(failure, operation_script)
    return ProcessResult(_json_line(result), b"", 0)


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].removesuffix("\r")


def _unwrap(script: str, stdin: bytes):
    first = _first_line(script)
    if first != BOOTSTRAP_LINE:
        raise _UncaughtError(
            f"winsim: the simulated host runs only the wcow.buildkit bootstrap; this script starts with {first[:100]!r}.",
            "NotImplemented: (:) [], RuntimeException",
            "WinSimUnrecognisedScript",
        )
    # The bootstrap reads one line ([Console]::In.ReadLine(), which ends a line
    # at \r\n, \n or \r) and leaves the rest for the operation.
    first, rest = _split_first_line(stdin)
    payload = _payload(first)
    operation_script = payload.get("script") if isinstance(payload, dict) else None
    if not isinstance(operation_script, str):
        raise _UncaughtError(
            "winsim: the bootstrap payload is not an object with a 'script' text.",
            "InvalidData: (:) [], RuntimeException",
            "WinSimBadPayload",
        )
    # The operation is named by the script's first line, never by payload["operation"].
    match = _OPERATION_LINE.fullmatch(_first_line(operation_script))
    handler = HANDLERS.get(match.group(1)) if match else None
    if handler is None:
        raise _UncaughtError(
            f"winsim: no model of the operation script starting with {_first_line(operation_script)[:100]!r}.",
            "NotImplemented: (:) [], RuntimeException",
            "WinSimUnknownOperation",
        )
    return handler, operation_script, payload.get("params"), rest


def _split_first_line(stdin: bytes) -> tuple[bytes, bytes]:
    match = re.search(rb"\r\n|\n|\r", stdin)
    if match is None:
        return stdin, b""
    return stdin[: match.start()], stdin[match.end() :]


def _payload(stdin: bytes):
    # [Convert]::FromBase64String ignores white space anywhere in its input.
    text = re.sub(rb"[ \t\r\n]", b"", stdin)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        reason = (
            "Invalid length for a Base-64 char array or string."
            if len(text) % 4 and re.fullmatch(rb"[A-Za-z0-9+/=]*", text)
            else "The input is not a valid Base-64 string as it contains a non-base 64 character, "
            "more than two padding characters, or an illegal character among the padding characters. "
        )
        raise _UncaughtError(
            f'Exception calling "FromBase64String" with "1" argument(s): "{reason}"',
            "NotSpecified: (:) [], MethodInvocationException",
            "FormatException",
        ) from None
    # [Text.Encoding]::UTF8.GetString replaces bad bytes rather than failing.
    document = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(document, parse_constant=_refuse)
    except ValueError:
        token = document.strip().split(None, 1)[0][:40] if document.strip() else ""
        raise _UncaughtError(
            f"Invalid JSON primitive: {token}.",
            "NotSpecified: (:) [ConvertFrom-Json], ArgumentException",
            "System.ArgumentException,Microsoft.PowerShell.Commands.ConvertFromJsonCommand",
        ) from None


def _refuse(name: str):
    raise ValueError(name)


def _json_line(value) -> bytes:
    """`ConvertTo-Json -Compress` of Windows PowerShell 5.1, as one output line."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # 5.1 escapes these four in strings (PowerShell/PowerShell#7693); outside
    # strings they never occur in JSON, so a plain replace is exact.
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(char, escaped)
    return (text + "\r\n").encode("utf-8")


def _failed(error: PowerShellError, operation_script: str) -> ProcessResult:
    position = error.position
    if position is None:
        position = _throw_position(operation_script, error.message) if error.category == "OperationStopped" else ""
    document = {"wcow_error": {"message": error.message, "category": error.category, "position": position}}
    return ProcessResult(_json_line(document), b"", 1)


def _throw_position(script: str, message: str) -> str:
    """InvocationInfo.PositionMessage of the `throw` statement that made `message`, in the composed script.

    A `throw` records its own extent; rethrowing the caught error (`throw`, `throw $failure`) keeps the
    first one (ExceptionHandlingOps.ConvertToException sets a position only where none is yet,
    PowerShell/PowerShell). The throw is the one whose string, with its -f placeholders and
    $variables as wildcards, can spell `message`. When none or several can, the position is left
    out rather than guessed.
    """
    found = []
    for number, line in enumerate(script.splitlines(), 1):
        match = re.search(r"\bthrow\b", line, re.IGNORECASE)
        if not match or line.lstrip().startswith("#"):
            continue
        pattern = _thrown_text_pattern(line[match.end():])
        if pattern is not None and pattern.fullmatch(message):
            found.append((number, line.rstrip(), match.start()))
    if len(found) != 1:
        return ""
    number, line, column = found[0]
    return f"At line:{number} char:{column + 1}\r\n+ {line}\r\n+ {' ' * column}{'~' * (len(line) - column)}"


_PLACEHOLDER = re.compile(r"\{\d+(?:,[^}]*)?(?::[^}]*)?\}")
_EXPANSION = re.compile(r"\$\([^)]*\)|\$\{[^}]*\}|\$[\w:]+")


def _thrown_text_pattern(rest: str):
    """A regular expression for what `throw <rest>` can throw, when it throws a string literal (possibly
    formatted with -f); None for anything else (a variable, a rethrow)."""
    literal = re.match(r"""[\s(]*(?:'((?:[^']|'')*)'|"((?:[^"`]|`.)*)")""", rest)
    if literal is None:
        return None
    formatted = re.match(r"\s*-f\b", rest[literal.end():]) is not None
    if literal.group(1) is not None:
        text, expandable = literal.group(1).replace("''", "'"), False
    else:
        text, expandable = re.sub(r"`(.)", r"\1", literal.group(2)), True
    parts, position = [], 0
    wildcards = list(_EXPANSION.finditer(text)) if expandable else []
    if formatted:
        wildcards += list(_PLACEHOLDER.finditer(text))
    for hole in sorted(wildcards, key=lambda m: m.start()):
        if hole.start() < position:
            continue
        parts.append(_literal_regex(text[position:hole.start()], formatted) + ".*")
        position = hole.end()
    parts.append(_literal_regex(text[position:], formatted))
    return re.compile("".join(parts), re.DOTALL)


def _literal_regex(text: str, formatted: bool) -> str:
    if formatted:
        text = text.replace("{{", "{").replace("}}", "}")
    return re.escape(text)


def _clixml(error: _UncaughtError) -> bytes:
    lines = [
        error.message,
        f"    + CategoryInfo          : {error.category_info}",
        f"    + FullyQualifiedErrorId : {error.error_id}",
        " ",
    ]
    records = "".join(f'<S S="Error">{_clixml_text(line + chr(13) + chr(10))}</S>' for line in lines)
    return (_CLIXML_HEADER + records + "</Objs>").encode("utf-8")


def _clixml_text(text: str) -> str:
    # PowerShell's serializer writes control characters as _xHHHH_ and guards a
    # literal "_x" as _x005F_x, then XML-escapes the rest.
    out = []
    for index, char in enumerate(text):
        if char == "_" and text[index + 1 : index + 2] == "x":
            out.append("_x005F_")
        elif ord(char) < 0x20 or 0xD800 <= ord(char) <= 0xDFFF or ord(char) in (0xFFFE, 0xFFFF):
            out.append(f"_x{ord(char):04X}_")
        else:
            out.append(char)
    return escape("".join(out))
