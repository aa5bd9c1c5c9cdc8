"""run_powershell: the bootstrap protocol, both HNS operations, failures."""

import base64
import json

import pytest

from wcow_winsim import PowerShellError, ProcessResult, run_powershell
from winsim.host.store import HostStore

BOOTSTRAP = "# wcow.buildkit bootstrap\r\n$ErrorActionPreference = 'Stop'\r\n# ... reads stdin, runs the script ...\r\n"


def operation_script(name):
    return (
        f"# wcow.buildkit operation: {name}\n"
        "param([Parameter(Mandatory = $true)] $Params)\n"
        "$ErrorActionPreference = 'Stop'\n"
        "if (-not $r.Success) {\n"
        "    throw ('HNS {0} {1} failed: {2} (error code {3})' -f $Method, $Path, $reply.Error, $reply.ErrorCode)\n"
        "}\n"
    )


def stdin_for(name, params, script=None, operation=None):
    document = {"operation": operation or name, "script": script or operation_script(name), "params": params}
    # The bootstrap reads the first line only (ReadLine().Trim()).
    return b"  " + base64.b64encode(json.dumps(document).encode("utf-8")) + b"\r\n"


def run(store, name, params, **kwargs):
    result = run_powershell(store, BOOTSTRAP, stdin_for(name, params, **kwargs))
    assert isinstance(result, ProcessResult)
    return result


def stdout_json(result):
    text = result.stdout.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text[:-2], "one compact JSON document on one line"
    return json.loads(text)


def wcow_error(result):
    assert result.rc == 1 and result.stderr == b""
    return stdout_json(result)["wcow_error"]


def clixml(result):
    assert result.rc == 1 and result.stdout == b""
    text = result.stderr.decode("utf-8")
    assert text.startswith('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">')
    assert text.endswith("</Objs>")
    assert '<S S="Error">' in text and "_x000D__x000A_</S>" in text
    return text


@pytest.fixture
def ws2022(tmp_path):
    return HostStore.create(tmp_path / "ws2022.json", "ws2022", containers=True)


@pytest.fixture
def ws2019(tmp_path):
    return HostStore.create(tmp_path / "ws2019.json", "ws2019", containers=True)


def apply(store, delete_ids=(), create=None):
    return run(store, "hns_network_apply",
               {"delete_ids": list(delete_ids), "create": create, "record_marker": None, "clear_marker": None})


def nat_body(adapter=None):
    body = {"Name": "nat", "Type": "NAT", "Subnets": [{"AddressPrefix": "172.31.0.0/20", "GatewayAddress": "172.31.0.1"}]}
    if adapter:
        body["NetworkAdapterName"] = adapter
    return body


def test_read_finds_the_default_nat_case_insensitively(ws2022):
    result = run(ws2022, "hns_network_read", {"name": "NAT"})
    assert result.rc == 0 and result.stderr == b""
    assert b": " not in result.stdout and b", " not in result.stdout
    document = stdout_json(result)
    assert document["hns_available"] is True and "reason" not in document
    (network,) = document["networks"]
    stored = ws2022.read()["hns"]["networks"][0]
    assert network == {
        "id": stored["ID"],
        "name": "nat",
        "type": "nat",
        "network_adapter_name": "",
        "subnets": [{"address_prefix": stored["Subnets"][0]["AddressPrefix"], "gateway_address": stored["Subnets"][0]["GatewayAddress"]}],
    }


def test_read_of_a_missing_name(ws2019):
    assert stdout_json(run(ws2019, "hns_network_read", {"name": "nat"})) == {"hns_available": True, "networks": [], "created_id": None}


@pytest.mark.parametrize("containers_state", ["Disabled", "EnablePending"])
def test_read_when_hns_is_unavailable(tmp_path, containers_state):
    store = HostStore.create(tmp_path / "h.json", "ws2022")
    with store.transaction() as state:
        state["features"]["Containers"] = containers_state
    result = run(store, "hns_network_read", {"name": "nat"})
    assert result.rc == 0
    document = stdout_json(result)
    assert document["hns_available"] is False and document["networks"] == []
    assert "vmcompute.dll" in document["reason"]


def test_apply_creates_and_persists(ws2019):
    result = apply(ws2019, create=nat_body(adapter="Ethernet"))
    assert result.rc == 0
    document = stdout_json(result)
    assert document["deleted"] == []
    created = document["created"]
    assert created["name"] == "nat" and created["type"] == "NAT" and created["network_adapter_name"] == "Ethernet"
    assert created["subnets"] == [{"address_prefix": "172.31.0.0/20", "gateway_address": "172.31.0.1"}]
    assert [n["ID"] for n in ws2019.read()["hns"]["networks"]] == [created["id"]]
    assert stdout_json(run(ws2019, "hns_network_read", {"name": "nat"}))["networks"] == [created]


def test_apply_deletes_then_creates(ws2022):
    old = ws2022.read()["hns"]["networks"][0]["ID"]
    document = stdout_json(apply(ws2022, delete_ids=[old], create=nat_body()))
    assert document["deleted"] == [old]
    assert document["created"]["id"] != old
    assert [n["ID"] for n in ws2022.read()["hns"]["networks"]] == [document["created"]["id"]]


def test_apply_with_nothing_to_do(ws2022):
    before = ws2022.read()
    assert stdout_json(apply(ws2022)) == {"deleted": [], "created": None}
    assert ws2022.read()["hns"] == before["hns"]


def test_apply_unknown_adapter_reports_the_hns_error(ws2019):
    error = wcow_error(apply(ws2019, create=nat_body(adapter="vEthernet (HNS Internal NIC)")))
    assert error["message"] == "HNS POST /networks/ failed: An adapter was not found.  (error code 2151350278)"
    assert error["category"] == "OperationStopped"
    assert error["position"].startswith("At line:5 char:5")
    assert ws2019.read()["hns"]["networks"] == []


def test_apply_keeps_deletes_done_before_a_failure(ws2022):
    old = ws2022.read()["hns"]["networks"][0]["ID"]
    error = wcow_error(apply(ws2022, delete_ids=[old], create=nat_body(adapter="nope")))
    assert "An adapter was not found." in error["message"]
    assert ws2022.read()["hns"]["networks"] == []


def test_apply_unknown_delete_id(ws2019):
    missing = "0B2E6A4C-0000-4000-8000-000000000001"
    error = wcow_error(apply(ws2019, delete_ids=[missing]))
    assert error["message"] == f"HNS DELETE /networks/{missing} failed: Element not found.  (error code 2147943568)"


def test_apply_without_hns(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2019")
    error = wcow_error(apply(store, create=nat_body()))
    assert error["message"].startswith('Exception calling "HNSCall" with "4" argument(s): "Unable to load DLL \'vmcompute.dll\'')
    assert error["category"] == "NotSpecified"


def test_null_params_fail_to_bind(ws2022):
    error = wcow_error(run(ws2022, "hns_network_read", None))
    assert error == {
        "message": "Cannot bind argument to parameter 'Params' because it is null.",
        "category": "InvalidData",
        "position": "",
    }


@pytest.mark.parametrize("params", [{}, {"name": 3}, {"name": None}])
def test_bad_read_params(ws2022, params):
    assert wcow_error(run(ws2022, "hns_network_read", params))["category"] == "InvalidArgument"


@pytest.mark.parametrize(
    "params",
    [{"create": None}, {"delete_ids": "x", "create": None}, {"delete_ids": [1], "create": None}, {"delete_ids": []}],
)
def test_bad_apply_params(ws2022, params):
    before = ws2022.read()
    assert wcow_error(run(ws2022, "hns_network_apply", params))["category"] == "InvalidArgument"
    assert ws2022.read()["hns"] == before["hns"]


def test_operation_is_named_by_the_script_not_the_field(ws2022):
    result = run(ws2022, "hns_network_read", {"name": "nat"}, operation="hns_network_apply")
    assert stdout_json(result)["hns_available"] is True


def test_windows_powershell_json_escapes(ws2019):
    body = nat_body()
    body["Name"] = "a<b>&'c"
    created = stdout_json(apply(ws2019, create=body))["created"]
    assert created["name"] == "a<b>&'c"
    assert stdout_json(run(ws2019, "hns_network_read", {"name": "A<B>&'C"}))["networks"] == [created]
    raw = run(ws2019, "hns_network_read", {"name": "a<b>&'c"}).stdout
    assert b"\\u003c" in raw and b"\\u003e" in raw and b"\\u0026" in raw and b"\\u0027" in raw and b"<" not in raw


def test_only_the_first_line_is_the_payload(ws2022):
    encoded = stdin_for("hns_network_read", {"name": "nat"}).strip()
    wrapped = b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    # 76 characters are whole base64 quanta: the first line decodes to a cut JSON text.
    assert "Invalid JSON primitive" in clixml(run_powershell(ws2022, BOOTSTRAP, wrapped))
    streamed = encoded + b"\nQUJD\nREVG\n"
    assert stdout_json(run_powershell(ws2022, BOOTSTRAP, streamed))["hns_available"] is True


@pytest.mark.parametrize(
    "script",
    ["Get-ChildItem C:\\", "", " # wcow.buildkit bootstrap", "# wcow.buildkit bootstrap extra", "#WCOW.BUILDKIT BOOTSTRAP"],
)
def test_scripts_other_than_the_bootstrap_fail_in_clixml(ws2022, script):
    before = ws2022.path.read_bytes()
    text = clixml(run_powershell(ws2022, script, stdin_for("hns_network_read", {"name": "nat"})))
    assert "WinSimUnrecognisedScript" in text
    assert ws2022.path.read_bytes() == before


@pytest.mark.parametrize(
    "first_line",
    ["# wcow.buildkit operation: hns_network_delete", "# wcow.buildkit operation:hns_network_read", "param($Params)"],
)
def test_unknown_operation_fails_in_clixml(ws2022, first_line):
    script = first_line + "\nparam($Params)\n"
    text = clixml(run(ws2022, "hns_network_read", {"name": "nat"}, script=script))
    assert "WinSimUnknownOperation" in text


@pytest.mark.parametrize("stdin", [b"", b"not base64!", b"QUJD\xff", b"QUJDR"])
def test_bad_base64_fails_in_clixml(ws2022, stdin):
    text = clixml(run_powershell(ws2022, BOOTSTRAP, stdin))
    assert "FromBase64String" in text or "Invalid JSON primitive" in text


@pytest.mark.parametrize("document", [b"not json", b"[1, 2]", b'{"params": {}}', b'{"script": 3}'])
def test_bad_payload_fails_in_clixml(ws2022, document):
    clixml(run_powershell(ws2022, BOOTSTRAP, base64.b64encode(document)))


def test_clixml_escapes_markup_and_underscore_x(ws2022):
    text = clixml(run_powershell(ws2022, "Write-Output <a&b> _x", b""))
    assert "&lt;a&amp;b&gt; _x005F_x" in text


def test_powershell_error_is_importable_from_here():
    error = PowerShellError("nope", "InvalidOperation")
    assert (error.message, error.category, error.position) == ("nope", "InvalidOperation", None)
