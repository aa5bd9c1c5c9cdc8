"""The registry model and the HNS record the hns_network_* operations keep in it."""

import pytest

from wcow_winsim.operations import HANDLERS
from wcow_winsim.operations.hns_common import MARKER_KEY
from winsim.host.profiles import build_state
from winsim.windows import registry_keys

PARENT = "HKEY_LOCAL_MACHINE\\SOFTWARE\\wcow.buildkit"
NAT = {"Name": "nat", "Type": "NAT", "Subnets": [{"AddressPrefix": "172.20.0.0/16", "GatewayAddress": "172.20.0.1"}]}


def apply(state, delete_ids=(), create=None, record=None, clear=None):
    return HANDLERS["hns_network_apply"](state, {"delete_ids": list(delete_ids), "create": create,
                                                 "record_marker": record, "clear_marker": clear})


def read(state, name="nat"):
    return HANDLERS["hns_network_read"](state, {"name": name})


@pytest.fixture
def ws2019():
    return build_state("ws2019", containers=True)


def test_names_compare_without_case_and_keep_their_first_spelling():
    state = build_state("ws2022")
    registry_keys.set_string(state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\B", "Nat", "1")
    registry_keys.set_string(state, "hkey_local_machine\\software\\a\\b", "NAT", "2")
    assert registry_keys.values(state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\B") == {"Nat": {"type": "REG_SZ", "data": "2"}}
    assert registry_keys.get_value(state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\a\\b", "nat") == "2"
    assert registry_keys.subkeys(state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\A") == ["HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\B"]


def test_delete_key_refuses_subkeys_and_missing_values_throw_only_when_asked():
    state = build_state("ws2022")
    registry_keys.create_key(state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\B")
    with pytest.raises(registry_keys.RegistryError) as raised:
        registry_keys.delete_key(state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\A")
    assert raised.value.kind == "InvalidOperationException"
    with pytest.raises(registry_keys.RegistryError, match="No value exists with that name."):
        registry_keys.delete_value(state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\B", "x")
    assert registry_keys.delete_value(state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\B", "x", throw_on_missing=False) is False
    assert registry_keys.delete_key(state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\B") is True
    assert registry_keys.delete_key(state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\B", throw_on_missing=False) is False


def test_a_created_network_is_recorded_with_its_id(ws2019):
    assert read(ws2019)["created_id"] is None
    created = apply(ws2019, create=NAT, record="nat")["created"]
    assert registry_keys.values(ws2019, MARKER_KEY) == {"nat": {"type": "REG_SZ", "data": created["id"]}}
    assert read(ws2019, "NAT")["created_id"] == created["id"], "value names are case-insensitive"


def test_without_record_marker_nothing_is_recorded(ws2019):
    apply(ws2019, create=NAT)
    assert read(ws2019)["created_id"] is None
    assert not registry_keys.key_exists(ws2019, PARENT)


def test_the_record_is_readable_without_hns():
    state = build_state("ws2019")
    registry_keys.set_string(state, MARKER_KEY, "nat", "X")
    result = read(state)
    assert result["hns_available"] is False and result["created_id"] == "X"


def test_clearing_removes_the_value_then_the_keys_left_empty(ws2019):
    created = apply(ws2019, create=NAT, record="nat")["created"]
    apply(ws2019, delete_ids=[created["id"]], clear="nat")
    assert read(ws2019) == {"hns_available": True, "networks": [], "created_id": None}
    assert not registry_keys.key_exists(ws2019, MARKER_KEY) and not registry_keys.key_exists(ws2019, PARENT)


def test_clearing_keeps_the_keys_that_hold_something_else(ws2019):
    apply(ws2019, create=NAT, record="nat")
    registry_keys.set_string(ws2019, MARKER_KEY, "buildnet", "Y")
    apply(ws2019, clear="nat")
    assert registry_keys.values(ws2019, MARKER_KEY) == {"buildnet": {"type": "REG_SZ", "data": "Y"}}
    apply(ws2019, clear="buildnet")
    registry_keys.set_string(ws2019, PARENT, "Other", "kept")
    apply(ws2019, clear="nat")
    assert registry_keys.key_exists(ws2019, PARENT), "a key with values stays"


def test_clearing_a_missing_record_is_no_error(ws2019):
    assert apply(ws2019, clear="nat") == {"deleted": [], "created": None}
