"""wcow_facts_read as the simulated host runs it: every part read from the host's state, nothing changed."""

import base64
import json
from pathlib import Path

import pytest

from wcow_winsim import run_powershell
from winsim.host.store import HostStore
from winsim.programs import fake_binary
from winsim.windows import environment, features, files, hns, scm

POWERSHELL = Path(__file__).resolve().parents[3] / "plugins" / "plugin_utils" / "powershell"
ALL = ["features", "hns", "services", "binaries", "path", "reboot"]
CONTAINERD = "C:\\Program Files\\containerd\\containerd.exe"
BUILDKITD = "C:\\Program Files\\buildkit\\buildkitd.exe"
BUILDCTL = "C:\\Program Files\\buildkit\\buildctl.exe"
FEATURES = ["Containers", "Microsoft-Hyper-V", "Microsoft-Hyper-V-All"]


def params(gather=None, **changes):
    base = {
        "gather": ALL if gather is None else gather,
        "features": FEATURES,
        "services": ["containerd", "buildkitd"],
        "probe_versions": ["%ProgramFiles%\\containerd\\containerd.exe", "%ProgramFiles%\\buildkit\\buildctl.exe"],
        "directories": ["%ProgramFiles%\\containerd", "%ProgramFiles%\\buildkit"],
    }
    base.update(changes)
    return base


def send(store, operation_params):
    """What the runner sends: the bootstrap, and the operation's script and params on stdin."""
    script = (POWERSHELL / "wcow_facts_read.ps1").read_text(encoding="utf-8")
    document = {"operation": "wcow_facts_read", "script": script, "params": operation_params}
    stdin = base64.b64encode(json.dumps(document).encode()) + b"\r\n"
    return run_powershell(store, "# wcow.buildkit bootstrap\r\n", stdin)


def facts_read(store, **changes):
    result = send(store, params(**changes))
    output = json.loads(result.stdout.decode("utf-8"))
    assert result.rc == 0, output
    return output


def make(tmp_path, profile, **options):
    return HostStore.create(tmp_path / f"{profile}.json", profile, **options)


def install(store, image_paths):
    with store.transaction() as state:
        for folder in ("C:\\Program Files\\containerd", "C:\\Program Files\\buildkit"):
            files.ensure_dir(state, folder)
        files.write_bytes(state, CONTAINERD, fake_binary("containerd", "v2.1.4"))
        files.write_bytes(state, BUILDKITD, fake_binary("buildkitd", "v0.23.2"))
        files.write_bytes(state, BUILDCTL, fake_binary("buildctl", "v0.23.2"))
        for name, image_path in image_paths.items():
            scm.create_service(state, name, image_path, start=scm.START_AUTO)


def test_a_bare_server_2019_reads_without_hns_and_nothing_changes(tmp_path):
    store = make(tmp_path, "ws2019")
    before = store.read()
    result = facts_read(store)
    assert store.read() == before, "a read changes nothing"
    assert result["os"] == {"caption": "Microsoft Windows Server 2019 Datacenter", "edition_id": "ServerDatacenter",
                            "build": 17763, "ubr": 6893, "display_version": "1809", "product_type": 3,
                            "machine_architecture": "AMD64", "process_architecture": "AMD64",
                            "process_architew6432": ""}
    assert result["features"] == [{"name": "Containers", "state": "Disabled"},
                                  {"name": "Microsoft-Hyper-V", "state": "Disabled"},
                                  {"name": "Microsoft-Hyper-V-All", "state": None}]
    assert result["hns"] == {"available": False, "error": hns.DLL_NOT_FOUND, "networks": []}
    assert [s["exists"] for s in result["services"]] == [False, False]
    assert all(s["program"] is None for s in result["services"])
    assert [b["exists"] for b in result["binaries"]] == [False, False]
    assert result["binaries"][0]["path"] == CONTAINERD, "probe paths are expanded"
    assert result["directories"] == [
        {"given": "%ProgramFiles%\\containerd", "expanded": "C:\\Program Files\\containerd"},
        {"given": "%ProgramFiles%\\buildkit", "expanded": "C:\\Program Files\\buildkit"}]
    assert result["reboot"]["component_based_servicing"] is False
    assert result["reboot"]["last_boot_time"].startswith(before["boot"]["last_boot_time"][:16])


def test_server_2022_with_containers_has_its_default_nat(tmp_path):
    store = make(tmp_path, "ws2022", containers=True)
    (network,) = store.read()["hns"]["networks"]
    result = facts_read(store)
    assert result["hns"]["available"] is True and result["hns"]["error"] == ""
    assert [(n["id"], n["name"], n["subnets"][0]["address_prefix"]) for n in result["hns"]["networks"]] == [
        (network["ID"], "nat", network["Subnets"][0]["AddressPrefix"])]
    assert result["features"][0] == {"name": "Containers", "state": "Enabled"}


def test_windows_11_reads_as_a_workstation_with_hyper_v_all(tmp_path):
    result = facts_read(make(tmp_path, "win11"))
    assert (result["os"]["build"], result["os"]["ubr"], result["os"]["product_type"]) == (22631, 4890, 1)
    assert result["features"][2] == {"name": "Microsoft-Hyper-V-All", "state": "Disabled"}


def test_services_come_with_the_version_of_the_program_their_command_line_runs(tmp_path):
    store = make(tmp_path, "ws2022", containers=True)
    install(store, {
        "containerd": f'"{CONTAINERD}" --run-service --service-name containerd',
        "buildkitd": f'"{BUILDKITD}" --run-service --service-name buildkitd --debug',
    })
    containerd, buildkitd = facts_read(store)["services"]
    assert containerd["exists"] is True and containerd["image_path"].startswith('"C:\\Program Files')
    assert containerd["program"]["path"] == CONTAINERD
    assert containerd["program"]["stdout"].startswith("containerd github.com/containerd/containerd/v2 v2.1.4 ")
    assert buildkitd["program"]["stdout"].startswith("buildkitd github.com/moby/buildkit v0.23.2 ")
    assert buildkitd["start"] == 2 and buildkitd["state"] == "Stopped"


@pytest.mark.parametrize("image_path, program", [
    # Unquoted with spaces: CreateProcess tries C:\Program.exe, then C:\Program Files\containerd\containerd.exe.
    (f"{CONTAINERD} --run-service", CONTAINERD),
    # No extension: ".exe" is appended to each prefix.
    ("C:\\Program Files\\containerd\\containerd --run-service", CONTAINERD),
    # Environment variables in the ImagePath are expanded first.
    ('"%ProgramFiles%\\containerd\\containerd.exe" --run-service', CONTAINERD),
])
def test_the_program_of_an_image_path_is_found_as_the_scm_finds_it(tmp_path, image_path, program):
    store = make(tmp_path, "ws2022", containers=True)
    install(store, {"containerd": image_path})
    probe = facts_read(store)["services"][0]["program"]
    assert probe["path"] == program and probe["exists"] is True and probe["stdout"].startswith("containerd ")


def test_a_service_whose_program_is_gone_reports_it_missing(tmp_path):
    store = make(tmp_path, "ws2022", containers=True)
    install(store, {"containerd": '"D:\\gone\\containerd.exe" --run-service'})
    probe = facts_read(store)["services"][0]["program"]
    assert probe == {"path": "D:\\gone\\containerd.exe", "exists": False, "exit_code": None, "stdout": "",
                     "stderr": "", "error": ""}


def test_installed_programs_are_probed(tmp_path):
    store = make(tmp_path, "ws2022", containers=True)
    install(store, {})
    containerd, buildctl = facts_read(store)["binaries"]
    assert containerd["exists"] is True and containerd["exit_code"] == 0
    assert buildctl["stdout"].startswith("buildctl github.com/moby/buildkit v0.23.2 ")


def test_machine_path_raw_with_expanded_pieces_and_other_kinds(tmp_path):
    store = make(tmp_path, "ws2022")
    with store.transaction() as state:
        environment.set_path_value(state, "machine", "%SystemRoot%;%ProgramFiles%\\buildkit;")
    path = facts_read(store)["path"]
    assert path == {"kind": "ExpandString", "value": "%SystemRoot%;%ProgramFiles%\\buildkit;",
                    "expanded_pieces": ["C:\\Windows", "C:\\Program Files\\buildkit", ""]}
    with store.transaction() as state:
        state["machine_path"] = {"type": "REG_MULTI_SZ", "value": "C:\\x"}
    assert facts_read(store)["path"] == {"kind": "MultiString", "value": None, "expanded_pieces": []}
    with store.transaction() as state:
        environment.set_path_value(state, "machine", None)
    assert facts_read(store)["path"] == {"kind": "None", "value": None, "expanded_pieces": []}


def test_enabled_features_waiting_for_a_restart_set_the_servicing_indicator(tmp_path):
    store = make(tmp_path, "ws2022")
    with store.transaction() as state:
        features.enable(state, "Containers")
    result = facts_read(store)
    assert result["features"][0] == {"name": "Containers", "state": "EnablePending"}
    assert result["reboot"]["component_based_servicing"] is True
    assert result["hns"]["available"] is False, "HNS only after the restart"


def test_arm64_and_server_2016_profiles(tmp_path):
    arm = facts_read(make(tmp_path, "ws2022", architecture="arm64"))["os"]
    # Only the machine's value tells: Windows PowerShell runs emulated as x64 there.
    assert (arm["machine_architecture"], arm["process_architecture"], arm["process_architew6432"]) == (
        "ARM64", "AMD64", "")
    old = facts_read(make(tmp_path, "ws2016"))["os"]
    assert (old["caption"], old["build"], old["ubr"], old["product_type"]) == (
        "Microsoft Windows Server 2016 Datacenter", 14393, 7785, 3)


def test_only_the_parts_asked_for_are_read(tmp_path):
    store = make(tmp_path, "ws2022", containers=True)
    result = facts_read(store, gather=["services"])
    assert [result[part] is None for part in ALL] == [True, True, False, True, True, True]
    assert result["os"]["build"] == 20348
    assert result["directories"][0]["expanded"] == "C:\\Program Files\\containerd"


def test_wrong_parameters_fail_as_the_script_would(tmp_path):
    store = make(tmp_path, "ws2022")
    result = send(store, params(services="containerd"))
    assert result.rc == 1
    assert "Parameter 'services' has the wrong type." in json.loads(result.stdout)["wcow_error"]["message"]


def test_a_probe_that_cannot_run_or_outlives_its_wait_reports_why(tmp_path):
    store = make(tmp_path, "ws2022", containers=True)
    install(store, {})
    with store.transaction() as state:
        files.write_bytes(state, CONTAINERD, b"")  # not a program: CreateProcess fails with 193
        state["process_behaviour"] = {BUILDCTL.lower(): {"runs_s": 61}}
    containerd, buildctl = facts_read(store, gather=["binaries"])["binaries"]
    assert containerd["exists"] is True and containerd["exit_code"] is None
    assert containerd["error"] == (f"Cannot run {CONTAINERD}: The specified executable is not a valid application "
                                   "for this OS platform.")
    assert buildctl["error"] == f"{BUILDCTL} did not finish within 60 s and was stopped."


def test_a_path_test_path_refuses_reads_as_no_file(tmp_path):
    # Windows PowerShell 5.1 Test-Path throws "Illegal characters in path." for '|', '<' or '>'
    # (docs/windows-facts.md#illegal-path-characters); Test-WcowFile's catch makes it "no file".
    store = make(tmp_path, "ws2022", containers=True)
    install(store, {"containerd": "D:\\gone\\containerd --log <level>|more"})
    with store.transaction() as state:
        with pytest.raises(files.WindowsIOError, match="Illegal characters in path."):
            files.test_path_leaf(state, "D:\\gone\\containerd --log <level>|more")
    result = facts_read(store, probe_versions=["C:\\tools\\a|b.exe"])
    assert result["services"][0]["program"]["path"] == "D:\\gone\\containerd"
    assert result["services"][0]["program"]["exists"] is False
    assert result["binaries"][0] == {"path": "C:\\tools\\a|b.exe", "exists": False, "exit_code": None, "stdout": "",
                                     "stderr": "", "error": ""}
