"""local_group_read and local_group_apply handlers: results in the declared shape, refusals, partial changes."""

import base64
import json
from pathlib import Path

import jsonschema
import pytest

from wcow_winsim import run_powershell
from wcow_winsim.operations import HANDLERS, PowerShellError
from winsim.host import profiles
from winsim.host.store import HostStore
from winsim.windows import accounts

POWERSHELL = Path(__file__).resolve().parents[3] / "plugins" / "plugin_utils" / "powershell"
ORPHAN = "S-1-5-21-3623811015-3361044348-30300820-1234"


def schema(name):
    return json.loads((POWERSHELL / f"{name}.result.json").read_text(encoding="utf-8"))


def read(state, name="builders", members=()):
    result = HANDLERS["local_group_read"](state, {"name": name, "members": list(members)})
    jsonschema.validate(result, schema("local_group_read"))
    return result


def apply(state, name="builders", create=False, delete=False, description=None, add=(), remove=()):
    params = {"name": name, "create": create, "delete": delete, "description": description,
              "add": [{"sid": s, "name": n} for s, n in add], "remove": [{"sid": s, "name": n} for s, n in remove]}
    result = HANDLERS["local_group_apply"](state, params)
    jsonschema.validate(result, schema("local_group_apply"))
    return result


@pytest.fixture
def state():
    host = profiles.build_state("ws2022")
    accounts.create_user(host, "alice")
    accounts.create_user(host, "bob")
    return host


def sid(state, user):
    return state["local_users"][user]["sid"]


def test_read_of_a_missing_group_resolves_the_requested_names(state):
    result = read(state, members=["alice", ".\\alice", "WS2022-SIM\\bob", "CONTOSO\\alice", ORPHAN, "s-1-5-11"])
    assert result["computer_name"] == "WS2022-SIM" and result["group"] is None
    assert result["name_taken_by_user"] is False
    by_name = {r["requested"]: r for r in result["requested"]}
    assert by_name["alice"]["sid"] == by_name[".\\alice"]["sid"] == sid(state, "alice")
    assert by_name[".\\alice"]["name"] == "WS2022-SIM\\alice" and by_name[".\\alice"]["source"] == "local"
    assert by_name["WS2022-SIM\\bob"]["sid"] == sid(state, "bob")
    assert by_name["CONTOSO\\alice"] == {"requested": "CONTOSO\\alice", "name": None, "sid": None,
                                         "object_class": "unknown", "source": "unresolved"}
    assert by_name[ORPHAN]["sid"] == ORPHAN and by_name[ORPHAN]["name"] is None
    assert by_name["s-1-5-11"]["sid"] == "S-1-5-11" and by_name["s-1-5-11"]["source"] == "well_known"


def test_read_lists_an_orphaned_sid_where_get_localgroupmember_would_fail(state):
    accounts.create_group(state, "builders", "desc")
    state["local_groups"]["builders"]["members"] = ["WS2022-SIM\\alice", ORPHAN, "NT AUTHORITY\\INTERACTIVE"]
    group = read(state, name="BUILDERS")["group"]
    assert (group["name"], group["description"]) == ("builders", "desc")
    assert group["members"] == [
        {"name": "WS2022-SIM\\alice", "sid": sid(state, "alice"), "object_class": "user", "source": "local"},
        {"name": None, "sid": ORPHAN, "object_class": "unknown", "source": "unresolved"},
        {"name": "NT AUTHORITY\\INTERACTIVE", "sid": "S-1-5-4", "object_class": "group", "source": "well_known"},
    ]


def test_read_says_when_a_user_has_the_name(state):
    result = read(state, name="Alice")
    assert result["group"] is None and result["name_taken_by_user"] is True


def test_create_with_description_and_members(state):
    result = apply(state, create=True, description="May build", add=[(sid(state, "alice"), "WS2022-SIM\\alice")])
    group = result["group"]
    assert group["description"] == "May build" and [m["name"] for m in group["members"]] == ["WS2022-SIM\\alice"]
    assert state["local_groups"]["builders"] == {"sid": group["sid"], "members": ["WS2022-SIM\\alice"],
                                                 "description": "May build"}


def test_remove_then_add_and_description_in_one_call(state):
    apply(state, create=True, add=[(sid(state, "alice"), "a")])
    state["local_groups"]["builders"]["members"].append(ORPHAN)
    result = apply(state, description="new", remove=[(sid(state, "alice"), "a"), (ORPHAN, ORPHAN)],
                   add=[(sid(state, "bob"), "b"), ("S-1-5-11", "NT AUTHORITY\\Authenticated Users")])
    assert [m["sid"] for m in result["group"]["members"]] == [sid(state, "bob"), "S-1-5-11"]
    assert state["local_groups"]["builders"]["description"] == "new"


def test_delete(state):
    apply(state, create=True, add=[(sid(state, "alice"), "a")])
    assert apply(state, delete=True) == {"group": None}
    assert "builders" not in state["local_groups"] and "alice" in state["local_users"]


@pytest.mark.parametrize("setup, call, message", [
    (True, dict(create=True), "Group builders already exists."),
    (False, dict(delete=True), "Group builders was not found."),
    (False, dict(description="x"), "Group builders was not found."),
    (True, dict(add=[("S-1-5-4", "NT AUTHORITY\\INTERACTIVE")]),
     "NT AUTHORITY\\INTERACTIVE is already a member of group builders."),
    (True, dict(remove=[("S-1-5-11", "NT AUTHORITY\\Authenticated Users")]),
     "Member NT AUTHORITY\\Authenticated Users was not found in group builders."),
    (True, dict(add=[(ORPHAN, ORPHAN)]), f"Principal {ORPHAN} was not found."),
])
def test_refusals_carry_the_localaccounts_messages(state, setup, call, message):
    if setup:
        accounts.create_group(state, "builders")
        state["local_groups"]["builders"]["members"] = ["NT AUTHORITY\\INTERACTIVE"]
    with pytest.raises(PowerShellError) as raised:
        apply(state, **call)
    assert (raised.value.message, raised.value.category) == (message, "OperationStopped")


def test_adding_a_local_group_fails_as_the_adsi_call_does(state):
    accounts.create_group(state, "builders")
    with pytest.raises(PowerShellError) as raised:
        apply(state, add=[("S-1-5-32-545", "BUILTIN\\Users")])
    assert raised.value.message == ('Exception calling "Add" with "1" argument(s): "A new member could not be added '
                                    'to a local group because the member has the wrong account type."')
    assert raised.value.category == "NotSpecified"


def test_creating_over_a_user_fails_at_setinfo(state):
    with pytest.raises(PowerShellError, match=r'^Exception calling "SetInfo" with "0" argument\(s\): "The account '
                                              r'already exists\."$'):
        apply(state, name="alice", create=True)


def run_operation(store, name, params):
    script = f"# wcow.buildkit operation: {name}\n$ErrorActionPreference = 'Stop'\n"
    document = {"operation": name, "script": script, "params": params}
    stdin = base64.b64encode(json.dumps(document).encode("utf-8")) + b"\r\n"
    return run_powershell(store, "# wcow.buildkit bootstrap\r\n", stdin)


def test_through_the_bootstrap_a_failure_keeps_what_was_done_before_it(tmp_path):
    store = HostStore.create(tmp_path / "host.json", "ws2022")
    with store.transaction() as host:
        alice = accounts.create_user(host, "alice").sid
        accounts.create_group(host, "builders")
        host["local_groups"]["builders"]["members"] = ["WS2022-SIM\\alice"]
    result = run_operation(store, "local_group_apply", {
        "name": "builders", "create": False, "delete": False, "description": None,
        "remove": [{"sid": alice, "name": "WS2022-SIM\\alice"}], "add": [{"sid": ORPHAN, "name": ORPHAN}]})
    assert result.rc == 1
    assert json.loads(result.stdout)["wcow_error"]["message"] == f"Principal {ORPHAN} was not found."
    assert store.read()["local_groups"]["builders"]["members"] == [], "the removal before the failure stays"
    answered = run_operation(store, "local_group_read", {"name": "builders", "members": []})
    assert answered.rc == 0 and json.loads(answered.stdout)["group"]["members"] == []


def test_members_are_read_through_an_adsi_cast_never_get_type(state):
    """Members of psbase.Invoke('Members') are raw COM objects whose GetType() fails on some 5.x hosts
    (docs/windows-facts.md#local-groups-and-accounts): the read still lists them, local, orphaned and well-known."""
    accounts.create_group(state, "builders")
    for member in (sid(state, "alice"), ORPHAN, "S-1-5-11"):
        state["local_groups"]["builders"]["members"].append(member)
    raw = accounts.adsi_members(state, "builders")
    with pytest.raises(accounts.AccountsError, match="Error while invoking GetType"):
        raw[0].get_type()
    members = read(state)["group"]["members"]
    assert [(m["sid"], m["source"]) for m in members] == [
        (sid(state, "alice"), "local"), (ORPHAN, "unresolved"), ("S-1-5-11", "well_known")]
    snippet = (POWERSHELL / "snippets" / "local_group.ps1").read_text(encoding="utf-8")
    function = snippet[snippet.index("function Get-WcowLocalGroupMembers"):snippet.index("function Get-WcowLocalGroup {")]
    assert ".GetType()" not in function and "InvokeMember(" not in function
    assert "$entry = [ADSI]$member" in function and "$entry.InvokeGet('objectSID')" in function
