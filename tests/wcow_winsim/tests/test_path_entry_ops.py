"""The PATH registry model and the path_entry_read / path_entry_write operations."""

import base64
import json

import pytest

from wcow_winsim import run_powershell
from wcow_winsim.operations import HANDLERS, PowerShellError
from winsim.host import profiles
from winsim.host.store import HostStore
from winsim.windows import environment

BOOTSTRAP = "# wcow.buildkit bootstrap\r\n$ErrorActionPreference = 'Stop'\r\n"
USER_DEFAULT = "%USERPROFILE%\\AppData\\Local\\Microsoft\\WindowsApps;"


def read(state, scope="machine", path="C:\\x"):
    return HANDLERS["path_entry_read"](state, {"scope": scope, "path": path})


def write(state, value, expected, scope="machine"):
    return HANDLERS["path_entry_write"](
        state, {"scope": scope, "value": value, "expected_kind": expected["kind"], "expected_value": expected["value"]})


@pytest.fixture
def state():
    return profiles.build_state("ws2022")


def test_machine_path_is_read_unexpanded_with_each_piece_expanded(state):
    result = read(state, path="%ProgramFiles%\\buildkit")
    assert result["kind"] == "ExpandString"
    assert result["value"] == profiles.DEFAULT_MACHINE_PATH
    assert result["expanded_pieces"][0] == "C:\\Windows\\system32"
    assert len(result["expanded_pieces"]) == len(profiles.DEFAULT_MACHINE_PATH.split(";"))
    assert result["path_expanded"] == "C:\\Program Files\\buildkit"


def test_a_fresh_profile_has_the_windowsapps_user_path(state):
    result = read(state, scope="user")
    assert result == {
        "kind": "ExpandString",
        "value": USER_DEFAULT,
        "expanded_pieces": ["C:\\Users\\Administrator\\AppData\\Local\\Microsoft\\WindowsApps", ""],
        "path_expanded": "C:\\x",
    }


def test_a_missing_value_reads_as_none(state):
    environment.set_path_value(state, "user", None)
    assert read(state, scope="user") == {"kind": "None", "value": None, "expanded_pieces": [], "path_expanded": "C:\\x"}


def test_a_path_that_is_not_a_string_value_is_refused(state):
    state["machine_path"] = {"type": "REG_MULTI_SZ", "value": "C:\\x"}
    with pytest.raises(PowerShellError, match="Path value is of kind MultiString; only String"):
        read(state)


def test_scope_is_checked(state):
    with pytest.raises(PowerShellError, match="Unknown scope"):
        read(state, scope="process")
    assert read(state, scope="Machine")["kind"] == "ExpandString", "switch compares without case"


def test_write_stores_reg_expand_sz_and_broadcasts(state):
    environment.edit_path_by_hand(state, "machine", lambda value: value + ";C:\\hand")
    before = read(state)
    assert before["kind"] == "String"
    broadcasts = state.get("settingchange_broadcasts", 0)
    result = write(state, "%SystemRoot%;C:\\x", before)
    assert result == {"path_value": "%SystemRoot%;C:\\x", "kind": "ExpandString", "broadcast": True}
    assert state["machine_path"] == {"type": "REG_EXPAND_SZ", "value": "%SystemRoot%;C:\\x"}
    assert state["settingchange_broadcasts"] == broadcasts + 1


def test_write_creates_a_missing_user_value(state):
    environment.set_path_value(state, "user", None)
    write(state, "C:\\x", read(state, scope="user"), scope="user")
    assert environment.path_value(state, "user") == {"type": "REG_EXPAND_SZ", "value": "C:\\x"}
    assert state["machine_path"]["value"] == profiles.DEFAULT_MACHINE_PATH


def test_write_refuses_a_value_changed_since_the_read(state):
    seen = read(state)
    environment.edit_path_by_hand(state, "machine", lambda value: value + ";C:\\installer")
    changed = dict(state["machine_path"])
    with pytest.raises(PowerShellError, match="PATH changed after it was read") as raised:
        write(state, seen["value"] + ";C:\\x", seen)
    assert raised.value.category == "OperationStopped"
    assert state["machine_path"] == changed, "the other process's change is kept"


def test_write_refuses_a_kind_changed_since_the_read(state):
    seen = read(state)
    state["machine_path"]["type"] = "REG_SZ"
    with pytest.raises(PowerShellError, match="changed after it was read"):
        write(state, "C:\\x", seen)


def test_write_refuses_a_value_created_since_the_read(state):
    environment.set_path_value(state, "user", None)
    seen = read(state, scope="user")
    environment.set_environment_variable(state, "user", "C:\\other")
    with pytest.raises(PowerShellError, match="changed after it was read"):
        write(state, "C:\\x", seen, scope="user")
    assert environment.path_value(state, "user")["value"] == "C:\\other"


def test_queued_write_lands_right_after_the_next_read_once(state):
    environment.queue_write_after_next_read(state, "machine", "C:\\Windows;C:\\installer")
    first = read(state)
    assert first["value"] == profiles.DEFAULT_MACHINE_PATH, "the read saw the value before the other write"
    assert state["machine_path"] == {"type": "REG_SZ", "value": "C:\\Windows;C:\\installer"}
    with pytest.raises(PowerShellError):
        write(state, "C:\\x", first)
    assert read(state)["value"] == "C:\\Windows;C:\\installer"
    assert "pending_path_writes" not in state


def test_set_environment_variable_writes_reg_sz_as_given(state):
    environment.set_environment_variable(state, "machine", "%SystemRoot%;C:\\x")
    assert state["machine_path"] == {"type": "REG_SZ", "value": "%SystemRoot%;C:\\x"}
    assert environment.get_environment_variable(state, "machine") == "%SystemRoot%;C:\\x", "REG_SZ is not expanded"


def test_hand_edit_expands_every_variable(state):
    written = environment.edit_path_by_hand(state, "machine", lambda value: value + ";C:\\tools")
    assert "%" not in written
    assert written.split(";")[0] == "C:\\Windows\\system32"
    assert state["machine_path"] == {"type": "REG_SZ", "value": written}


def test_user_values_are_per_user(state):
    environment.set_path_value(state, "user", "C:\\mine", user="builder")
    assert environment.path_value(state, "user", user="builder") == {"type": "REG_EXPAND_SZ", "value": "C:\\mine"}
    assert environment.path_value(state, "user")["value"] == USER_DEFAULT


def test_operations_run_through_the_bootstrap(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2019")

    def run(name, params):
        script = f"# wcow.buildkit operation: {name}\n$ErrorActionPreference = 'Stop'\n"
        document = {"operation": name, "script": script, "params": params}
        result = run_powershell(store, BOOTSTRAP, base64.b64encode(json.dumps(document).encode()) + b"\r\n")
        return result.rc, json.loads(result.stdout.decode("utf-8"))

    rc, seen = run("path_entry_read", {"scope": "user", "path": "C:\\x"})
    assert rc == 0 and seen["value"] == USER_DEFAULT
    rc, written = run("path_entry_write", {"scope": "user", "value": "C:\\x;" + USER_DEFAULT,
                                           "expected_kind": seen["kind"], "expected_value": seen["value"]})
    assert rc == 0 and written["path_value"] == "C:\\x;" + USER_DEFAULT
    assert store.read()["user_environment"]["Administrator"]["Path"]["value"] == "C:\\x;" + USER_DEFAULT
    rc, failure = run("path_entry_write", {"scope": "user", "value": "C:\\y",
                                           "expected_kind": seen["kind"], "expected_value": seen["value"]})
    assert rc == 1 and "changed after it was read" in failure["wcow_error"]["message"]
    rc, failure = run("path_entry_write", {"scope": "user", "value": 5, "expected_kind": "None", "expected_value": None})
    assert rc == 1 and failure["wcow_error"]["category"] == "InvalidArgument"
