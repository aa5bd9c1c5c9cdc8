"""defender_exclusion_read and defender_exclusion_apply handlers: Defender present, absent, stopped, hiding its
exclusions, and failing; entries compared as Defender compares them (docs/windows-facts.md#microsoft-defender-antivirus)."""

import base64
import json
from pathlib import Path

import jsonschema
import pytest

from test_bootstrap_throw_position import composed, error_of
from wcow_winsim import run_powershell
from wcow_winsim.operations import HANDLERS, PowerShellError
from winsim.host import profiles
from winsim.host.store import HostStore

POWERSHELL = Path(__file__).resolve().parents[3] / "plugins" / "plugin_utils" / "powershell"
CONTAINERD = "C:\\Program Files\\containerd\\bin\\containerd.exe"
ROOT = "C:\\ProgramData\\containerd\\root"


def schema(name):
    return json.loads((POWERSHELL / f"{name}.result.json").read_text(encoding="utf-8"))


def read(state):
    result = HANDLERS["defender_exclusion_read"](state, {})
    jsonschema.validate(result, schema("defender_exclusion_read"))
    return result


def apply(state, add_processes=(), add_paths=(), remove_processes=(), remove_paths=()):
    params = {"add_processes": list(add_processes), "add_paths": list(add_paths),
              "remove_processes": list(remove_processes), "remove_paths": list(remove_paths)}
    result = HANDLERS["defender_exclusion_apply"](state, params)
    jsonschema.validate(result, schema("defender_exclusion_apply"))
    return result


@pytest.fixture
def state():
    return profiles.build_state("ws2022")


@pytest.mark.parametrize("profile", sorted(profiles.PROFILES))
def test_every_profile_ships_defender_running_with_no_exclusions(profile):
    found = read(profiles.build_state(profile))
    assert found == {"administrator": True, "service": "Running", "reason": None, "error": None, "hidden": False,
                     "processes": [], "paths": []}


def test_added_entries_are_read_back_in_the_order_added(state):
    after = apply(state, add_processes=[CONTAINERD], add_paths=[ROOT, "D:\\cache"])
    assert after == {"hidden": False, "processes": [CONTAINERD], "paths": [ROOT, "D:\\cache"]}
    assert read(state)["paths"] == [ROOT, "D:\\cache"]


def test_an_entry_differing_only_in_case_is_the_same_entry(state):
    apply(state, add_paths=[ROOT])
    assert apply(state, add_paths=[ROOT.upper()])["paths"] == [ROOT]
    # A trailing backslash makes another registry value name.
    assert apply(state, add_paths=[ROOT + "\\"])["paths"] == [ROOT, ROOT + "\\"]


def test_remove_takes_only_the_named_entries_whatever_their_case(state):
    apply(state, add_processes=[CONTAINERD, "C:\\tools\\scanner.exe"], add_paths=[ROOT, "E:\\admin"])
    after = apply(state, remove_processes=[CONTAINERD.lower()], remove_paths=[ROOT.upper()])
    assert after == {"hidden": False, "processes": ["C:\\tools\\scanner.exe"], "paths": ["E:\\admin"]}


def test_a_host_without_defender_has_no_windefend_service(tmp_path):
    state = profiles.build_state("ws2019", defender=False)
    assert read(state) == {"administrator": True, "service": None, "reason": "not_installed", "error": None,
                           "hidden": False, "processes": [], "paths": []}
    with pytest.raises(PowerShellError, match="not modelled"):
        apply(state, add_paths=[ROOT])


def test_a_stopped_defender_is_not_running_and_its_cmdlets_fail_with_0x800106ba(state):
    state["defender"]["service"] = "Stopped"
    found = read(state)
    assert found["reason"] == "not_running" and found["service"] == "Stopped"
    assert "0x800106ba" in found["error"]
    with pytest.raises(PowerShellError, match="Operation failed with the following error: 0x800106ba"):
        apply(state, add_paths=[ROOT])
    assert state["defender"]["exclusion_path"] == []


def test_passive_mode_keeps_and_shows_exclusions(state):
    state["defender"]["mode"] = "Passive"
    apply(state, add_paths=[ROOT])
    assert read(state)["paths"] == [ROOT]


def test_hidden_exclusions_are_reported_hidden_and_still_changed(state):
    state["defender"]["hide_exclusions_from_local_admins"] = True
    found = read(state)
    assert found["hidden"] is True and found["processes"] == [] and found["paths"] == []
    assert apply(state, add_paths=[ROOT]) == {"hidden": True, "processes": [], "paths": []}
    assert state["defender"]["exclusion_path"] == [ROOT]


def test_apply_refuses_parameters_of_the_wrong_type(state):
    with pytest.raises(PowerShellError, match="Parameter 'add_paths' has the wrong type"):
        HANDLERS["defender_exclusion_apply"](state, {"add_processes": [], "add_paths": [1], "remove_processes": [],
                                                     "remove_paths": []})


def bootstrap(store, name, params):
    document = {"operation": name, "script": composed(name), "params": params}
    result = run_powershell(store, "# wcow.buildkit bootstrap\r\n", base64.b64encode(json.dumps(document).encode()))
    assert result.rc == 0, result
    return json.loads(result.stdout)


def test_through_the_bootstrap_a_stopped_defender_is_caught_as_not_running(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022")
    with store.transaction() as host:
        host["defender"]["service"] = "Stopped"
    assert bootstrap(store, "defender_exclusion_read", {})["reason"] == "not_running"


def test_a_provider_load_failure_is_rethrown_not_taken_for_defender_absent(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022")
    with store.transaction() as host:
        host["defender"]["provider_load_failure"] = True
    error = error_of(store, composed("defender_exclusion_read"), {})
    assert error["message"] == "Provider load failure "


def test_through_the_bootstrap_a_removal_changes_the_host(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022")
    with store.transaction() as host:
        host["defender"]["exclusion_path"] = [ROOT]
    bootstrap(store, "defender_exclusion_apply", {"add_processes": [], "add_paths": [], "remove_processes": [],
                                                  "remove_paths": [ROOT]})
    assert store.read()["defender"]["exclusion_path"] == []
