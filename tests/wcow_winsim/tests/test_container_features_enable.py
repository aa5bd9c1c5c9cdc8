"""container_features_enable with a restart: enabling and scheduling shutdown.exe /r in one run."""

from __future__ import annotations

import time

import pytest

from wcow_winsim.operations import HANDLERS, PowerShellError
from winsim.host import profiles
from winsim.windows import boot

RESTART = {"delay": 2, "message": "Enabling Containers"}


@pytest.fixture
def ws2022():
    return profiles.build_state("ws2022")


def enable(state, names, report=(), restart=None):
    return HANDLERS["container_features_enable"](state, {"names": list(names), "report": list(report),
                                                         "restart": restart})


def test_enabling_schedules_the_restart_in_the_same_run(ws2022):
    result = enable(ws2022, ["Containers"], ["Containers"], RESTART)
    assert result == {"restart_needed": True, "features": [{"name": "Containers", "state": "EnablePending"}],
                      "restart": {"scheduled": True, "rc": 0, "output": "", "preempted": False,
                                  "in_progress": False}}
    shutdown = ws2022["boot"]["shutdown"]
    assert shutdown["comment"] == "Enabling Containers" and abs(shutdown["at"] - (time.time() + 2)) < 5
    assert boot.shutdown_phase(ws2022, time.time()) == "scheduled"


def test_nothing_to_enable_but_a_pending_feature_only_schedules_the_restart(ws2022):
    ws2022["features"]["Containers"] = "EnablePending"
    result = enable(ws2022, [], ["Containers"], RESTART)
    assert result["restart_needed"] is False
    assert result["features"] == [{"name": "Containers", "state": "EnablePending"}]
    assert result["restart"]["scheduled"] is True and ws2022["boot"]["shutdown"] is not None


def test_no_restart_when_every_feature_is_enabled(ws2022):
    ws2022["features"]["Containers"] = "Enabled"
    result = enable(ws2022, [], ["Containers"], RESTART)
    assert result["restart"] is None and ws2022["boot"]["shutdown"] is None


def test_without_restart_parameters_nothing_is_scheduled(ws2022):
    result = enable(ws2022, ["Containers"], ["Containers"], None)
    assert result["restart"] is None and ws2022["boot"]["shutdown"] is None


def test_reported_features_are_listed_once_in_order(ws2022):
    result = enable(ws2022, ["Containers"], ["containers", "Microsoft-Hyper-V"])
    assert [item["name"] for item in result["features"]] == ["Containers", "Microsoft-Hyper-V"]


def test_a_shutdown_already_scheduled_is_replaced(ws2022):
    boot.schedule_restart(ws2022, 3600, "patching tonight", time.time())
    result = enable(ws2022, ["Containers"], ["Containers"], RESTART)
    assert result["restart"]["preempted"] is True and ws2022["boot"]["shutdown"]["comment"] == "Enabling Containers"


def test_a_restart_shutdown_exe_refuses_is_returned_not_thrown(ws2022):
    # Windows PowerShell 5.1 drops the empty /c argument (PowerShell/PowerShell#6280): shutdown.exe says 87.
    result = enable(ws2022, ["Containers"], ["Containers"], {"delay": 2, "message": ""})
    assert result["restart"] == {"scheduled": False, "rc": 87, "output": "The parameter is incorrect.(87)",
                                 "preempted": False, "in_progress": False}
    assert result["features"] == [{"name": "Containers", "state": "EnablePending"}], "the features stay enabled"


@pytest.mark.parametrize("params", [
    {"names": ["Containers"], "restart": None},
    {"names": ["Containers"], "report": "Containers", "restart": None},
    {"names": ["Containers"], "report": [], "restart": {"delay": "2", "message": "x"}},
    {"names": ["Containers"], "report": [], "restart": {"delay": 2}},
])
def test_bad_parameters_are_refused_before_anything_changes(ws2022, params):
    with pytest.raises(PowerShellError, match="Parameter '(report|restart|delay|message)'"):
        HANDLERS["container_features_enable"](ws2022, params)
    assert ws2022["features"]["Containers"] == "Disabled" and ws2022["boot"]["shutdown"] is None
