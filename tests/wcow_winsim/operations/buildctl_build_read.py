"""buildctl_build_read: the host's build number (HKLM\\...\\Windows NT\\CurrentVersion) and whether buildctl
is there."""

from winsim.windows import files

from .base import param


def run(state: dict, params) -> dict:
    path = param(params, "buildctl_path", (str,))
    return {"build": state["os"]["build"], "ubr": state["os"]["ubr"], "buildctl_exists": files.is_file(state, path)}
