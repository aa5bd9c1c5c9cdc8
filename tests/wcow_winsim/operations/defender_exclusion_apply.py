"""defender_exclusion_apply: Remove-MpPreference, then Add-MpPreference, then the lists Get-MpPreference shows."""

from winsim.windows import defender, ntfs

from .base import PowerShellError, param
from .defender_common import exclusions, not_modelled

ORDER = (("remove_processes", defender.remove, "exclusion_process"),
         ("remove_paths", defender.remove, "exclusion_path"),
         ("add_processes", defender.add, "exclusion_process"),
         ("add_paths", defender.add, "exclusion_path"))


def _strings(params, name: str) -> list:
    value = param(params, name, (list,))
    if not all(isinstance(item, str) for item in value):
        raise PowerShellError(f"Parameter '{name}' has the wrong type.", "InvalidArgument")
    return value


def run(state: dict, params) -> dict:
    token = ntfs.operator_token(state)
    wanted = [(_strings(params, name), change, kind) for name, change, kind in ORDER]
    try:
        # Each call changes the host before the next one can fail: what was done stays done.
        for values, change, kind in wanted:
            if values:
                change(state, token, kind, values)
        preference = defender.get_preference(state, token)
    except defender.DefenderError as error:
        # A CimException no catch handles: the bootstrap reports its message.
        raise PowerShellError(error.message) from None
    except defender.NotModelled as error:
        raise not_modelled(error) from None
    return exclusions(preference)
