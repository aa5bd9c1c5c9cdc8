"""HNSCall as its export is declared: a failing HRESULT with no response is "HNS is not available"
(microsoft/hcsshim internal/hns/hns.go; docs/windows-facts.md#hns-api), reported by the read operations
and thrown by the change, from the script's own throw."""

import base64
import json

import pytest

from test_bootstrap_throw_position import composed, error_of, position_line
from wcow_winsim import run_powershell
from winsim.host import faults
from winsim.host.store import HostStore
from winsim.windows import hns

STOPPED = "The service has not been started. (Exception from HRESULT: 0x80070426)"


@pytest.fixture
def stopped(tmp_path):
    """A WS2022 host with Containers enabled whose Host Network Service is stopped."""
    store = HostStore.create(tmp_path / "ws2022.json", "ws2022", containers=True)
    with store.transaction() as state:
        state["hns"]["service_running"] = False
    return store


def test_the_call_fails_with_an_hresult_and_no_response(stopped):
    state = stopped.read()
    assert hns.hns_call_hresult(state, "GET", "/networks/", "") == (0x80070426, None)
    state["hns"]["service_running"] = True
    hresult, response = hns.hns_call_hresult(state, "GET", "/networks/", "")
    assert hresult == 0 and '"Success":true' in response


def run(store, name, params):
    document = {"operation": name, "script": composed(name), "params": params}
    result = run_powershell(store, "# wcow.buildkit bootstrap\r\n", base64.b64encode(json.dumps(document).encode()))
    assert result.rc == 0, result
    return json.loads(result.stdout)


def test_reads_report_hns_unavailable_with_the_message(stopped):
    read = run(stopped, "hns_network_read", {"name": "nat"})
    assert read["hns_available"] is False and read["reason"] == STOPPED and read["networks"] == []
    conf = "C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf"
    cni = run(stopped, "cni_config_read", {"path": conf, "network_name": "nat"})
    assert cni["hns_available"] is False and cni["reason"] == STOPPED
    facts = run(stopped, "wcow_facts_read", {"gather": ["hns"], "features": [], "services": [], "directories": [],
                                             "probe_versions": []})
    assert facts["hns"] == {"available": False, "error": STOPPED, "networks": []}


def test_a_change_throws_hns_unavailable_from_the_snippet(stopped):
    script = composed("hns_network_apply")
    error = error_of(stopped, script, {"delete_ids": [], "create": {"Name": "nat", "Type": "NAT"},
                                       "record_marker": None, "clear_marker": None})
    assert error["message"] == "HNS is not available: " + STOPPED
    assert error["category"] == "OperationStopped"
    assert "throw ('HNS is not available: {0}'" in position_line(script, error["position"])


def test_an_hns_error_on_a_read_is_rethrown_not_taken_for_unavailable(tmp_path):
    store = HostStore.create(tmp_path / "ws2022.json", "ws2022", containers=True)
    faults.set_faults(store.path, [{"kind": "hns_error", "method": "GET", "path": "/networks"}])
    for name, params in (("hns_network_read", {"name": "nat"}),
                         ("cni_config_read", {"path": "C:\\cni\\nat.conf", "network_name": "nat"})):
        script = composed(name)
        error = error_of(store, script, params)
        assert error["message"].startswith("HNS GET /networks/ failed: "), error
        assert "throw ('HNS {0} {1} failed: {2} (error code {3})'" in position_line(script, error["position"])


def test_a_success_code_other_than_s_ok_is_not_a_failure(tmp_path):
    # docs/windows-facts.md#hresults: only a negative HRESULT fails (S_FALSE is 1).
    store = HostStore.create(tmp_path / "ws2022.json", "ws2022", containers=True)
    with store.transaction() as state:
        state["hns"]["success_code"] = 1
    read = run(store, "hns_network_read", {"name": "nat"})
    assert read["hns_available"] is True and [network["name"] for network in read["networks"]] == ["nat"]
