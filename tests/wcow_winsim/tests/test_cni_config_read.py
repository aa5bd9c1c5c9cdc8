"""cni_config_read operation model, and the default nat subnet across reboots."""

import base64
import ipaddress

import pytest

from wcow_winsim.operations import HANDLERS, PowerShellError
from winsim.host.profiles import build_state
from winsim.windows import boot, files

CONF = "C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf"


def read(state, path=CONF, name="nat"):
    return HANDLERS["cni_config_read"](state, {"path": path, "network_name": name})


def default_nat_subnet(state):
    (network,) = [n for n in state["hns"]["networks"] if n["Name"] == "nat"]
    return network["Subnets"][0]["AddressPrefix"]


def test_missing_file_and_the_default_nat(tmp_path):
    state = build_state("ws2022", containers=True)
    result = read(state, name="NAT")
    assert result["exists"] is False and result["content_b64"] is None and result["path"] == CONF
    assert result["hns_available"] is True and result["reason"] == ""
    (network,) = result["networks"]
    assert network["subnets"][0]["address_prefix"] == default_nat_subnet(state)


def test_existing_file_bytes_and_expanded_path():
    state = build_state("ws2019", containers=True)
    files.ensure_dir(state, files.parent(CONF))
    files.write_bytes(state, CONF, b"\xef\xbb\xbf{ }")
    result = read(state, path="%ProgramFiles%\\containerd\\cni\\conf\\0-containerd-nat.conf")
    assert result["path"] == CONF and result["exists"] is True
    assert base64.b64decode(result["content_b64"]) == b"\xef\xbb\xbf{ }"
    assert result["networks"] == []


def test_a_file_in_use_can_still_be_read():
    state = build_state("ws2019", containers=True)
    files.ensure_dir(state, files.parent(CONF))
    files.write_bytes(state, CONF, b"{}")
    files.lookup(state, CONF)["in_use"] = True
    assert base64.b64decode(read(state)["content_b64"]) == b"{}"


def test_a_directory_at_the_path_is_an_error():
    state = build_state("ws2019", containers=True)
    files.ensure_dir(state, CONF)
    with pytest.raises(PowerShellError, match="is a directory, not a file"):
        read(state)


def test_without_hns_the_file_is_still_read():
    state = build_state("ws2019")
    result = read(state)
    assert result["hns_available"] is False and "vmcompute.dll" in result["reason"]
    assert result["networks"] == [] and result["exists"] is False


@pytest.mark.parametrize("params", [{"path": CONF}, {"network_name": "nat"}, {"path": 1, "network_name": "nat"}])
def test_bad_params(params):
    with pytest.raises(PowerShellError) as raised:
        HANDLERS["cni_config_read"](build_state("ws2022", containers=True), params)
    assert raised.value.category == "InvalidArgument"


def test_default_nat_subnet_changes_at_every_reboot():
    state = build_state("ws2022", hostname="BUILD07", containers=True)
    seen = [default_nat_subnet(state)]
    for _unused in range(5):
        boot.reboot(state)
        seen.append(default_nat_subnet(state))
        assert seen[-1] != seen[-2]
        assert ipaddress.IPv4Network(seen[-1]).subnet_of(ipaddress.IPv4Network("172.16.0.0/12"))


def test_profile_option_keeps_the_default_nat_subnet():
    state = build_state("ws2022", hostname="BUILD07", containers=True, nat_subnet_changes_at_reboot=False)
    first = state["hns"]["networks"][0]
    boot.reboot(state)
    (second,) = state["hns"]["networks"]
    assert second["Subnets"] == first["Subnets"]
    assert second["ID"] != first["ID"], "the network is still built again at boot"


def test_profile_option_must_be_a_bool():
    with pytest.raises(TypeError):
        build_state("ws2022", nat_subnet_changes_at_reboot="no")


def test_the_owner_and_dacl_of_each_acl_path():
    state = build_state("ws2022", containers=True)
    folder = CONF.rsplit("\\", 1)[0]
    files.ensure_dir(state, folder)
    state["files"][files.find_key(state, folder)]["sddl"] = "O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)"
    result = HANDLERS["cni_config_read"](state, {"path": CONF, "network_name": "nat", "acl_paths": [folder, CONF]})
    assert result["security"] == [
        {"path": folder, "exists": True, "directory": True, "sddl": "O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)"},
        {"path": CONF, "exists": False, "directory": False, "sddl": None}]
    assert read(state)["security"] == [], "acl_paths is optional"
    with pytest.raises(PowerShellError, match="acl_paths"):
        HANDLERS["cni_config_read"](state, {"path": CONF, "network_name": "nat", "acl_paths": [1]})
