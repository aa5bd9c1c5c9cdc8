"""path_entry_read: the raw Path value of a scope, its kind, and the expansions of its pieces."""

from winsim.windows import environment

from .base import PowerShellError, param

SCOPES = ("machine", "user")


def scope_param(params) -> str:
    scope = param(params, "scope", (str,))
    # PowerShell's switch compares strings case-insensitively.
    if scope.lower() not in SCOPES:
        raise PowerShellError(f"Unknown scope {scope}; expected machine or user.", "OperationStopped")
    return scope.lower()


def run(state: dict, params) -> dict:
    scope = scope_param(params)
    path = param(params, "path", (str,))
    try:
        kind, value = environment.read_raw(state, scope)
    except environment.NotAStringValue as error:
        raise PowerShellError(str(error), "OperationStopped") from None
    # [string]::Split(';') keeps empty pieces; each is expanded on its own.
    expanded = [] if value is None else [environment.expand(piece) for piece in value.split(";")]
    result = {"kind": kind, "value": value, "expanded_pieces": expanded, "path_expanded": environment.expand(path)}
    # Test hook: another process writes PATH between this read and the module's write.
    environment.apply_writes_after_read(state)
    return result
