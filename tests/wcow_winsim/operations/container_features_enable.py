"""container_features_enable: Enable-WindowsOptionalFeature -Online -All -NoRestart, the states, and the
restart it may schedule (shutdown.exe /r /t, as host_reboot) in the same run."""

import time

from winsim.windows import features

from .base import PowerShellError, param
from .container_features_read import feature_names, feature_states
from .host_reboot import request_restart


def _restart_params(params) -> dict | None:
    restart = param(params, "restart", (dict,), nullable=True)
    if restart is None:
        return None
    return {"delay": param(restart, "delay", (int,)), "message": param(restart, "message", (str,))}


def run(state: dict, params) -> dict:
    names = feature_names(params)
    report = param(params, "report", (list,))
    if not all(isinstance(name, str) for name in report):
        raise PowerShellError("Parameter 'report' has the wrong type.", "InvalidArgument")
    restart = _restart_params(params)
    # Strictest plausible: DISM resolves every name before it changes anything,
    # so one unknown name fails the whole call with nothing enabled.
    for name in names:
        try:
            features.feature_state(state, name)
        except features.UnknownFeature as error:
            # microsoft/WSL#4661: "Enable-WindowsOptionalFeature : Feature name X is
            # unknown." with CategoryInfo NotSpecified, a COMException.
            raise PowerShellError(str(error), "NotSpecified") from None
    restart_needed = False
    for name in names:
        try:
            restart_needed = features.enable(state, name) or restart_needed
        except features.SourceFilesNotFound as error:
            raise PowerShellError(str(error), "NotSpecified") from None
    listed: list = []
    for name in names + report:
        # The script's -contains compares case-insensitively.
        if name.lower() not in (seen.lower() for seen in listed):
            listed.append(name)
    states = feature_states(state, listed)
    scheduled = None
    if restart is not None and (restart_needed or any(item["state"] != "Enabled" for item in states)):
        scheduled = request_restart(state, restart["delay"], restart["message"], time.time())
    return {"restart_needed": restart_needed, "features": states, "restart": scheduled}
