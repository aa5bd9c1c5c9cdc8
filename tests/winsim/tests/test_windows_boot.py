"""Restarts in the host model: shutdown.exe, the restart phases, what a boot settles."""

from __future__ import annotations

import datetime
import re

import pytest

from winsim.host import profiles
from winsim.windows import boot, features, hns, shutdown_exe

NOW = 1_900_000_000.0


def restart(state, delay=2, comment="Reboot initiated by Ansible", now=NOW):
    return shutdown_exe.run(state, ["/r", "/t", str(delay), "/c", comment], now)


@pytest.fixture
def ws2022():
    return profiles.build_state("ws2022")


def test_a_fresh_host_has_no_pending_reboot_and_no_scheduled_shutdown(ws2022):
    assert ws2022["boot"]["shutdown"] is None
    assert ws2022["reboot_pending"] == dict.fromkeys(boot.PENDING_INDICATORS, False)
    assert boot.shutdown_phase(ws2022, NOW) == "none"


def test_a_restart_goes_through_its_phases_by_the_clock(ws2022):
    ws2022["boot"].update(shutdown_grace_s=0.5, reboot_downtime_s=2.0)
    assert restart(ws2022, delay=5) == (0, "", "")
    assert ws2022["boot"]["shutdown"] == {"at": NOW + 5, "restart": True, "comment": "Reboot initiated by Ansible"}
    phases = [boot.shutdown_phase(ws2022, NOW + offset) for offset in (0, 4.9, 5.0, 5.4, 5.5, 7.4, 7.5, 100)]
    assert phases == ["scheduled", "scheduled", "shutting_down", "shutting_down", "down", "down", "due", "due"]


def test_the_boot_is_applied_only_once_it_is_due(ws2022):
    restart(ws2022, delay=0)
    before = dict(ws2022["boot"])
    assert boot.finish_due_restart(ws2022, NOW + 1) is False
    assert ws2022["boot"]["count"] == 1
    assert boot.finish_due_restart(ws2022, NOW + 60) is True
    after = ws2022["boot"]
    assert after["count"] == 2 and after["id"] != before["id"]
    assert after["last_boot_time"] > before["last_boot_time"]
    assert after["shutdown"] is None
    assert boot.finish_due_restart(ws2022, NOW + 61) is False, "one restart, one boot"


def test_a_boot_settles_pending_features_and_clears_the_pending_indicators(ws2022):
    assert features.enable(ws2022, "Containers") is True
    assert ws2022["features"]["Containers"] == "EnablePending"
    assert ws2022["reboot_pending"]["component_based_servicing"] is True
    assert not hns.available(ws2022), "HNS waits for the reboot"
    ws2022["reboot_pending"]["windows_update"] = True
    boot.reboot(ws2022)
    assert ws2022["features"]["Containers"] == "Enabled"
    assert ws2022["reboot_pending"] == dict.fromkeys(boot.PENDING_INDICATORS, False)
    assert [n["Name"] for n in ws2022["hns"]["networks"]] == ["nat"], "the default nat network comes up"


def test_the_default_nat_subnet_changes_and_api_nat_networks_vanish_on_server_2019():
    state = profiles.build_state("ws2019", containers=True)
    hns.create_network(state, {"Name": "nat", "Type": "NAT",
                               "Subnets": [{"AddressPrefix": "172.20.0.0/16", "GatewayAddress": "172.20.0.1"}]},
                       origin="api")
    boot.reboot(state)
    assert state["hns"]["networks"] == []
    ws2022 = profiles.build_state("ws2022", containers=True)
    before = ws2022["hns"]["networks"][0]["Subnets"][0]["AddressPrefix"]
    boot.reboot(ws2022)
    assert ws2022["hns"]["networks"][0]["Subnets"][0]["AddressPrefix"] != before


def test_boot_hooks_run_after_features_and_hns(ws2022, monkeypatch):
    seen = []
    monkeypatch.setattr(boot, "ON_BOOT", [lambda state: seen.append(
        (state["features"]["Containers"], [n["Name"] for n in state["hns"]["networks"]]))])
    features.enable(ws2022, "Containers")
    boot.reboot(ws2022)
    assert seen == [("Enabled", ["nat"])]


def test_last_boot_up_time_reads_are_off_by_a_few_milliseconds(ws2022):
    stored = datetime.datetime.strptime(ws2022["boot"]["last_boot_time"], "%Y-%m-%dT%H:%M:%SZ")
    for _unused in range(50):
        text = boot.last_boot_up_time(ws2022)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", text)
        read = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
        assert abs((read - stored).total_seconds()) <= 0.003


# -- shutdown.exe --------------------------------------------------------------

def test_a_second_restart_while_one_is_scheduled_is_1190_on_stderr(ws2022):
    restart(ws2022, delay=600, comment="first")
    assert restart(ws2022, comment="second") == (1190, "", "A system shutdown has already been scheduled.(1190)\r\n")
    assert ws2022["boot"]["shutdown"]["comment"] == "first", "the scheduled one is kept"


def test_abort_cancels_a_scheduled_restart_and_1116_when_there_is_none(ws2022):
    restart(ws2022, delay=600)
    assert shutdown_exe.run(ws2022, ["/a"], NOW + 1) == (0, "", "")
    assert boot.shutdown_phase(ws2022, NOW + 1000) == "none"
    assert shutdown_exe.run(ws2022, ["-A"], NOW + 2) == (
        1116, "", "Unable to abort the system shutdown because no shutdown was in progress.(1116)\r\n")


def test_while_shutting_down_shutdown_exe_gets_1115(ws2022):
    ws2022["boot"]["shutdown_grace_s"] = 5
    restart(ws2022, delay=0)
    assert restart(ws2022, now=NOW + 1) == (1115, "", "A system shutdown is in progress.(1115)\r\n")
    assert shutdown_exe.run(ws2022, ["/a"], NOW + 1)[0] == 1115


@pytest.mark.parametrize("argv", [
    ["/r", "/t"],
    ["/r", "/t", "-1"],
    ["/r", "/t", "315360001"],
    ["/r", "/c", "x" * 513],
    ["/r", "/a"],
    ["/s", "/t", "0"],
    ["/r", "/t", "2", "/c"],
    ["reboot"],
    [],
])
def test_command_lines_shutdown_exe_refuses_are_87_and_change_nothing(ws2022, argv):
    assert shutdown_exe.run(ws2022, argv, NOW) == (87, "", "The parameter is incorrect.(87)\r\n")
    assert ws2022["boot"]["shutdown"] is None


def test_the_delay_defaults_to_30_seconds_and_a_512_character_comment_is_accepted(ws2022):
    assert shutdown_exe.run(ws2022, ["/r", "/c", "y" * 512], NOW)[0] == 0
    assert ws2022["boot"]["shutdown"]["at"] == NOW + 30


def test_windows_powershell_drops_empty_arguments_and_leaves_inner_quotes_alone():
    assert shutdown_exe.powershell_native_args(["/r", "/c", "two words"]) == ["/r", "/c", "two words"]
    assert shutdown_exe.powershell_native_args(["/r", "/c", ""]) == ["/r", "/c"]
    assert shutdown_exe.powershell_native_args(["/c", 'say "hi" now']) == ["/c", "say hi now"]
    assert shutdown_exe.powershell_native_args(["/c", 'x" y']) == ["/c", "x", "y"]
