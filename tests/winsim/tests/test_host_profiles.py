"""Host profiles: OS facts, features, default networks, reboots."""

import ipaddress

import pytest

from winsim.host import profiles
from winsim.windows import boot, features, hns

EXPECTED = {
    "ws2019": ("Microsoft Windows Server 2019 Datacenter", 17763, 3),
    "ws2022": ("Microsoft Windows Server 2022 Datacenter", 20348, 3),
    "win11": ("Microsoft Windows 11 Pro", 22631, 1),
    "ws2025": ("Microsoft Windows Server 2025 Datacenter", 26100, 3),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_os_facts(name):
    state = profiles.build_state(name)
    caption, build, product_type = EXPECTED[name]
    assert state["os"]["caption"] == caption
    assert state["os"]["build"] == build
    assert state["os"]["version"] == f"10.0.{build}"
    assert state["os"]["product_type"] == product_type
    assert state["os"]["architecture"] == "amd64"


@pytest.mark.parametrize("name", ["ws2019", "ws2022", "ws2025"])
def test_server_skus_have_no_hyper_v_all(name):
    assert set(profiles.build_state(name)["features"]) == {"Containers", "Microsoft-Hyper-V"}


def test_client_sku_has_hyper_v_all():
    assert "Microsoft-Hyper-V-All" in profiles.build_state("win11")["features"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bare_host_has_containers_disabled_and_no_hns(name):
    state = profiles.build_state(name)
    assert state["features"]["Containers"] == "Disabled"
    assert state["hns"]["networks"] == []
    assert not hns.available(state)


def test_ws2019_has_no_default_nat_even_with_containers():
    state = profiles.build_state("ws2019", containers=True)
    assert state["features"]["Containers"] == "Enabled"
    assert hns.available(state)
    assert state["hns"]["networks"] == []


@pytest.mark.parametrize("name", ["ws2022", "win11", "ws2025"])
def test_default_nat_once_containers_enabled_and_rebooted(name):
    state = profiles.build_state(name, containers=True)
    (network,) = state["hns"]["networks"]
    assert (network["Name"], network["Type"]) == ("nat", "nat")
    (subnet,) = network["Subnets"]
    prefix = ipaddress.IPv4Network(subnet["AddressPrefix"])
    assert prefix.prefixlen == 20
    assert prefix.subnet_of(ipaddress.IPv4Network("172.16.0.0/12"))
    assert subnet["GatewayAddress"] == str(prefix.network_address + 1)
    assert network["ID"] == network["ID"].upper()


def test_default_nat_subnet_is_seeded_by_host_name():
    def subnet(hostname):
        state = profiles.build_state("ws2022", hostname=hostname, containers=True)
        return state["hns"]["networks"][0]["Subnets"][0]["AddressPrefix"]

    assert subnet("BUILD01") == subnet("BUILD01") == subnet("build01")
    assert len({subnet(f"BUILD{i:02}") for i in range(8)}) > 1


def test_hyperv_option():
    server = profiles.build_state("ws2022", hyperv=True)
    client = profiles.build_state("win11", hyperv=True)
    assert server["features"]["Microsoft-Hyper-V"] == "Enabled"
    assert client["features"]["Microsoft-Hyper-V-All"] == "Enabled"
    assert server["features"]["Containers"] == "Disabled"


def test_unknown_profile_and_bad_options_are_refused():
    with pytest.raises(ValueError):
        profiles.build_state("ws2012")
    with pytest.raises(TypeError):
        profiles.build_state("ws2022", containers="false")
    with pytest.raises(TypeError):
        profiles.build_state("ws2022", gpus=True)


def test_accounts_path_and_empty_maps():
    state = profiles.build_state("ws2022", hostname="BUILD01")
    assert state["machine_path"]["type"] == "REG_EXPAND_SZ"
    assert state["machine_path"]["value"].split(";", maxsplit=1)[0] == "%SystemRoot%\\system32"
    assert "BUILD01\\Administrator" in state["local_groups"]["Administrators"]["members"]
    assert state["local_groups"]["Administrators"]["sid"] == "S-1-5-32-544"
    assert state["local_users"]["Administrator"]["sid"].endswith("-500")
    assert state["services"] == {}
    assert all(record == {"type": "dir"} for record in state["files"].values())
    assert "C:\\Program Files" in state["files"]
    assert [a["name"] for a in state["network_adapters"]] == ["Ethernet"]


def test_enable_without_reboot_is_enable_pending_and_hns_stays_unavailable():
    state = profiles.build_state("ws2022")
    assert features.enable(state, "containers") is True
    assert state["features"]["Containers"] == "EnablePending"
    assert not hns.available(state)
    assert state["hns"]["networks"] == []


def test_reboot_settles_features_changes_boot_and_builds_default_nat():
    state = profiles.build_state("ws2022", hostname="BUILD01")
    features.enable(state, "Containers")
    before = dict(state["boot"])
    boot.reboot(state)
    assert state["features"]["Containers"] == "Enabled"
    assert state["boot"]["count"] == before["count"] + 1
    assert state["boot"]["id"] != before["id"]
    assert state["boot"]["last_boot_time"] > before["last_boot_time"]
    assert [n["Name"] for n in state["hns"]["networks"]] == ["nat"]


def test_default_nat_is_rebuilt_at_each_boot_with_a_new_subnet():
    state = profiles.build_state("ws2022", hostname="BUILD01", containers=True)
    first = state["hns"]["networks"][0]
    boot.reboot(state)
    (second,) = state["hns"]["networks"]
    assert second["ID"] != first["ID"]
    assert second["Subnets"][0]["AddressPrefix"] != first["Subnets"][0]["AddressPrefix"]


def test_unknown_feature():
    with pytest.raises(features.UnknownFeature, match="Feature name Microsoft-Hyper-V-All is unknown."):
        features.enable(profiles.build_state("ws2019"), "Microsoft-Hyper-V-All")
