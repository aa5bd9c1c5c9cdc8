"""What an operation handler raises and how it reads its parameters."""


class PowerShellError(Exception):
    """A terminating error the operation script would throw.

    `category` is the ErrorRecord's CategoryInfo.Category name (`throw "text"`
    gives OperationStopped); `position` its InvocationInfo.PositionMessage, or
    None to let the bootstrap model find it.
    """

    def __init__(self, message: str, category: str = "NotSpecified", position: str | None = None):
        super().__init__(message)
        self.message = message
        self.category = category
        self.position = position


def param(params, name: str, kinds: tuple, nullable: bool = False):
    """`$Params.<name>`, refused when absent or of the wrong JSON type.

    Stricter than PowerShell, which reads an absent property as $null: the
    runner always sends every parameter, and a gap is a bug to surface.
    """
    if not isinstance(params, dict) or name not in params:
        raise PowerShellError(f"Parameter '{name}' is missing from $Params.", "InvalidArgument")
    value = params[name]
    if value is None and nullable:
        return None
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise PowerShellError(f"Parameter '{name}' has the wrong type.", "InvalidArgument")
    return value
