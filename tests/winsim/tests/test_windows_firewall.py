"""The Windows Firewall rules model: Name unique, DisplayName not, administrators only, port and address filters."""

import pytest

from winsim.host.store import HostStore
from winsim.windows import firewall

ADMIN = {firewall.ADMINISTRATORS, "S-1-5-21-1-500"}
USER = {"S-1-5-32-545", "S-1-5-21-1-1001"}


@pytest.fixture
def state(tmp_path):
    return HostStore.create(tmp_path / "h.json", "ws2022", containers=True).read()


def rule(state, name="r1", token=None, display="BuildKit", protocol="TCP", ports=("1234",), remote=(), **values):
    fields = dict(description="", group="wcow.buildkit", enabled="True", direction="Inbound", action="Allow",
                  profile="Any", program="C:\\Program Files\\buildkit\\buildkitd.exe")
    fields.update(values)
    return firewall.new_rule(state, ADMIN if token is None else token, name, display, protocol=protocol,
                             local_ports=list(ports), remote_addresses=list(remote), **fields)


def error_of(call, *args, **kwargs):
    with pytest.raises(firewall.FirewallError) as raised:
        call(*args, **kwargs)
    return raised.value


def test_a_name_is_unique_in_the_store_and_a_display_name_is_not(state):
    rule(state, "r1")
    rule(state, "r2")
    assert [r["display_name"] for r in firewall.get_rules(state, "r*")] == ["BuildKit", "BuildKit"]
    error = error_of(rule, state, "R1", display="other")
    assert (error.message, error.category) == ("Cannot create a file when that file already exists.", "ResourceExists")


def test_only_administrators_create_or_remove_rules(state):
    error = error_of(rule, state, "r1", token=USER)
    assert (error.message, error.category) == ("Access is denied.", "PermissionDenied")
    assert firewall.get_rules(state, "r1") == []
    rule(state, "r1")
    assert error_of(firewall.remove_rules, state, USER, "r1").category == "PermissionDenied"
    firewall.remove_rules(state, ADMIN, "r1")
    assert firewall.get_rules(state, "r1") == []


def test_removing_a_missing_rule_is_object_not_found(state):
    assert error_of(firewall.remove_rules, state, ADMIN, "nothing").category == "ObjectNotFound"


def test_numeric_ports_need_tcp_or_udp(state):
    assert error_of(rule, state, "r1", protocol="Any").category == "InvalidArgument"
    assert error_of(rule, state, "r1", ports=("70000",)).category == "InvalidArgument"
    assert rule(state, "r1", protocol="Any", ports=("RPC",))["local_ports"] == ["RPC"]


def test_ipv4_subnets_are_reported_with_their_mask(state):
    created = rule(state, "r1", remote=("10.20.0.0/16", "192.0.2.7", "fd00::/8", "10.0.0.1-10.0.0.9"))
    assert created["remote_addresses"] == ["10.20.0.0/255.255.0.0", "192.0.2.7", "fd00::/8", "10.0.0.1-10.0.0.9"]
    assert rule(state, "r2")["remote_addresses"] == ["Any"]
    assert error_of(rule, state, "r3", remote=("example.invalid",)).category == "InvalidArgument"
