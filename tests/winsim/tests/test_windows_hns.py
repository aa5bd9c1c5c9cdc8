"""The HNSCall model: envelope, list/get/create/delete, errors."""

import json
import re

import pytest

from winsim.host import profiles
from winsim.windows import boot, hns

GUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
NOT_FOUND = {"Error": "Element not found. ", "ErrorCode": 2147943568, "Success": False}


def call(state, method, path, body=None):
    request = "" if body is None else body if isinstance(body, str) else json.dumps(body)
    return json.loads(hns.hns_call(state, method, path, request))


def nat(name="nat", prefix="10.10.0.0/24", gateway="10.10.0.1", **extra):
    return {"Name": name, "Type": "NAT", "Subnets": [{"AddressPrefix": prefix, "GatewayAddress": gateway}], **extra}


def error_code(response):
    assert response["Success"] is False, response
    return response["ErrorCode"]


@pytest.fixture
def ws2019():
    return profiles.build_state("ws2019", containers=True)


@pytest.fixture
def ws2022():
    return profiles.build_state("ws2022", containers=True)


def test_unavailable_until_containers_enabled_and_rebooted():
    state = profiles.build_state("ws2019")
    with pytest.raises(hns.VmcomputeNotLoadable, match=r"^Unable to load DLL 'vmcompute.dll'"):
        hns.hns_call(state, "GET", "/networks/", "")
    state["features"]["Containers"] = "EnablePending"
    with pytest.raises(hns.VmcomputeNotLoadable):
        hns.hns_call(state, "GET", "/networks/", "")


def test_list_with_and_without_trailing_slash(ws2022):
    listed = call(ws2022, "GET", "/networks/")
    assert listed["Success"] is True
    assert [n["Name"] for n in listed["Output"]] == ["nat"]
    assert call(ws2022, "GET", "/networks") == listed
    assert all(not key.startswith("_") for key in listed["Output"][0])


def test_create_get_delete(ws2019):
    created = call(ws2019, "POST", "/networks/", nat())
    assert created["Success"] is True
    network = created["Output"]
    assert GUID.fullmatch(network["ID"])
    assert (network["Name"], network["Type"]) == ("nat", "NAT")
    assert network["Subnets"] == [{"AddressPrefix": "10.10.0.0/24", "GatewayAddress": "10.10.0.1", "Policies": []}]
    for path in (f"/networks/{network['ID']}", f"/networks/{network['ID'].lower()}/"):
        assert call(ws2019, "GET", path)["Output"] == network
    assert call(ws2019, "GET", "/networks/")["Output"] == [network]
    deleted = call(ws2019, "DELETE", f"/networks/{network['ID']}")
    assert deleted == {"Success": True}
    assert call(ws2019, "GET", "/networks/")["Output"] == []


def test_unknown_id_on_get_and_delete(ws2019):
    missing = "0B2E6A4C-0000-4000-8000-000000000001"
    assert call(ws2019, "GET", f"/networks/{missing}") == NOT_FOUND
    assert call(ws2019, "DELETE", f"/networks/{missing}") == NOT_FOUND


def test_deleted_network_is_gone(ws2022):
    ident = ws2022["hns"]["networks"][0]["ID"]
    assert call(ws2022, "DELETE", f"/networks/{ident}")["Success"] is True
    assert call(ws2022, "DELETE", f"/networks/{ident}") == NOT_FOUND


def test_id_that_is_not_a_guid(ws2022):
    assert error_code(call(ws2022, "GET", "/networks/nat")) == 0x803B0019


def test_unknown_adapter_is_refused_as_hns_does(ws2019):
    response = hns.hns_call(ws2019, "POST", "/networks/", json.dumps(nat(NetworkAdapterName="vEthernet (x)")))
    assert response == '{"Error":"An adapter was not found. ","ErrorCode":2151350278,"Success":false}'
    assert ws2019["hns"]["networks"] == []


def test_known_adapter_is_accepted_in_any_case(ws2019):
    network = call(ws2019, "POST", "/networks/", nat(NetworkAdapterName="ethernet"))["Output"]
    assert network["NetworkAdapterName"] == "Ethernet"


@pytest.mark.parametrize(
    "subnet, code",
    [
        ({"AddressPrefix": "10.10.0.0/24"}, 0x803B0032),
        ({"AddressPrefix": "10.10.0.0/24", "GatewayAddress": ""}, 0x803B0032),
        ({"GatewayAddress": "10.10.0.1"}, 0x803B0032),
        ({"AddressPrefix": "10.10.0.0", "GatewayAddress": "10.10.0.1"}, 0x803B0030),
        ({"AddressPrefix": "10.10.0.5/24", "GatewayAddress": "10.10.0.1"}, 0x803B0030),
        ({"AddressPrefix": "10.10.0.0/33", "GatewayAddress": "10.10.0.1"}, 0x803B0030),
        ({"AddressPrefix": "10.10.0.0/24", "GatewayAddress": "10.10.1.1"}, 0x803B001E),
        ({"AddressPrefix": "10.10.0.0/24", "GatewayAddress": "10.10.0.0"}, 0x803B001E),
        ({"AddressPrefix": "10.10.0.0/24", "GatewayAddress": "10.10.0.255"}, 0x803B001E),
        ({"AddressPrefix": "10.10.0.0/24", "GatewayAddress": "gateway"}, 0x803B001E),
    ],
)
def test_bad_subnets_are_refused(ws2019, subnet, code):
    body = {"Name": "nat", "Type": "NAT", "Subnets": [subnet]}
    assert error_code(call(ws2019, "POST", "/networks/", body)) == code
    assert ws2019["hns"]["networks"] == []


@pytest.mark.parametrize("net_type", hns.NETWORK_TYPES + ("nat", "l2bridge", "TRANSPARENT"))
def test_accepted_types_any_case(ws2019, net_type):
    body = nat(name=f"net-{net_type}", prefix="10.20.0.0/24", gateway="10.20.0.1")
    body["Type"] = net_type
    assert call(ws2019, "POST", "/networks/", body)["Output"]["Type"] == net_type


@pytest.mark.parametrize("net_type", ["Bridge", "Layered2", "", None, 3])
def test_other_types_are_refused(ws2019, net_type):
    body = nat()
    body["Type"] = net_type
    assert error_code(call(ws2019, "POST", "/networks/", body)) == 0x803B000B


def test_duplicate_name_is_refused(ws2022):
    response = call(ws2022, "POST", "/networks/", nat(name="NAT", prefix="10.30.0.0/24", gateway="10.30.0.1"))
    assert response["Error"] == "A network with this name already exists. "
    assert error_code(response) == 0x803B0010


def test_overlapping_nat_prefix_is_refused(ws2022):
    default = ws2022["hns"]["networks"][0]["Subnets"][0]
    body = nat(name="nat2", prefix=default["AddressPrefix"], gateway=default["GatewayAddress"])
    assert error_code(call(ws2022, "POST", "/networks/", body)) == 0x803B0030


def test_nat_without_subnets_gets_one(ws2019):
    network = call(ws2019, "POST", "/networks/", {"Name": "nat", "Type": "NAT"})["Output"]
    (subnet,) = network["Subnets"]
    assert subnet["AddressPrefix"].startswith("172.") and subnet["AddressPrefix"].endswith("/20")


@pytest.mark.parametrize("body", ["", "{not json", "NaN", "[]", '{"Type": "NAT"}'])
def test_malformed_bodies_are_refused(ws2019, body):
    assert error_code(call(ws2019, "POST", "/networks/", body)) in (0x803B001B, 0x803B000A)


@pytest.mark.parametrize(
    "method, path",
    [("PUT", "/networks/"), ("get", "/networks/"), ("GET", "/endpoints/"), ("GET", "networks"),
     ("DELETE", "/networks/"), ("GET", "/networks//"), ("GET", "/networks/x/attach")],
)
def test_unsupported_requests(ws2022, method, path):
    assert error_code(call(ws2022, method, path)) == 0x803B0015


def test_post_to_an_id_does_not_modify(ws2022):
    ident = ws2022["hns"]["networks"][0]["ID"]
    assert error_code(call(ws2022, "POST", f"/networks/{ident}", nat(name="x"))) == 0x803B0015


def test_ws2019_nat_networks_vanish_at_reboot(ws2019):
    call(ws2019, "POST", "/networks/", nat())
    call(ws2019, "POST", "/networks/", {**nat(name="t", prefix="10.40.0.0/24", gateway="10.40.0.1"), "Type": "Transparent"})
    boot.reboot(ws2019)
    assert [n["Name"] for n in ws2019["hns"]["networks"]] == ["t"]


def test_ws2022_created_networks_survive_reboot(ws2022):
    call(ws2022, "POST", "/networks/", nat(name="mine"))
    boot.reboot(ws2022)
    assert sorted(n["Name"] for n in ws2022["hns"]["networks"]) == ["mine", "nat"]
