"""The local accounts model: name and SID lookups, SID allocation, SAM errors, orphaned SIDs."""

import pytest

from winsim.host import profiles
from winsim.windows import accounts
from winsim.windows.guids import machine_sid

ORPHAN = "S-1-5-21-3623811015-3361044348-30300820-1234"


@pytest.fixture
def state():
    host = profiles.build_state("ws2022")
    accounts.create_user(host, "alice")
    accounts.create_group(host, "builders")
    return host


def sid_of(state, text):
    found = accounts.lookup_account_name(state, text)
    return found.sid if found else None


def test_computer_name_is_the_upper_case_netbios_name():
    assert accounts.computer_name(profiles.build_state("ws2022", hostname="build-host-number-42")) == "BUILD-HOST-NUMB"
    assert accounts.computer_name(profiles.build_state("ws2022")) == "WS2022-SIM"


def test_new_accounts_take_rids_from_1000_and_never_reuse_one(state):
    machine = machine_sid(state["hostname"])
    assert state["local_users"]["alice"]["sid"] == f"{machine}-1000"
    assert state["local_groups"]["builders"]["sid"] == f"{machine}-1001"
    accounts.delete_group(state, "builders")
    assert accounts.create_group(state, "builders").sid == f"{machine}-1002"
    # An account written into the state by hand moves the counter past it.
    state["local_users"]["carol"] = {"sid": f"{machine}-1500", "enabled": True}
    assert accounts.create_user(state, "dave").sid == f"{machine}-1501"


def test_isolated_names_look_in_well_known_then_local_then_domain(state):
    assert sid_of(state, "alice") == state["local_users"]["alice"]["sid"]
    assert sid_of(state, "ALICE") == state["local_users"]["alice"]["sid"]
    assert sid_of(state, "Authenticated Users") == "S-1-5-11"
    assert sid_of(state, "Everyone") == "S-1-1-0"
    assert sid_of(state, "Users") == "S-1-5-32-545"
    assert sid_of(state, "builders") == state["local_groups"]["builders"]["sid"]
    assert sid_of(state, "ghost") is None


def test_qualified_names_look_only_in_their_domain(state):
    assert sid_of(state, "WS2022-SIM\\alice") == state["local_users"]["alice"]["sid"]
    assert sid_of(state, "NT AUTHORITY\\Authenticated Users") == "S-1-5-11"
    assert sid_of(state, "NT AUTHORITY\\alice") is None
    assert sid_of(state, "BUILTIN\\Administrators") == "S-1-5-32-544"
    assert sid_of(state, "BUILTIN\\alice") is None
    assert sid_of(state, "WS2022-SIM\\Users") is None


def test_names_ntaccount_cannot_translate(state):
    # `.` is no domain, and a local group is not found with the computer's name.
    assert sid_of(state, ".\\alice") is None
    assert sid_of(state, "WS2022-SIM\\builders") is None


def test_without_a_declared_domain_domain_names_are_not_found(state):
    assert sid_of(state, "CONTOSO\\alice") is None
    assert sid_of(state, "bob@contoso.com") is None


def test_a_declared_domain_resolves_after_the_local_accounts(state):
    state["domain"] = {"name": "CONTOSO", "sid": "S-1-5-21-10-20-30", "dns_name": "contoso.com",
                       "accounts": {"bob": {"rid": 1105}, "alice": {"rid": 1106},
                                    "build-agents": {"rid": 2001, "class": "group"}}}
    assert sid_of(state, "CONTOSO\\bob") == "S-1-5-21-10-20-30-1105"
    assert sid_of(state, "bob") == "S-1-5-21-10-20-30-1105"
    assert sid_of(state, "alice") == state["local_users"]["alice"]["sid"], "local accounts come first"
    assert sid_of(state, "bob@contoso.com") == "S-1-5-21-10-20-30-1105"
    found = accounts.lookup_account_sid(state, "S-1-5-21-10-20-30-2001")
    assert (found.qualified, found.object_class, found.kind) == ("CONTOSO\\build-agents", "group", "domain")


def test_sids_translate_back_to_qualified_names(state):
    assert accounts.lookup_account_sid(state, state["local_users"]["alice"]["sid"]).qualified == "WS2022-SIM\\alice"
    assert accounts.lookup_account_sid(state, "s-1-5-32-545").qualified == "BUILTIN\\Users"
    assert accounts.lookup_account_sid(state, "S-1-1-0").qualified == "Everyone"
    assert accounts.lookup_account_sid(state, ORPHAN) is None


@pytest.mark.parametrize("name, message", [
    ("BUILDERS", accounts.ERROR_ALIAS_EXISTS),
    ("Alice", accounts.NERR_USER_EXISTS),
    ("a/b", accounts.ERROR_INVALID_PARAMETER),
    ("a@b", accounts.ERROR_INVALID_PARAMETER),
    ("...", accounts.ERROR_INVALID_PARAMETER),
    ("trailing.", accounts.ERROR_INVALID_PARAMETER),
    ("g" * 257, accounts.ERROR_INVALID_PARAMETER),
])
def test_create_group_refuses_as_netlocalgroupadd_does(state, name, message):
    with pytest.raises(accounts.AccountsError) as raised:
        accounts.create_group(state, name)
    assert raised.value.message == message


def test_description_is_bounded(state):
    accounts.set_group_description(state, "builders", "d" * 256)
    with pytest.raises(accounts.AccountsError, match="parameter is incorrect"):
        accounts.set_group_description(state, "builders", "d" * 257)


def test_delete_refuses_missing_and_built_in_groups(state):
    with pytest.raises(accounts.AccountsError, match="group name could not be found"):
        accounts.delete_group(state, "nobody")
    with pytest.raises(accounts.AccountsError, match="built-in accounts"):
        accounts.delete_group(state, "Users")


def test_membership_by_sid(state):
    alice = state["local_users"]["alice"]["sid"]
    accounts.add_member(state, "builders", alice)
    accounts.add_member(state, "builders", "S-1-5-11")
    assert state["local_groups"]["builders"]["members"] == ["WS2022-SIM\\alice", "NT AUTHORITY\\Authenticated Users"]
    assert accounts.member_sids(state, "BUILDERS") == [alice, "S-1-5-11"]
    accounts.remove_member(state, "builders", alice)
    assert state["local_groups"]["builders"]["members"] == ["NT AUTHORITY\\Authenticated Users"]


@pytest.mark.parametrize("sid, message", [
    (ORPHAN, accounts.ERROR_NO_SUCH_MEMBER),
    ("S-1-5-32-545", accounts.ERROR_INVALID_MEMBER),
    ("S-1-5-4", accounts.ERROR_MEMBER_IN_ALIAS),
])
def test_add_member_refuses_as_netlocalgroupaddmembers_does(state, sid, message):
    state["local_groups"]["builders"]["members"] = ["NT AUTHORITY\\INTERACTIVE"]
    with pytest.raises(accounts.AccountsError) as raised:
        accounts.add_member(state, "builders", sid)
    assert raised.value.message == message


def test_local_groups_of_this_computer_do_not_nest(state):
    accounts.create_group(state, "other")
    with pytest.raises(accounts.AccountsError, match="wrong account type"):
        accounts.add_member(state, "builders", state["local_groups"]["other"]["sid"])


def test_remove_member_refuses_a_non_member(state):
    with pytest.raises(accounts.AccountsError) as raised:
        accounts.remove_member(state, "builders", "S-1-5-11")
    assert raised.value.message == accounts.ERROR_MEMBER_NOT_IN_ALIAS


def test_orphaned_sid_breaks_get_localgroupmember_but_not_adsi(state):
    state["local_groups"]["builders"]["members"] = ["WS2022-SIM\\alice", ORPHAN]
    with pytest.raises(accounts.AccountsError) as raised:
        accounts.get_local_group_member(state, "builders")
    assert raised.value.message == "Failed to compare two elements in the array."
    listed = [accounts.DirectoryEntry(m) for m in accounts.adsi_members(state, "builders")]
    assert [m.invoke_get("ADsPath") for m in listed] == ["WinNT://WORKGROUP/WS2022-SIM/alice", f"WinNT://{ORPHAN}"]
    assert listed[0].invoke_get("Class") == "User" and listed[1].invoke_get("objectSID") == ORPHAN
    # The orphan can be removed by its SID.
    accounts.remove_member(state, "builders", ORPHAN)
    assert [a.name for a in accounts.get_local_group_member(state, "builders")] == ["alice"]


def test_default_groups_read_without_orphans():
    state = profiles.build_state("ws2019")
    names = [a.qualified for a in accounts.get_local_group_member(state, "Administrators")]
    assert names == ["WS2019-SIM\\Administrator"]
    assert accounts.member_sids(state, "Users") == ["S-1-5-4", "S-1-5-11"]


def test_a_member_stored_by_a_name_that_maps_to_nothing_is_a_state_error(state):
    state["local_groups"]["builders"]["members"] = ["CONTOSO\\ghost"]
    with pytest.raises(accounts.StoredStateError, match="store a SID"):
        accounts.member_sids(state, "builders")


def test_group_members_are_raw_com_objects_read_through_an_adsi_cast(state):
    state["local_groups"]["builders"]["members"] = ["WS2022-SIM\\alice"]
    (member,) = accounts.adsi_members(state, "builders")
    with pytest.raises(accounts.AccountsError, match="Error while invoking GetType"):
        member.get_type()
    entry = accounts.DirectoryEntry(member)
    assert entry.invoke_get("objectsid") == entry.invoke_get("objectSID").upper()
    with pytest.raises(accounts.AccountsError, match="cannot be found in the cache"):
        entry.invoke_get("Description")
