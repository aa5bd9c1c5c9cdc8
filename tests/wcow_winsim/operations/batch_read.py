"""batch_read: several read operations in one execution, each answered on its own.

The stdin lines after the payload are base64 of the gzip of {"snippets",
"scripts", "items"}, which the script reads with [Console]::In.ReadLine() and
GZipStream (docs/windows-facts.md#gzip-in-windows-powershell-51); what does not
decode so fails the whole batch. The script dot-sources the snippets once, then runs each item's script in a
child scope with the item's params, catching what it throws: an item that
throws is answered with {"wcow_error": ...} and the next item still runs.
Each item is the operation named by its script's first line, modelled by the
handler of that name; an item whose script is missing runs an empty script
block (a $null result). The bootstrap writes the whole answer with
ConvertTo-Json -Depth 20.
"""

import base64
import binascii
import gzip
import json
import re
import zlib

from winsim.host.powershell import throw_position

from .base import PowerShellError

_OPERATION_LINE = re.compile(r"# wcow\.buildkit operation: ([A-Za-z0-9_]+)")


def run(state: dict, params, stdin: bytes = b"") -> dict:
    from . import HANDLERS  # the registry imports this module while it is built

    texts = _unpack(stdin)
    scripts = texts.get("scripts") if isinstance(texts.get("scripts"), dict) else {}
    items = texts.get("items") if isinstance(texts.get("items"), list) else []
    answers = {}
    for item in items:
        script = scripts.get(item.get("operation")) if isinstance(item, dict) else None
        key = str(item.get("key")) if isinstance(item, dict) else ""
        if not isinstance(script, str) or not script:
            answers[key] = {"result": None}
            continue
        match = _OPERATION_LINE.fullmatch(script.split("\n", 1)[0].removesuffix("\r"))
        handler = HANDLERS.get(match.group(1)) if match else None
        if handler is None or getattr(handler, "reads_stdin", False) or handler is run:
            # What the simulator cannot run fails the whole execution: never an answer made up.
            raise PowerShellError(
                f"winsim: no model of the batched script starting with {script.split(chr(10), 1)[0][:100]!r}.",
                "NotImplemented",
                "",
            )
        try:
            answers[key] = {"result": handler(state, item.get("params"))}
        except PowerShellError as error:
            position = error.position
            if position is None:
                position = throw_position(script, error.message) if error.category == "OperationStopped" else ""
            answers[key] = {"wcow_error": {"message": error.message, "category": error.category, "position": position}}
    return {"results": answers}


run.reads_stdin = True


def _unpack(stdin: bytes) -> dict:
    try:
        packed = b"".join(base64.b64decode(line.strip(), validate=True)
                          for line in re.split(rb"\r\n|\n|\r", stdin) if line.strip())
        texts = json.loads(gzip.decompress(packed).decode("utf-8"))
    except binascii.Error:
        raise PowerShellError("The input is not a valid Base-64 string as it contains a non-base 64 character, more "
                              "than two padding characters, or an illegal character among the padding characters.",
                              "NotSpecified") from None
    except (OSError, EOFError, zlib.error):
        raise PowerShellError("The magic number in GZip header is not correct. Make sure you are passing in a GZip "
                              "stream.", "NotSpecified") from None
    except ValueError:
        raise PowerShellError("Invalid JSON primitive.", "NotSpecified") from None
    return texts if isinstance(texts, dict) else {}
