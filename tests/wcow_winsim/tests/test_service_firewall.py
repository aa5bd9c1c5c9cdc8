"""service_read's firewall_rules and service_apply's firewall_rule: the rule read by Name with its filters,
created once the service's change succeeded, created anew when it exists, removed with the service."""

import base64
import json
from pathlib import Path

import pytest

from wcow_winsim import run_powershell
from winsim.host.store import HostStore
from winsim.programs import fake_binary
from winsim.windows import files, firewall

POWERSHELL = Path(__file__).resolve().parents[3] / "plugins" / "plugin_utils" / "powershell"
BUILDKITD = "C:\\Program Files\\buildkit\\buildkitd.exe"
NAME = "wcow.buildkit.buildkitd.tcp"
APPLY = dict(create=None, image_path=None, start_type=None, dependencies=None, display_name=None, description=None,
             recovery=None, delete=False, state=None, stop_dependents=False, timeout_s=60, log_file=None,
             environment=None, firewall_rule=None)
RULE = dict(name=NAME, present=True, display_name="BuildKit buildkitd (TCP, mutual TLS)", description="managed",
            group="wcow.buildkit", enabled=True, direction="Inbound", action="Allow", profile="Any", protocol="TCP",
            local_ports=["1234"], remote_addresses=["10.20.0.0/16"], program=BUILDKITD)


def operation(store, name, params):
    document = {"operation": name, "script": (POWERSHELL / f"{name}.ps1").read_text(encoding="utf-8"), "params": params}
    result = run_powershell(store, "# wcow.buildkit bootstrap\r\n", base64.b64encode(json.dumps(document).encode()) + b"\r\n")
    return result.rc, json.loads(result.stdout.decode("utf-8"))


@pytest.fixture
def store(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022", containers=True)
    with store.transaction() as state:
        files.ensure_dir(state, "C:\\Program Files\\buildkit")
        files.write_bytes(state, BUILDKITD, fake_binary("buildkitd", "v0.23.2"))
    return store


def read_rule(store, name=NAME):
    rc, result = operation(store, "service_read", {"names": [], "probe_versions": [], "firewall_rules": [name]})
    assert rc == 0
    return result["firewall_rules"][0]


def test_a_missing_rule_reads_as_not_existing_and_firewall_rules_is_optional(store):
    assert read_rule(store)["exists"] is False
    rc, result = operation(store, "service_read", {"names": [], "probe_versions": []})
    assert rc == 0 and result["firewall_rules"] == []


def test_a_rule_is_created_with_the_service_deletion_of_nothing_and_read_back_as_windows_reports_it(store):
    rc, result = operation(store, "service_apply", {**APPLY, "name": "buildkitd", "delete": True, "firewall_rule": RULE})
    assert rc == 0 and result["actions"] == ["firewall rule created"]
    found = read_rule(store)
    assert found["exists"] is True and found["enabled"] is True
    assert (found["protocol"], found["local_ports"], found["program"]) == ("TCP", ["1234"], BUILDKITD)
    # Get-NetFirewallAddressFilter reports an IPv4 subnet with its mask.
    assert found["remote_addresses"] == ["10.20.0.0/255.255.0.0"]


def test_an_existing_rule_is_created_anew_and_a_removal_removes_it(store):
    operation(store, "service_apply", {**APPLY, "name": "buildkitd", "delete": True, "firewall_rule": RULE})
    with store.transaction() as state:
        firewall.set_by_hand(state, NAME, local_ports=["9999"], enabled="False")
    rc, answer = operation(store, "service_apply", {**APPLY, "name": "buildkitd", "delete": True, "firewall_rule": RULE})
    assert rc == 0 and answer["actions"] == ["firewall rule created"]
    found = read_rule(store)
    assert (found["local_ports"], found["enabled"]) == (["1234"], True)
    assert len(firewall.get_rules(store.read(), "wcow.buildkit.*")) == 1
    rc, result = operation(store, "service_apply", {**APPLY, "name": "buildkitd", "delete": True,
                                                    "firewall_rule": {"name": NAME, "present": False}})
    assert rc == 0 and result["actions"] == ["firewall rule removed"]
    assert read_rule(store)["exists"] is False


def test_a_failed_service_change_leaves_the_rule_alone(store):
    rc, result = operation(store, "service_apply", {**APPLY, "name": "buildkitd", "state": "started",
                                                    "firewall_rule": RULE})
    assert rc == 1 and "does not exist and no registration was given" in result["wcow_error"]["message"]
    assert read_rule(store)["exists"] is False


def test_a_bad_address_fails_as_new_netfirewallrule_does(store):
    rc, result = operation(store, "service_apply", {**APPLY, "name": "buildkitd", "delete": True,
                                                    "firewall_rule": dict(RULE, remote_addresses=["nowhere"])})
    assert rc == 1 and "The address is invalid" in result["wcow_error"]["message"]
    assert read_rule(store)["exists"] is False
