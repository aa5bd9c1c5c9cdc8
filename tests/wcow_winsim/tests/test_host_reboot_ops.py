"""host_reboot: shutdown.exe /r with the message, preempting a restart already scheduled."""

from __future__ import annotations

import time

import pytest

from wcow_winsim.operations import HANDLERS, PowerShellError
from winsim.host import profiles


@pytest.fixture
def ws2022():
    return profiles.build_state("ws2022")


def test_host_reboot_schedules_a_restart_with_the_message(ws2022):
    result = HANDLERS["host_reboot"](ws2022, {"delay": 2, "message": "Enabling Containers"})
    assert result == {"rc": 0, "output": "", "preempted": False, "in_progress": False}
    assert ws2022["boot"]["shutdown"]["comment"] == "Enabling Containers"


def test_host_reboot_preempts_a_shutdown_already_scheduled(ws2022):
    HANDLERS["host_reboot"](ws2022, {"delay": 3600, "message": "someone else"})
    result = HANDLERS["host_reboot"](ws2022, {"delay": 2, "message": "ours"})
    assert result["preempted"] is True and result["rc"] == 0
    assert ws2022["boot"]["shutdown"]["comment"] == "ours"
    assert abs(ws2022["boot"]["shutdown"]["at"] - (time.time() + 2)) < 5, "at our delay, not in an hour"


def test_host_reboot_reports_a_shutdown_in_progress(ws2022):
    ws2022["boot"]["shutdown_grace_s"] = 60
    HANDLERS["host_reboot"](ws2022, {"delay": 0, "message": "first"})
    result = HANDLERS["host_reboot"](ws2022, {"delay": 2, "message": "second"})
    assert result == {"rc": 1115, "output": "A system shutdown is in progress.(1115)", "preempted": False,
                      "in_progress": True}


@pytest.mark.parametrize("message", ["", 'x" y'])
def test_host_reboot_fails_when_powershell_mangles_the_message(ws2022, message):
    with pytest.raises(PowerShellError, match=r"^shutdown.exe /r failed with exit code 87: The parameter is incorrect\.\(87\)"):
        HANDLERS["host_reboot"](ws2022, {"delay": 2, "message": message})
    assert ws2022["boot"]["shutdown"] is None


def test_host_reboot_loses_the_quotes_of_a_quoted_message(ws2022):
    HANDLERS["host_reboot"](ws2022, {"delay": 2, "message": 'a "quoted" word'})
    assert ws2022["boot"]["shutdown"]["comment"] == "a quoted word"
