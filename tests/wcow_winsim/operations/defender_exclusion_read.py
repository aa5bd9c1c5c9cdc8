"""defender_exclusion_read: whether Microsoft Defender Antivirus answers, and its local exclusions."""

from winsim.windows import defender, ntfs

from .base import PowerShellError
from .defender_common import exclusions, not_modelled


def run(state: dict, params) -> dict:
    if not isinstance(params, dict):
        raise PowerShellError("Parameter '$Params' has the wrong type.", "InvalidArgument")
    token = ntfs.operator_token(state)
    result = {"administrator": ntfs.ADMINISTRATORS in token, "service": None, "reason": None, "error": None,
              "hidden": False, "processes": [], "paths": []}
    status = defender.service_status(state)
    if status is None:
        # Get-Service -Name WinDefend -ErrorAction SilentlyContinue: nothing.
        result["reason"] = "not_installed"
        return result
    result["service"] = status
    try:
        preference = defender.get_preference(state, token)
    except defender.DefenderError as error:
        # The script's catch takes only HRESULT 0x800106ba for "not running" and rethrows the rest.
        if not error.error_id.startswith("HRESULT 0x800106ba,"):
            raise PowerShellError(error.message) from None
        result.update(reason="not_running", error=error.message)
        return result
    except defender.NotModelled as error:
        raise not_modelled(error) from None
    result.update(exclusions(preference))
    return result
