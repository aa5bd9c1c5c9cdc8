"""cni_config_read: a file's bytes (base64), the HNS networks of a name and the owners and DACLs of paths, in one
read."""

import base64

from winsim.windows import environment, files, hns

from . import acl
from .base import PowerShellError, param
from .hns_common import hns_output, network_result, unavailable_reason


def run(state: dict, params) -> dict:
    path = environment.expand(param(params, "path", (str,)))
    name = param(params, "network_name", (str,))
    if files.is_dir(state, path):
        # The script's own throw.
        raise PowerShellError(f"{path} is a directory, not a file.", "OperationStopped")
    # [IO.File]::Exists is false for a directory or a missing parent; ReadAllBytes
    # reads a file even while a process runs it (only writes are refused).
    exists = files.is_file(state, path)
    content = base64.b64encode(files.read_bytes(state, path)).decode("ascii") if exists else None
    # Optional: the script reads an absent $Params.acl_paths as $null, i.e. no path.
    acl_paths = param(params, "acl_paths", (list,), nullable=True) if "acl_paths" in params else None
    if not all(isinstance(v, str) for v in acl_paths or []):
        raise PowerShellError("Parameter 'acl_paths' has the wrong type.", "InvalidArgument")
    result = {"path": path, "exists": exists, "content_b64": content,
              "security": [acl.security(state, environment.expand(p)) for p in acl_paths or [] if p]}
    try:
        networks = hns_output(state, "GET", "/networks/")
    except (hns.VmcomputeNotLoadable, PowerShellError) as error:
        # The script catches what Get-WcowHnsUnavailableReason names: no HNS until Containers
        # is enabled and the host rebooted (docs/windows-facts.md#hns-networks), or the service stopped.
        reason = unavailable_reason(error)
        if reason is None:
            raise
        return dict(result, hns_available=False, reason=reason, networks=[])
    found = [n for n in networks or [] if str(n.get("Name", "")).casefold() == name.casefold()]
    return dict(result, hns_available=True, reason="", networks=[network_result(n) for n in found])
