# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run wcow.buildkit PowerShell operations over the task's connection.

The command line is a short, fixed bootstrap; the operation's script and its
parameters travel on stdin. WinRM hands command lines to cmd.exe, which stops
at 8191 characters, and ansible-core 2.18 encodes every command once more, so
a script on the command line would soon be too long.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import os
import re
import typing as t
import xml.etree.ElementTree as ET

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.utils.display import Display

from .errors import OperationError
from .result_shape import shape_errors

if t.TYPE_CHECKING:
    from ansible.plugins.connection import ConnectionBase

display = Display()

# plugin_utils/powershell/: the operations, beside this package.
POWERSHELL_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'powershell')
COMMAND_PREFIX = 'PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand '
_REQUIRES = re.compile(r'^# wcow\.buildkit requires: (?P<names>[\w, ]+)$', re.MULTILINE)
_CLIXML_NS = '{http://schemas.microsoft.com/powershell/2004/04}'


# The operations that change the host hold the host's lock (a named mutex,
# powershell/snippets/host_lock.ps1) while they run; the reads do not wait for it.
_CHANGING_SUFFIXES = ('_apply', '_write', '_remove', '_enable')
_CHANGING_OPERATIONS = frozenset({'host_reboot'})
# How long a changing operation waits for another run's changes to end, unless
# the host's wcow_host_lock_timeout says otherwise (_core/host_lock.py).
DEFAULT_LOCK_TIMEOUT_S = 300
HOST_LOCK_SNIPPET = 'host_lock'
# The bootstrap reads $payload.lock and releases $WcowHostLock in its finally.
HOST_LOCK_CALL = '$WcowHostLock = Enter-WcowHostLock -TimeoutSeconds $payload.lock.timeout_s'


def changes_host(name: str) -> bool:
    return name.endswith(_CHANGING_SUFFIXES) or name in _CHANGING_OPERATIONS


class Operation:
    """One .ps1 operation with its snippets and declared result schema."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.bare_script = _read('%s.ps1' % name)
        self.snippets = _required_snippets(self.bare_script)
        self.script = _compose(self.bare_script, locked=changes_host(name))
        with open(os.path.join(POWERSHELL_DIR, '%s.result.json' % name), encoding='utf-8') as schema:
            self.result_schema: dict[str, t.Any] = json.load(schema)


def _read(relative: str) -> str:
    with open(os.path.join(POWERSHELL_DIR, relative), encoding='utf-8') as handle:
        return handle.read()


def _required_snippets(script: str) -> tuple[str, ...]:
    match = _REQUIRES.search(script)
    if not match:
        return ()
    return tuple(name.strip() for name in match.group('names').split(',') if name.strip())


def _snippet(name: str) -> str:
    return _read(os.path.join('snippets', '%s.ps1' % name))


def _compose(script: str, locked: bool = False) -> str:
    """Insert the snippets an operation requires after its first line.

    The first line stays first: it names the operation. An operation that
    changes the host (`locked`) takes the host's lock before anything else.
    """
    names = _required_snippets(script)
    if locked and HOST_LOCK_SNIPPET not in names:
        names = (HOST_LOCK_SNIPPET,) + names
    snippets = [_snippet(name) for name in names] + ([HOST_LOCK_CALL] if locked else [])
    if not snippets:
        return script
    first, _newline, rest = script.partition('\n')
    return '\n'.join([first] + snippets + [rest])


@functools.lru_cache(maxsize=None)
def load_operation(name: str) -> Operation:
    return Operation(name)


@functools.lru_cache(maxsize=1)
def bootstrap_command() -> str:
    return COMMAND_PREFIX + to_text(base64.b64encode(_compact(_read('bootstrap.ps1')).encode('utf-16-le')))


def _compact(script: str) -> str:
    """The script without indentation, blank lines and comment lines but its first line.

    Here-strings (from a line ending in @' or @" to the line starting with '@
    or "@) are kept as they are. Comments after code stay.
    """
    lines = script.splitlines()
    kept = [lines[0]]
    here_end = None
    for line in lines[1:]:
        if here_end is not None:
            kept.append(line)
            if line.startswith(here_end):
                here_end = None
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith('#'):
            continue
        kept.append(stripped)
        if stripped.endswith(("@'", '@"')):
            here_end = stripped[-1] + '@'
    return '\n'.join(kept)


# Every operation reads the host before it changes anything, so running the
# task again is how to find out and finish.
LOST_ANSWER = ('the connection to the host failed while the operation ran (%s: %s). The host may have applied it '
               'in full, in part or not at all; run the play again to converge it.')

# Raw bytes per streamed stdin line: a multiple of 3, so that every line is
# base64 without padding, about 76 KiB of text.
STREAM_LINE_BYTES = 57 * 1024


def encode_input(operation: Operation, params: dict[str, t.Any], stream: bytes | None = None,
                 lock_timeout_s: int = DEFAULT_LOCK_TIMEOUT_S) -> bytes:
    """stdin for the bootstrap: the payload line, then `stream` as base64 lines.

    Without a stream, stdin is the payload alone (no line break), as before.
    The operation reads the streamed lines with [Console]::In.ReadLine() until
    it returns $null. `lock` is null for a read; for an operation that
    changes the host, how many seconds the bootstrap waits for the host's lock.
    """
    lock = {'timeout_s': lock_timeout_s} if changes_host(operation.name) else None
    document = {'operation': operation.name, 'script': operation.script, 'params': params, 'lock': lock}
    payload = base64.b64encode(json.dumps(document, separators=(',', ':')).encode('utf-8'))
    if stream is None:
        return payload
    lines = [payload]
    lines.extend(base64.b64encode(stream[start:start + STREAM_LINE_BYTES])
                 for start in range(0, len(stream), STREAM_LINE_BYTES))
    return b'\n'.join(lines) + b'\n'


def run_operation(connection: ConnectionBase, name: str, params: dict[str, t.Any], log_params: bool = True,
                  stream: bytes | None = None, lock_timeout_s: int = DEFAULT_LOCK_TIMEOUT_S) -> dict[str, t.Any]:
    """Run operation `name` with `params` on the host and return its result.

    `stream` (bytes) is sent on stdin after the payload, for an operation that
    reads it (an upload). An operation that changes the host waits up to
    `lock_timeout_s` seconds for the host's lock (encode_input). Connection failures the connection plugin raises as
    Ansible errors propagate (a timeout reports the host unreachable). A
    connection lost while the command ran, or a WS-Management fault in its
    place, comes from pywinrm or requests as a bare exception: it raises
    OperationError saying what that means for the host. Anything else raises
    OperationError too.
    """
    operation = load_operation(name)
    display.vvv('wcow.buildkit: running operation %s' % name)
    if log_params:
        display.vvvvv('wcow.buildkit: %s parameters: %s' % (name, json.dumps(params)))
    if stream is not None:
        display.vvv('wcow.buildkit: streaming %d bytes to %s' % (len(stream), name))
    in_data = encode_input(operation, params, stream, lock_timeout_s)
    try:
        rc, stdout, stderr = connection.exec_command(bootstrap_command(), in_data=in_data, sudoable=False)
    except AnsibleError:
        raise
    except Exception as error:  # requests' ConnectionError, pywinrm's WinRMError and WSManFaultError
        raise OperationError(name, LOST_ANSWER % (type(error).__name__, to_text(error))) from error
    return parse_output(operation, rc, stdout, stderr)


def parse_output(operation: Operation, rc: int, stdout: bytes | str,
                 stderr: bytes | str) -> dict[str, t.Any]:
    stdout = to_text(stdout, errors='surrogate_or_strict').strip()
    stderr = to_text(stderr, errors='surrogate_or_strict').strip()
    errors_text = clixml_errors(stderr) if stderr.startswith('#< CLIXML') else stderr
    document, problem = _single_json_document(stdout)
    if isinstance(document, dict) and isinstance(document.get('wcow_error'), dict):
        raise OperationError(operation.name, host_failure(document['wcow_error']), rc, stdout, stderr)
    if rc != 0:
        raise OperationError(operation.name, 'exited with code %s: %s' % (rc, errors_text or stdout or 'no output'),
                             rc, stdout, stderr)
    if problem:
        detail = ' (stderr: %s)' % errors_text if errors_text else ''
        raise OperationError(operation.name, '%s%s' % (problem, detail), rc, stdout, stderr)
    errors = shape_errors(document, operation.result_schema)
    if errors:
        raise OperationError(operation.name, 'result does not have the declared shape: %s' % '; '.join(errors),
                             rc, stdout, stderr)
    if errors_text:
        display.warning('%s wrote to stderr: %s' % (operation.name, errors_text))
    return document


def host_failure(failure: dict[str, t.Any]) -> str:
    """The message of a {"wcow_error": ...} answer: the error and, from -vv on, where the script threw it."""
    message = to_text(failure.get('message', 'no message')).strip()
    # Where the script threw ("At line:280 char:13 + throw ...") helps whoever debugs the
    # operation, not the user: shown from -vv on.
    position = to_text(failure.get('position') or '').strip() if display.verbosity >= 2 else ''
    return 'failed on the host: %s%s' % (message, '\n' + position if position else '')


def _single_json_document(stdout: str) -> tuple[t.Any, str | None]:
    if not stdout:
        return None, 'printed no output, expected one JSON document'
    try:
        return json.loads(stdout), None
    except ValueError as error:
        return None, 'printed output that is not exactly one JSON document (%s): %s' % (error, stdout[:400])


def clixml_errors(stderr: str) -> str:
    """The text of the error records in a CLIXML stderr stream."""
    body = stderr.split('\n', 1)[1] if '\n' in stderr else ''
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return stderr
    lines = [_unescape_clixml(node.text or '') for node in root.iter(_CLIXML_NS + 'S') if node.get('S') == 'Error']
    return ''.join(lines).strip() or stderr


def _unescape_clixml(text: str) -> str:
    return re.sub(r'_x([0-9A-Fa-f]{4})_', lambda match: chr(int(match.group(1), 16)), text)


BATCH_OPERATION = 'batch_read'


def batch_stream(reads: t.Sequence[tuple[str, str, dict[str, t.Any]]]) -> bytes:
    """What batch_read reads on stdin for `reads`, (key, operation name, params) each: the gzip of the JSON
    {"snippets": text, "scripts": {name: text}, "items": [{key, operation, params}]}.

    Each script and each snippet is sent once, however many reads use it, without comment lines and
    indentation; PowerShell text shrinks to about a quarter. Streamed after the payload line (base64 lines,
    encode_input), the texts are base64-encoded once before WinRM's own encoding, not once more inside the
    payload.
    """
    scripts: dict[str, str] = {}
    snippets: list[str] = []
    for _key, name, _params in reads:
        operation = load_operation(name)
        scripts.setdefault(name, _compact(operation.bare_script))
        snippets.extend(snippet for snippet in operation.snippets if snippet not in snippets)
    texts = {'snippets': '\n'.join(_compact(_snippet(name)) for name in snippets), 'scripts': scripts,
             'items': [{'key': key, 'operation': name, 'params': params} for key, name, params in reads]}
    return gzip.compress(json.dumps(texts, separators=(',', ':')).encode('utf-8'), mtime=0)


def run_batch(connection: ConnectionBase, reads: t.Sequence[tuple[str, str, dict[str, t.Any]]]
              ) -> dict[str, dict[str, t.Any] | OperationError]:
    """Run several read operations in one PowerShell execution (batch_read).

    `reads` holds (key, operation name, params); the answer maps each key to
    the operation's result, checked against its schema, or to the
    OperationError the same operation run alone would have raised. A failure
    of the batch itself raises OperationError.
    """
    keys = [key for key, _name, _params in reads]
    if len(set(keys)) != len(keys):
        raise ValueError('batch keys must be unique: %r' % keys)
    answers = run_operation(connection, BATCH_OPERATION, {}, stream=batch_stream(reads))['results']
    found: dict[str, dict[str, t.Any] | OperationError] = {}
    for key, name, _params in reads:
        answer = answers.get(key)
        operation = load_operation(name)
        if not isinstance(answer, dict):
            found[key] = OperationError(name, 'batch_read gave no answer for %s' % key)
        elif isinstance(answer.get('wcow_error'), dict):
            found[key] = OperationError(name, host_failure(answer['wcow_error']))
        else:
            errors = shape_errors(answer.get('result'), operation.result_schema)
            found[key] = (OperationError(name, 'result does not have the declared shape: %s' % '; '.join(errors))
                          if errors else answer['result'])
    return found
