"""container_features_enable: Enable-WindowsOptionalFeature -Online -All -NoRestart, then the states."""

from ..windows import features
from .base import PowerShellError
from .container_features_read import feature_names, feature_states


def run(state: dict, params) -> dict:
    names = feature_names(params)
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
    return {"restart_needed": restart_needed, "features": feature_states(state, names)}
