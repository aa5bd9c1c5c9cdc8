"""service_read: services by name, the `--version` output of programs, files' bytes, what paths hold, the DACLs
of named pipes, the SIDs account names resolve to, the owners and DACLs of paths and firewall rules by Name."""

import base64

from winsim.windows import accounts, environment, files, firewall, pipes

from . import acl, data_root, data_tree
from .base import PowerShellError, param
from .service_common import read_service, run_native


def run(state: dict, params) -> dict:
    names = param(params, "names", (list,))
    probes = param(params, "probe_versions", (list,))
    # Optional: the script reads an absent $Params.read_files as $null, i.e. no file.
    paths = param(params, "read_files", (list,), nullable=True) if "read_files" in params else None
    # Optional too: the paths to measure (Measure-WcowPath of the data_tree snippet).
    measure = param(params, "measure_paths", (list,), nullable=True) if "measure_paths" in params else None
    pipe_paths = param(params, "pipes", (list,), nullable=True) if "pipes" in params else None
    names_to_resolve = param(params, "accounts", (list,), nullable=True) if "accounts" in params else None
    acl_paths = param(params, "acl_paths", (list,), nullable=True) if "acl_paths" in params else None
    roots = param(params, "data_roots", (list,), nullable=True) if "data_roots" in params else None
    rule_names = param(params, "firewall_rules", (list,), nullable=True) if "firewall_rules" in params else None
    for name, values in (("names", names), ("probe_versions", probes), ("read_files", paths or []),
                         ("measure_paths", measure or []), ("pipes", pipe_paths or []),
                         ("accounts", names_to_resolve or []), ("acl_paths", acl_paths or []),
                         ("data_roots", roots or []), ("firewall_rules", rule_names or [])):
        if not all(isinstance(v, str) for v in values):
            raise PowerShellError(f"Parameter '{name}' has the wrong type.", "InvalidArgument")
    return {"services": [read_service(state, n) for n in names if n],
            "binaries": [_probe(state, path) for path in probes if path],
            "files": [_file(state, environment.expand(path)) for path in paths or [] if path],
            "measured": [_measure(state, path) for path in measure or [] if path],
            "pipes": [_pipe(state, path) for path in pipe_paths or [] if path],
            "accounts": [_account(state, name) for name in names_to_resolve or [] if name],
            "security": [acl.security(state, environment.expand(path)) for path in acl_paths or [] if path],
            "data_roots": [data_root.read(state, path) for path in roots or [] if path],
            "firewall_rules": [firewall_rule(state, name) for name in rule_names or [] if name]}


def firewall_rule(state: dict, name: str) -> dict:
    """Get-WcowFirewallRule of the firewall snippet: the first rule of the Name (Get-NetFirewallRule
    -ErrorAction SilentlyContinue: none is an empty answer), with its port, address and application filters."""
    found = firewall.get_rules(state, name)
    if not found:
        return {"name": name, "exists": False, "display_name": "", "description": "", "group": "", "enabled": False,
                "direction": "", "action": "", "profile": "", "protocol": "", "local_ports": [],
                "remote_addresses": [], "program": ""}
    rule = found[0]
    return {"name": name, "exists": True, "display_name": rule["display_name"], "description": rule["description"],
            "group": rule["group"], "enabled": rule["enabled"] == "True", "direction": rule["direction"],
            "action": rule["action"], "profile": rule["profile"], "protocol": rule["protocol"],
            "local_ports": list(rule["local_ports"]), "remote_addresses": list(rule["remote_addresses"]),
            "program": rule["program"]}


def _measure(state: dict, path: str) -> dict:
    try:
        return data_tree.measure(state, path)
    except data_tree.ReadFailed as error:
        # The snippet's throw: a terminating error, category OperationStopped.
        raise PowerShellError(str(error), "OperationStopped") from None


def _probe(state: dict, path: str) -> dict:
    result = {"path": path, "exists": files.is_file(state, path), "exit_code": None, "stdout": "", "stderr": "",
              "error": ""}
    if not result["exists"]:
        return result
    try:
        completed = run_native(state, path, ["--version"], timeout_s=60)
    except PowerShellError as error:
        # The script catches what Invoke-WcowNative throws and reports it.
        return {**result, "error": error.message}
    return {**result, "exit_code": completed.exit_code, "stdout": completed.stdout, "stderr": completed.stderr}


def _file(state: dict, path: str) -> dict:
    # [IO.File]::Exists is false for a directory or a missing parent (File.Exists,
    # learn.microsoft.com); ReadAllBytes reads a file even while a process runs it.
    if not files.is_file(state, path):
        return {"path": path, "exists": False, "content_b64": None}
    return {"path": path, "exists": True,
            "content_b64": base64.b64encode(files.read_bytes(state, path)).decode("ascii")}


def _pipe(state: dict, path: str) -> dict:
    # A pipe exists while the process listening on it runs; its DACL is the one the process set when it
    # started listening (winsim.windows.pipes), what Get-Acl reads (docs/windows-facts.md#buildkitd-pipe-access-and-groups).
    pipe = pipes.lookup(state, path)
    return {"path": path, "exists": pipe is not None, "sddl": pipe["sddl"] if pipe else None}


def _account(state: dict, name: str) -> dict:
    # NTAccount.Translate: LookupAccountName; IdentityNotMappedException (caught: $null) for an unknown name.
    account = accounts.lookup_account_name(state, name)
    return {"name": name, "sid": account.sid if account else None}
