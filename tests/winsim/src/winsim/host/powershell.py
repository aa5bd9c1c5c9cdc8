"""powershell.exe on a simulated host: the plug-ins run what they know, anything else fails.

`run_powershell(store, script, stdin, plugins)` plays `PowerShell ...
-EncodedCommand` for the innermost `script`, with `stdin` on standard input:
the first plug-in (winsim.plugin) that claims the script answers, and an
Operation it returns runs in a transaction of the host's state with the host's
faults applied. A script no plug-in claims fails as an uncaught PowerShell
error does: exit code 1 and a CLIXML error record on stderr.

The rest is Windows PowerShell 5.1 as plug-ins need it to answer as it does:
`UncaughtError` (an error no try/catch handles, as CLIXML on stderr),
`read_line`, `from_base64_string`, `convert_from_json`, `convert_to_json`
and `throw_position`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Callable, Iterable
from xml.sax.saxutils import escape

from ..plugin import Operation, Plugin, ProcessResult
from . import faults

_CLIXML_HEADER = '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'

__all__ = ["UncaughtError", "run_powershell", "read_line", "from_base64_string", "convert_from_json",
           "convert_to_json", "throw_position"]


class UncaughtError(Exception):
    """A terminating error that no try/catch handles: powershell.exe prints its record and exits 1."""

    def __init__(self, message: str, category_info: str, error_id: str):
        super().__init__(message)
        self.message, self.category_info, self.error_id = message, category_info, error_id

    def result(self) -> ProcessResult:
        return ProcessResult(b"", _clixml(self), 1)


def run_powershell(store: Any, script: str, stdin: bytes, plugins: Iterable[Plugin] = (),
                   on_operation: Callable[[Operation], None] | None = None) -> ProcessResult:
    """Run `script` with `stdin` on the host whose state `store` keeps; `on_operation` hears of an
    Operation before it runs (the listener's faults: winsim.transport.answer_faults)."""
    for plugin in plugins:
        claimed = plugin.invoke(script, stdin)
        if claimed is None:
            continue
        if not isinstance(claimed, Operation):
            return claimed
        if on_operation is not None:
            on_operation(claimed)
        # winsim.host.faults: a killed process keeps what it changed until it died.
        with store.transaction() as state, faults.injected(store, claimed.name, claimed.params, state) as injected:
            result = claimed.run(state)
        if injected.killed:
            # Terminated: no output; the fault also takes the answer away.
            return ProcessResult(b"", b"", 1)
        return result
    return UncaughtError(
        f"winsim: no plug-in of this simulated host models the script starting with {_first_line(script)[:100]!r}.",
        "NotImplemented: (:) [], RuntimeException",
        "WinSimUnrecognisedScript",
    ).result()


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].removesuffix("\r")


def read_line(stdin: bytes) -> tuple[bytes, bytes]:
    """[Console]::In.ReadLine(): the first line (ended by \\r\\n, \\n or \\r) and the rest after it."""
    match = re.search(rb"\r\n|\n|\r", stdin)
    if match is None:
        return stdin, b""
    return stdin[: match.start()], stdin[match.end() :]


def from_base64_string(data: bytes) -> bytes:
    """[Convert]::FromBase64String, which ignores white space anywhere in its input."""
    text = re.sub(rb"[ \t\r\n]", b"", data)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        reason = (
            "Invalid length for a Base-64 char array or string."
            if len(text) % 4 and re.fullmatch(rb"[A-Za-z0-9+/=]*", text)
            else "The input is not a valid Base-64 string as it contains a non-base 64 character, "
            "more than two padding characters, or an illegal character among the padding characters. "
        )
        raise UncaughtError(
            f'Exception calling "FromBase64String" with "1" argument(s): "{reason}"',
            "NotSpecified: (:) [], MethodInvocationException",
            "FormatException",
        ) from None
    return raw


def convert_from_json(document: str) -> Any:
    """ConvertFrom-Json of Windows PowerShell 5.1 (no NaN or Infinity)."""
    try:
        return json.loads(document, parse_constant=_refuse)
    except ValueError:
        token = document.strip().split(None, 1)[0][:40] if document.strip() else ""
        raise UncaughtError(
            f"Invalid JSON primitive: {token}.",
            "NotSpecified: (:) [ConvertFrom-Json], ArgumentException",
            "System.ArgumentException,Microsoft.PowerShell.Commands.ConvertFromJsonCommand",
        ) from None


def _refuse(name: str):
    raise ValueError(name)


def convert_to_json(value: Any) -> bytes:
    """`ConvertTo-Json -Compress` of Windows PowerShell 5.1, as one output line."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # 5.1 escapes these four in strings (PowerShell/PowerShell#7693); outside
    # strings they never occur in JSON, so a plain replace is exact.
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(char, escaped)
    return (text + "\r\n").encode("utf-8")


def throw_position(script: str, message: str) -> str:
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


def _clixml(error: UncaughtError) -> bytes:
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
