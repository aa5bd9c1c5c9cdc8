"""batch_read: several read operations in one execution, each answered on its own.

The script dot-sources the snippets once, then runs each item's script in a
child scope with the item's params, catching what it throws: an item that
throws is answered with {"wcow_error": ...} and the next item still runs.
Each item is the operation named by its script's first line, modelled by the
handler of that name; an item whose script is missing runs an empty script
block (a $null result). The bootstrap writes the whole answer with
ConvertTo-Json -Depth 20.
"""

import re

from winsim.host.powershell import throw_position

from .base import PowerShellError, param

_OPERATION_LINE = re.compile(r"# wcow\.buildkit operation: ([A-Za-z0-9_]+)")


def run(state: dict, params) -> dict:
    from . import HANDLERS  # the registry imports this module while it is built

    scripts = param(params, "scripts", (dict,))
    items = param(params, "items", (list,))
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
