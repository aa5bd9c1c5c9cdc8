"""winsim.windows.defender: Microsoft Defender Antivirus's service, exclusion lists and who may see them."""

import pytest

from winsim.host import profiles
from winsim.windows import defender, ntfs

ROOT = "C:\\ProgramData\\containerd\\root"
USER = {"S-1-5-32-545", "S-1-1-0"}


@pytest.fixture
def state():
    return profiles.build_state("ws2022")


def test_a_fresh_host_runs_defender_and_a_host_without_it_has_no_service():
    assert defender.service_status(profiles.build_state("ws2019")) == "Running"
    assert defender.service_status(profiles.build_state("ws2019", defender=False)) is None
    with pytest.raises(TypeError):
        profiles.build_state("ws2019", defender="no")


def test_a_state_file_older_than_the_model_gets_a_fresh_defender(state):
    del state["defender"]
    assert defender.service_status(state) == "Running" and state["defender"] == defender.fresh()


def test_an_empty_list_is_null_as_the_cim_property_is(state):
    assert defender.get_preference(state, ntfs.operator_token(state)) == {"exclusion_process": None,
                                                                          "exclusion_path": None}


def test_a_user_who_is_not_an_administrator_sees_the_placeholder_and_cannot_change(state):
    defender.add(state, ntfs.operator_token(state), "exclusion_path", [ROOT])
    assert defender.get_preference(state, USER) == {"exclusion_process": [defender.HIDDEN],
                                                    "exclusion_path": [defender.HIDDEN]}
    with pytest.raises(defender.NotModelled):
        defender.add(state, USER, "exclusion_path", ["D:\\x"])


def test_the_policy_hides_the_lists_from_administrators_too(state):
    state["defender"]["hide_exclusions_from_local_admins"] = True
    assert defender.get_preference(state, ntfs.operator_token(state))["exclusion_path"] == [defender.HIDDEN]


def test_a_stopped_service_fails_every_cmdlet_with_0x800106ba(state):
    state["defender"]["service"] = "Stopped"
    for call in (lambda: defender.get_preference(state, ntfs.operator_token(state)),
                 lambda: defender.remove(state, ntfs.operator_token(state), "exclusion_path", [ROOT])):
        with pytest.raises(defender.DefenderError) as raised:
            call()
        assert raised.value.hresult == defender.NOT_RUNNING_HRESULT
        assert raised.value.error_id.startswith("HRESULT 0x800106ba,")
