"""service_read, service_apply and buildctl_debug_info as the simulated host runs them."""

import base64
import json
import re
from pathlib import Path

import pytest

from wcow_winsim import run_powershell
from winsim.host.store import HostStore
from winsim.programs import fake_binary
from winsim.programs import daemon_log
from winsim.windows import accounts, files, scheduled_tasks, scm

POWERSHELL = Path(__file__).resolve().parents[3] / "plugins" / "plugin_utils" / "powershell"
CONTAINERD = "C:\\Program Files\\containerd\\containerd.exe"
BUILDKITD = "C:\\Program Files\\buildkit\\buildkitd.exe"
BUILDCTL = "C:\\Program Files\\buildkit\\buildctl.exe"
LOG = "C:\\ProgramData\\buildkitd\\buildkitd.log"
APPLY = dict(create=None, image_path=None, start_type=None, dependencies=None, display_name=None, description=None,
             recovery=None, delete=False, state=None, stop_dependents=False, timeout_s=60, log_file=None,
             environment=None, firewall_rule=None)


def operation(store, name, params):
    """What the runner sends: the bootstrap, and the operation's script and params on stdin."""
    document = {"operation": name, "script": (POWERSHELL / f"{name}.ps1").read_text(encoding="utf-8"), "params": params}
    result = run_powershell(store, "# wcow.buildkit bootstrap\r\n", base64.b64encode(json.dumps(document).encode()) + b"\r\n")
    output = json.loads(result.stdout.decode("utf-8"))
    if result.rc:
        raise Failed(output)
    return output


class Failed(Exception):
    def __init__(self, output):
        super().__init__(output["wcow_error"]["message"])
        self.message = output["wcow_error"]["message"]


def apply(store, name, **params):
    return operation(store, "service_apply", {**APPLY, "name": name, **params})


def failure(store, name, **params):
    with pytest.raises(Failed) as raised:
        apply(store, name, **params)
    return raised.value.message


def register(binary, *arguments, register_with="binary"):
    return {"binary": binary, "arguments": list(arguments), "register_with": register_with}


@pytest.fixture
def store(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022", containers=True)
    with store.transaction() as state:
        for folder in ("C:\\Program Files\\containerd", "C:\\Program Files\\buildkit", "C:\\ProgramData\\buildkitd"):
            files.ensure_dir(state, folder)
        files.write_bytes(state, CONTAINERD, fake_binary("containerd", "v2.1.4"))
        files.write_bytes(state, BUILDKITD, fake_binary("buildkitd", "v0.23.2"))
        files.write_bytes(state, BUILDCTL, fake_binary("buildctl", "v0.23.2"))
    return store


def services(store):
    return store.read()["services"]


def both_running(store, *buildkitd_args):
    apply(store, "containerd", create=register(CONTAINERD), state="started")
    apply(store, "buildkitd", create=register(BUILDKITD, "--log-file", LOG, *buildkitd_args),
          dependencies=["containerd"], state="started", log_file=LOG)


# --- service_read -----------------------------------------------------------------------

def test_read_absent_and_present_with_versions(store):
    result = operation(store, "service_read", {"names": ["containerd"], "probe_versions": [CONTAINERD, "C:\\no.exe"]})
    assert result["services"][0]["exists"] is False and result["services"][0]["name"] == "containerd"
    assert result["binaries"][0]["stdout"].startswith("containerd github.com/containerd/containerd/v2 v2.1.4 ")
    assert result["binaries"][1] == {"path": "C:\\no.exe", "exists": False, "exit_code": None, "stdout": "",
                                     "stderr": "", "error": ""}
    both_running(store)
    read = operation(store, "service_read", {"names": ["CONTAINERD", "buildkitd"], "probe_versions": []})
    ctd, bk = read["services"]
    assert ctd["service_name"] == "containerd" and ctd["dependents"] == [{"name": "buildkitd", "state": "Running"}]
    assert bk["dependencies"] == ["containerd"] and bk["state"] == "Running" and bk["process_id"] > 0
    assert bk["image_path"] == f'"{BUILDKITD}" --run-service --service-name buildkitd --log-file {LOG}'


def test_a_binary_that_cannot_run_is_reported(store):
    with store.transaction() as state:
        files.write_bytes(state, "C:\\empty.exe", b"")
    probe, = operation(store, "service_read", {"names": [], "probe_versions": ["C:\\empty.exe"]})["binaries"]
    assert probe["exit_code"] is None
    assert probe["error"] == "Cannot run C:\\empty.exe: The specified executable is not a valid application for this OS platform."


def test_account_names_resolve_to_their_sid_now_and_an_unknown_name_to_none(store):
    with store.transaction() as state:
        sid = accounts.create_group(state, "buildkit-users").sid
    read = operation(store, "service_read", {"names": [], "probe_versions": [],
                                             "accounts": ["buildkit-users", "no-such-group"]})
    assert read["accounts"] == [{"name": "buildkit-users", "sid": sid}, {"name": "no-such-group", "sid": None}]


# --- service_apply ----------------------------------------------------------------------

def test_register_start_and_again(store):
    first = apply(store, "containerd", create=register(CONTAINERD), state="started")
    assert first["actions"] == ["registered", "started"]
    assert first["service"]["display_name"] == "Containerd" and first["service"]["state"] == "Running"
    again = apply(store, "containerd", state="started")
    assert again["actions"] == []


def test_registering_over_a_running_service_stops_and_starts_it(store):
    both_running(store)
    result = apply(store, "buildkitd", create=register(BUILDKITD, "--log-file", LOG, "--debug"),
                   dependencies=["containerd"], log_file=LOG)
    assert result["actions"] == ["stopped", "deleted", "registered", "configured", "started"]
    assert result["service"]["image_path"].endswith("--debug") and result["service"]["state"] == "Running"


def test_config_changes_by_sc(store):
    apply(store, "containerd", create=register(CONTAINERD), state="started")
    result = apply(store, "containerd", start_type="delayed", description="runtime", display_name="containerd",
                   recovery={"reset_period_s": 3600, "actions": [{"type": "restart", "delay_ms": 1000},
                                                                 {"type": "none", "delay_ms": 0}]})
    assert result["actions"] == ["configured", "description set", "recovery set"]
    service = result["service"]
    assert (service["start"], service["delayed_auto_start"], service["start_mode"]) == (2, True, "Auto")
    assert (service["description"], service["display_name"]) == ("runtime", "containerd")
    assert service["failure_actions"] == scm.encode_failure_actions(3600, [(1, 1000), (0, 0)])


def test_command_line_rewrite_needs_a_restart(store):
    both_running(store)
    new = f'"{BUILDKITD}" --run-service --service-name buildkitd --log-file {LOG} --debug'
    result = apply(store, "buildkitd", image_path=new, state="restarted", log_file=LOG)
    assert result["actions"] == ["command line set", "stopped", "started"]
    assert services(store)["buildkitd"]["ImagePath"] == new


def test_stopping_with_dependents_needs_stop_dependents(store):
    both_running(store)
    message = failure(store, "containerd", state="stopped")
    assert message == ("Cannot stop service 'Containerd (containerd)' because it has dependent services. "
                       "It can only be stopped if the Force flag is set.")
    result = apply(store, "containerd", state="restarted", stop_dependents=True)
    assert result["actions"] == ["stopped", "started", "started dependent buildkitd"]
    assert services(store)["buildkitd"]["State"] == "Running"
    stopped = apply(store, "containerd", state="stopped", stop_dependents=True)
    assert stopped["actions"] == ["stopped"] and services(store)["buildkitd"]["State"] == "Stopped"


def test_starting_a_service_starts_its_dependency(store):
    both_running(store)
    apply(store, "containerd", state="stopped", stop_dependents=True)
    assert apply(store, "buildkitd", state="started")["actions"] == ["started"]
    assert services(store)["containerd"]["State"] == "Running"


def test_delete(store):
    both_running(store)
    assert "dependent services" in failure(store, "containerd", delete=True)
    assert services(store)["containerd"]["State"] == "Running", "nothing changed"
    assert apply(store, "buildkitd", delete=True)["actions"] == ["stopped", "deleted"]
    assert apply(store, "buildkitd", delete=True)["actions"] == []
    assert "buildkitd" not in services(store)


def test_sc_registration(store):
    result = apply(store, "ctd", create={"binary": CONTAINERD, "arguments": ["--run-service", "--address", "\\\\.\\pipe\\c 2"],
                                         "register_with": "sc", "display_name": "My containerd"}, state="started")
    assert result["service"]["image_path"] == f'"{CONTAINERD}" --run-service --address "\\\\.\\pipe\\c 2"'
    assert result["service"]["display_name"] == "My containerd" and result["service"]["failure_actions"] == ""


def test_a_missing_service_without_registration_fails(store):
    assert failure(store, "nothere", state="started") == \
        "Service 'nothere' does not exist and no registration was given."


def test_a_start_failure_names_the_reason_from_the_log(store):
    apply(store, "buildkitd", create=register(BUILDKITD, "--log-file", LOG), state=None)
    message = failure(store, "buildkitd", state="started", log_file=LOG)
    assert message.startswith("Starting service 'buildkitd' failed: The service did not respond to the start or "
                              "control request in a timely fashion (Win32 error 1053). Last lines of " + LOG + ": ")
    assert message.endswith("buildkitd: no worker found, rebuild the buildkit daemon?")


def test_failed_reregistration_restores_the_previous_one(store):
    both_running(store)
    before = services(store)["buildkitd"]
    message = failure(store, "buildkitd", create=register(BUILDKITD, "--group", "nope"), dependencies=["containerd"],
                      state="started")
    assert message == ("Registering service 'buildkitd' with C:\\Program Files\\buildkit\\buildkitd.exe "
                       "--register-service failed (exit code 1): buildkitd: failed to lookup sid for group nope: "
                       "lookup account nope: not found The previous registration of service 'buildkitd' was "
                       "restored. Service 'buildkitd' is running again.")
    after = services(store)["buildkitd"]
    for key in ("ImagePath", "Start", "DependOnService", "DisplayName", "Description", "FailureActions", "State"):
        assert after[key] == before[key], key


def test_failed_start_after_rewrite_restores_and_restarts(store):
    both_running(store)
    before = services(store)["buildkitd"]["ImagePath"]
    bad = before + " --containerd-worker-addr \\\\.\\pipe\\nothing"
    message = failure(store, "buildkitd", image_path=bad, dependencies=[], state="restarted", log_file=LOG)
    assert "(Win32 error 1053)" in message
    assert message.endswith("The previous registration of service 'buildkitd' was restored. "
                            "Service 'buildkitd' is running again.")
    service = services(store)["buildkitd"]
    assert (service["ImagePath"], service["DependOnService"], service["State"]) == (before, ["containerd"], "Running")


def test_dependents_stopped_for_a_failed_change_are_started_again(store):
    both_running(store)
    message = failure(store, "containerd", image_path=f'"{CONTAINERD}" --run-service --nope', state="restarted",
                      stop_dependents=True)
    assert message.endswith("The previous registration of service 'containerd' was restored. Service 'containerd' "
                            "is running again. Dependent services started again: buildkitd.")
    assert services(store)["buildkitd"]["State"] == "Running"


def test_a_restore_that_fails_says_so(store):
    both_running(store)
    with store.transaction() as state:
        # A broken CNI config breaks the old registration as much as the new one.
        files.ensure_dir(state, "C:\\Program Files\\containerd\\cni\\conf")
        files.write_bytes(state, "C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf", b"{")
    message = failure(store, "buildkitd", state="restarted", description="x", log_file=LOG)
    assert "Restoring the previous state of service 'buildkitd' failed too: Starting service 'buildkitd' failed" in message
    assert services(store)["buildkitd"]["Description"] == "Container image build engine"


def test_a_disabled_service_does_not_start(store):
    apply(store, "containerd", create=register(CONTAINERD), start_type="disabled")
    message = failure(store, "containerd", state="started")
    assert message == ("Starting service 'containerd' failed: The service cannot be started, either because it is "
                       "disabled or because it has no enabled devices associated with it (Win32 error 1058).")


# --- buildctl_debug_info ------------------------------------------------------------------

def debug_info(store, as_user=None, path=BUILDCTL):
    return operation(store, "buildctl_debug_info", {"buildctl_path": path, "as_user": as_user, "addr": None})


def test_debug_info_for_the_group_and_others(store):
    with store.transaction() as state:
        accounts.create_group(state, "buildkit-users")
        member = accounts.create_user(state, "builder")
        visitor = accounts.create_user(state, "visitor")
        accounts.add_member(state, "buildkit-users", member.sid)
        # A scheduled task's user must be allowed to log on as a batch job (docs/windows-facts.md#scheduled-tasks).
        for user in (member, visitor):
            scheduled_tasks.grant_right(state, "SeBatchLogonRight", user.sid)
    assert debug_info(store)["stderr"].endswith("The system cannot find the file specified.\"\n")
    both_running(store, "--group", "buildkit-users")
    ok = debug_info(store, "builder")
    assert (ok["ran"], ok["user"], ok["exit_code"]) == (True, "builder", 0)
    assert ok["stdout"].startswith("BuildKit: github.com/moby/buildkit v0.23.2 ")
    denied = debug_info(store, "visitor")
    assert denied["exit_code"] == 1 and denied["stderr"].endswith("Access is denied.\"\n")
    assert debug_info(store)["exit_code"] == 0
    assert "--group buildkit-users" in services(store)["buildkitd"]["ImagePath"]
    assert daemon_log.read_lines(store.read(), LOG)


def test_debug_info_without_buildctl_or_user(store):
    assert debug_info(store, path="C:\\nothere.exe") == {
        "ran": False, "user": "Administrator", "exit_code": None, "stdout": "", "stderr": "",
        "error": "C:\\nothere.exe does not exist."}
    with pytest.raises(Failed) as raised:
        debug_info(store, "ghost")
    assert raised.value.message == "No mapping between account names and security IDs was done."


def test_a_deletion_converges_while_win32_service_still_lists_the_service_without_its_key(store):
    """The SCM removes the key first; Win32_Service lists the service once more (docs/windows-facts.md#windows-services)."""
    both_running(store)
    with store.transaction() as state:
        scm.stop_service(state, "buildkitd")
        scm.delete_service(state, "buildkitd")
        assert scm.find(state, "buildkitd") is None
        assert scm.wmi_service(state, "buildkitd")[2] is False, "listed, its key gone"
        assert scm.wmi_service(state, "buildkitd") is None, "that read was its last"
    apply(store, "containerd", state="stopped")
    # A deletion: Wait-WcowServiceGone and the final Get-WcowService meet the listing without a key.
    assert apply(store, "containerd", delete=True)["actions"] == ["deleted"]
    assert "containerd" not in services(store) and not store.read().get("services_listed_without_key")
    snippet = (POWERSHELL / "snippets" / "service.ps1").read_text(encoding="utf-8")
    get_service = snippet[snippet.index("function Get-WcowService {"):snippet.index("function Get-WcowWin32Message")]
    # Only the key's absence (ItemNotFoundException) is caught, and reported as a service that is gone.
    read_key = "-f $cim.Name)\n    }\n"
    assert read_key in get_service
    assert re.match(r"\s+catch \[System\.Management\.Automation\.ItemNotFoundException\] \{\s+return \$absent\s+\}",
                    get_service.split(read_key, 1)[1])
    assert "SilentlyContinue" not in get_service


def test_a_service_key_the_user_may_not_read_is_an_error_not_a_service_that_is_gone(store):
    # docs/windows-facts.md#windows-services: only "not found" means gone; access denied surfaces.
    both_running(store)
    with store.transaction() as state:
        state["services"]["buildkitd"]["KeySddl"] = "O:SYD:P(D;;KA;;;BA)(A;;KA;;;SY)"
    with pytest.raises(Failed, match="^Requested registry access is not allowed.$"):
        operation(store, "service_read", {"names": ["buildkitd"], "probe_versions": []})
    assert "buildkitd" in services(store)


def test_sc_exe_refusing_a_change_and_an_unknown_start_type_fail_clearly(store):
    both_running(store)
    # Each service depending on the other: ChangeServiceConfig refuses the cycle (1059).
    message = failure(store, "containerd", dependencies=["buildkitd"])
    assert message.startswith("sc.exe config failed: [SC] ChangeServiceConfig FAILED 1059:"), message
    assert services(store)["containerd"]["DependOnService"] == []
    assert failure(store, "containerd", start_type="sometimes") == "Unknown start type sometimes."


def test_a_service_whose_program_exits_after_reporting_running_stopped_while_starting(store):
    # A second containerd on the first one's pipe: running, then its listener fails and the process ends (1067).
    apply(store, "containerd", create=register(CONTAINERD), state="started")
    second = {"binary": CONTAINERD, "arguments": ["--run-service", "--service-name", "containerd2"],
              "register_with": "sc", "display_name": "containerd two"}
    message = failure(store, "containerd2", create=second, state="started")
    assert message.startswith("Service 'containerd2' stopped while starting (exit code 1067: "
                              "The process terminated unexpectedly)."), message
    assert services(store)["containerd"]["State"] == "Running"


def test_a_service_still_start_pending_at_the_timeout_fails_the_wait_and_cannot_be_stopped_yet(store):
    # The program reports SERVICE_START_PENDING for 61 s; the wait gives up at 60 (the simulated clock), and
    # ControlService refuses a stop while it starts (1061, learn.microsoft.com "ControlService").
    with store.transaction() as state:
        state["process_behaviour"] = {CONTAINERD.lower(): {"runs_s": 61}}
    message = failure(store, "containerd", create=register(CONTAINERD), state="started", timeout_s=60)
    assert message.startswith("Service 'containerd' did not become Running within 60 s; it is Start Pending."), message
    assert services(store)["containerd"]["State"] == "Start Pending"
    stop = failure(store, "containerd", state="stopped")
    assert stop.startswith("Stopping service 'containerd' failed: The service cannot accept control messages at this "
                           "time."), stop
    with store.transaction() as state:
        scm.on_boot(state)  # a restart outlasts the 61 s start
    assert services(store)["containerd"]["State"] == "Running"


def test_a_deleted_service_another_program_holds_open_stays_until_a_restart(store):
    # learn.microsoft.com "DeleteService": the entry goes once every handle is closed and the service stopped.
    both_running(store)
    apply(store, "buildkitd", state="stopped")
    with store.transaction() as state:
        state["services"]["buildkitd"]["OpenHandles"] = 1  # services.msc is open on it
    message = failure(store, "buildkitd", delete=True, timeout_s=30)
    assert message.startswith("Service 'buildkitd' is marked for deletion but still exists after 30 s (a program "
                              "holds a handle to it, for example services.msc)."), message
    assert services(store)["buildkitd"]["DeleteFlag"] == 1
    with store.transaction() as state:
        scm.on_boot(state)
    assert "buildkitd" not in services(store)
    assert apply(store, "buildkitd", delete=True)["actions"] == []
