"""service_apply: one reconciliation of one service, step by step as service_apply.ps1 does it.

Every change goes through the models of sc.exe, the programs' own
--register-service and the SCM; on a failure after a change the previous
registration is put back and the service brought back to its previous state,
as the script's Restore-WcowService does.
"""

from __future__ import annotations

from winsim.programs.go_service import escape_arg
from winsim.windows import firewall, ntfs

from . import service_common as common
from .base import PowerShellError, param

STATES = ("started", "stopped", "restarted")


def _params(params) -> dict:
    values = {
        "name": param(params, "name", (str,)),
        "create": param(params, "create", (dict,), nullable=True),
        "image_path": param(params, "image_path", (str,), nullable=True),
        "start_type": param(params, "start_type", (str,), nullable=True),
        "dependencies": param(params, "dependencies", (list,), nullable=True),
        "display_name": param(params, "display_name", (str,), nullable=True),
        "description": param(params, "description", (str,), nullable=True),
        "recovery": param(params, "recovery", (dict,), nullable=True),
        "delete": param(params, "delete", (bool,)),
        "state": param(params, "state", (str,), nullable=True),
        "stop_dependents": param(params, "stop_dependents", (bool,)),
        "timeout_s": param(params, "timeout_s", (int,)),
        "log_file": param(params, "log_file", (str,), nullable=True),
        "environment": param(params, "environment", (list,), nullable=True),
        "firewall_rule": param(params, "firewall_rule", (dict,), nullable=True),
    }
    if values["state"] not in (None,) + STATES:
        raise PowerShellError("Parameter 'state' has the wrong value.", "InvalidArgument")
    if values["start_type"] is not None and values["start_type"] not in common.SC_START:
        # ConvertTo-WcowScStart throws for an unknown start type.
        raise common.fail(f"Unknown start type {values['start_type']}.")
    return values


def _register(state: dict, name: str, create: dict) -> None:
    """Register-WcowService."""
    arguments = [str(a) for a in create.get("arguments") or [] if a is not None]
    if create.get("register_with") == "sc":
        # Join-WcowArguments quotes as Go's EscapeArg does.
        bin_path = " ".join(escape_arg(a) for a in [str(create["binary"])] + arguments)
        common.invoke_sc(state, ["create", name, "binPath=", bin_path, "start=", "auto",
                                 "DisplayName=", create.get("display_name") or name])
        return
    run = common.run_native(state, str(create["binary"]), ["--register-service", "--service-name", name] + arguments)
    if run.exit_code != 0:
        raise common.fail(f"Registering service '{name}' with {create['binary']} --register-service failed "
                          f"(exit code {run.exit_code}): {common.one_line(run.stderr + ' ' + run.stdout)}")


def _restore(state: dict, before: dict, name: str, registration_changed: bool, stopped_dependents: list,
             timeout: int) -> str:
    """Restore-WcowService."""
    done = []
    try:
        if registration_changed and before["exists"]:
            now = common.read_service(state, name)
            if now["exists"] and now["state"] != "Stopped":
                common.stop(state, name, True)
            if now["exists"] and now["delete_pending"]:
                common.wait_gone(state, name, 60)
                now = common.read_service(state, name)
            depend = common.sc_depend(before["dependencies"])
            start = common.sc_start_of(before)
            if now["exists"]:
                common.invoke_sc(state, ["config", name, "binPath=", before["image_path"], "start=", start,
                                         "depend=", depend, "DisplayName=", before["display_name"]])
            else:
                create = ["create", name, "binPath=", before["image_path"], "start=", start,
                          "DisplayName=", before["display_name"], "obj=", before["object_name"]]
                if depend != "/":
                    create += ["depend=", depend]
                common.invoke_sc(state, create)
            common.invoke_sc(state, ["description", name, before["description"]])
            common.invoke_sc(state, ["failure", name] + common.sc_failure_of(before["failure_actions"]))
            common.set_environment(state, name, before["environment"])
            done.append(f"The previous registration of service '{name}' was restored.")
        if before["exists"] and before["state"] == "Running" and common.read_service(state, name)["state"] != "Running":
            common.start(state, name, "", timeout)
            done.append(f"Service '{name}' is running again.")
        restarted = []
        for dependent in stopped_dependents:
            if dependent and common.read_service(state, dependent)["state"] == "Stopped":
                common.start(state, dependent, "", timeout)
                restarted.append(dependent)
        if restarted:
            done.append(f"Dependent services started again: {', '.join(restarted)}.")
    except PowerShellError as error:
        done.append(f"Restoring the previous state of service '{name}' failed too: {error.message}")
    return " ".join(done)


def run(state: dict, params) -> dict:
    p = _params(params)
    name, timeout = p["name"], p["timeout_s"] if p["timeout_s"] > 0 else 60
    actions: list = []
    before = common.read_service(state, name)
    changed = {"registration": False, "stopped_here": False}
    stopped_dependents: list = []
    try:
        _apply(state, p, name, timeout, before, actions, changed, stopped_dependents)
    except PowerShellError as error:
        restored = _restore(state, before, name, changed["registration"], stopped_dependents, timeout)
        raise common.fail(f"{error.message} {restored}".strip()) from None
    if p["firewall_rule"]:
        _set_firewall_rule(state, p["firewall_rule"])
        actions.append("firewall rule created" if p["firewall_rule"].get("present") else "firewall rule removed")
    return {"service": common.read_service(state, name), "actions": actions}


def _set_firewall_rule(state: dict, rule: dict) -> None:
    """Set-WcowFirewallRule of the firewall snippet: the rule of the Name removed when it exists, then created
    when it is to be present. An error of the NetSecurity cmdlets is a terminating one (-ErrorAction Stop)."""
    token = ntfs.operator_token(state)
    name = str(rule["name"])
    try:
        if firewall.get_rules(state, name):
            firewall.remove_rules(state, token, name)
        if rule.get("present"):
            firewall.new_rule(state, token, name, str(rule["display_name"]), str(rule["description"]),
                              str(rule["group"]), str(bool(rule["enabled"])), str(rule["direction"]),
                              str(rule["action"]), str(rule["profile"]), str(rule["protocol"]),
                              [str(port) for port in rule["local_ports"]],
                              [str(address) for address in rule["remote_addresses"]], str(rule["program"]))
    except firewall.FirewallError as error:
        raise PowerShellError(error.message, error.category) from None


def _apply(state, p, name, timeout, before, actions, changed, stopped_dependents) -> None:
    force = p["stop_dependents"]
    if p["delete"] or p["create"]:
        if before["exists"] and before["state"] != "Stopped":
            stopped_dependents.extend(common.stop(state, name, force))
            changed["stopped_here"] = True
            actions.append("stopped")
        if before["exists"]:
            common.invoke_sc(state, ["delete", name])
            changed["registration"] = True
            common.wait_gone(state, name, timeout)
            actions.append("deleted")
    if p["delete"]:
        return
    if p["create"]:
        changed["registration"] = True
        _register(state, name, p["create"])
        actions.append("registered")
    elif not before["exists"]:
        raise common.fail(f"Service '{name}' does not exist and no registration was given.")
    if p["image_path"]:
        changed["registration"] = True
        common.invoke_sc(state, ["config", name, "binPath=", p["image_path"]])
        actions.append("command line set")
    config = []
    if p["start_type"]:
        config += ["start=", common.SC_START[p["start_type"]]]
    if p["dependencies"] is not None:
        config += ["depend=", common.sc_depend(p["dependencies"])]
    if p["display_name"] is not None:
        config += ["DisplayName=", p["display_name"]]
    if config:
        changed["registration"] = True
        common.invoke_sc(state, ["config", name] + config)
        actions.append("configured")
    if p["description"] is not None:
        changed["registration"] = True
        common.invoke_sc(state, ["description", name, p["description"]])
        actions.append("description set")
    if p["recovery"]:
        changed["registration"] = True
        recovery = p["recovery"]
        common.invoke_sc(state, ["failure", name, "reset=", str(int(recovery["reset_period_s"])),
                                 "actions=", common.sc_actions(recovery.get("actions") or [])])
        actions.append("recovery set")
    if p["environment"] is not None:
        changed["registration"] = True
        common.set_environment(state, name, [str(entry) for entry in p["environment"] if entry is not None])
        actions.append("environment set")

    wanted = p["state"] or ("started" if changed["stopped_here"] else None)
    current = common.read_service(state, name)
    if wanted == "restarted" and current["state"] != "Stopped":
        stopped_dependents.extend(common.stop(state, name, force))
        changed["stopped_here"] = True
        actions.append("stopped")
    if wanted in ("started", "restarted"):
        if common.read_service(state, name)["state"] != "Running":
            common.start(state, name, p["log_file"], timeout)
            actions.append("started")
        for dependent in stopped_dependents:
            if common.read_service(state, dependent)["state"] == "Stopped":
                common.start(state, dependent, "", timeout)
                actions.append(f"started dependent {dependent}")
    elif wanted == "stopped" and current["state"] != "Stopped":
        common.stop(state, name, force)
        actions.append("stopped")
