"""path_entry_write: write the Path value as REG_EXPAND_SZ unless it changed since it was read."""

from winsim.windows import environment

from .base import PowerShellError, param
from .path_entry_read import scope_param


def run(state: dict, params) -> dict:
    scope = scope_param(params)
    value = param(params, "value", (str,))
    expected_kind = param(params, "expected_kind", (str,))
    expected_value = param(params, "expected_value", (str,), nullable=True)
    record = environment.path_value(state, scope)
    kind = "None" if record is None else environment.VALUE_KINDS[record["type"]]
    current = None if record is None else record["value"]
    # The script compares the kind with -ne (ignoring case) and the text with -cne (exact).
    if kind.lower() != expected_kind.lower() or current != expected_value:
        raise PowerShellError(
            f"The {scope} PATH changed after it was read (another process wrote it); nothing was written, "
            f"run the task again. Read ({expected_kind}): {expected_value or ''} Now ({kind}): {current or ''}",
            "OperationStopped",
        )
    environment.set_path_value(state, scope, value, "REG_EXPAND_SZ")
    broadcast = environment.broadcast_setting_change(state)
    return {"path_value": value, "kind": "ExpandString", "broadcast": broadcast}
