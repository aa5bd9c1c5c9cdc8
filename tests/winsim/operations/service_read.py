"""service_read: services by name, and the `--version` output of programs."""

from ..windows import files
from .base import PowerShellError, param
from .service_common import read_service, run_native


def run(state: dict, params) -> dict:
    names = param(params, "names", (list,))
    probes = param(params, "probe_versions", (list,))
    for name, values in (("names", names), ("probe_versions", probes)):
        if not all(isinstance(v, str) for v in values):
            raise PowerShellError(f"Parameter '{name}' has the wrong type.", "InvalidArgument")
    return {"services": [read_service(state, n) for n in names if n],
            "binaries": [_probe(state, path) for path in probes if path]}


def _probe(state: dict, path: str) -> dict:
    result = {"path": path, "exists": files.is_file(state, path), "exit_code": None, "stdout": "", "stderr": "",
              "error": ""}
    if not result["exists"]:
        return result
    try:
        completed = run_native(state, path, ["--version"])
    except PowerShellError as error:
        # The script catches what Invoke-WcowNative throws and reports it.
        return {**result, "error": error.message}
    return {**result, "exit_code": completed.exit_code, "stdout": completed.stdout, "stderr": completed.stderr}
