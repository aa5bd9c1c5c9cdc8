"""container_features_read and container_features_enable on a host's optional features."""

from __future__ import annotations

import pytest

from wcow_winsim.operations import HANDLERS, PowerShellError
from winsim.host import profiles
from winsim.windows import boot


@pytest.fixture
def ws2022():
    return profiles.build_state("ws2022")


def test_features_read_reports_unknown_names_as_null(ws2022):
    result = HANDLERS["container_features_read"](
        ws2022, {"names": ["Containers", "Microsoft-Hyper-V", "Microsoft-Hyper-V-All"]})
    assert result["features"] == [{"name": "Containers", "state": "Disabled"},
                                  {"name": "Microsoft-Hyper-V", "state": "Disabled"},
                                  {"name": "Microsoft-Hyper-V-All", "state": None}]
    assert result["os"] == {"caption": "Microsoft Windows Server 2022 Datacenter", "product_type": 3,
                            "edition_id": "ServerDatacenter", "build": 20348}
    assert result["reboot_pending"] == dict.fromkeys(boot.PENDING_INDICATORS, False)


def test_features_read_on_windows_11_is_a_workstation_with_the_client_hyper_v_feature():
    result = HANDLERS["container_features_read"](profiles.build_state("win11"), {"names": ["Microsoft-Hyper-V-All"]})
    assert result["os"]["product_type"] == 1
    assert result["features"] == [{"name": "Microsoft-Hyper-V-All", "state": "Disabled"}]


def test_features_enable_leaves_them_pending_and_says_a_restart_is_needed(ws2022):
    result = HANDLERS["container_features_enable"](
        ws2022, {"names": ["Containers", "Microsoft-Hyper-V"], "report": [], "restart": None})
    assert result == {"restart_needed": True, "features": [{"name": "Containers", "state": "EnablePending"},
                                                           {"name": "Microsoft-Hyper-V", "state": "EnablePending"}],
                      "restart": None}
    read = HANDLERS["container_features_read"](ws2022, {"names": ["Containers"]})
    assert read["reboot_pending"]["component_based_servicing"] is True


def test_features_enable_with_an_unknown_name_changes_nothing(ws2022):
    with pytest.raises(PowerShellError, match=r"^Feature name Microsoft-Hyper-V-All is unknown\.$"):
        HANDLERS["container_features_enable"](
            ws2022, {"names": ["Containers", "Microsoft-Hyper-V-All"], "report": [], "restart": None})
    assert ws2022["features"]["Containers"] == "Disabled"


def test_features_enable_without_a_payload_fails(ws2022):
    ws2022["features"]["Containers"] = "DisabledWithPayloadRemoved"
    with pytest.raises(PowerShellError, match=r"^The source files could not be found\."):
        HANDLERS["container_features_enable"](ws2022, {"names": ["Containers"], "report": [], "restart": None})


@pytest.mark.parametrize("params", [{}, {"names": "Containers"}, {"names": [1]}])
def test_features_operations_refuse_bad_parameters(ws2022, params):
    for name in ("container_features_read", "container_features_enable"):
        with pytest.raises(PowerShellError, match="Parameter 'names'"):
            HANDLERS[name](ws2022, params)
