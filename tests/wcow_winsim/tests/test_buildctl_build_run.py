"""`buildctl build` as the simulator models it, through the buildctl_build_run handler: the base
image must fit the host build at RUN, the registry must know the tag, buildkitd must answer the
caller on its pipe, the temporary folder goes, and push needs credentials."""

import base64
import copy
import json

import pytest

from wcow_winsim.operations import HANDLERS, PowerShellError
from winsim.programs import fake_binary
from wcow_winsim import run_powershell
from winsim.host import faults
from winsim.host.store import HostStore
from winsim.windows import accounts, files, processes, scheduled_tasks, scm
from winsim.windows.guids import new_guid

CONTAINERD = "C:\\Program Files\\containerd\\containerd.exe"
BUILDKITD = "C:\\Program Files\\buildkit\\buildkitd.exe"
BUILDCTL = "C:\\Program Files\\buildkit\\buildctl.exe"
TEMP = "C:\\Users\\Administrator\\AppData\\Local\\Temp"
DOCKERFILE = ('FROM mcr.microsoft.com/windows/nanoserver:{tag}\r\nUSER ContainerAdministrator\r\n'
              'COPY hello.txt C:/\r\nRUN echo "Goodbye!" >> hello.txt\r\nCMD ["cmd", "/C", "type C:\\\\hello.txt"]\r\n')


def host(tmp_path, profile, group=None):
    state = HostStore.create(tmp_path / f"{profile}.json", profile, containers=True).read()
    for folder in ("C:\\Program Files\\containerd", "C:\\Program Files\\buildkit"):
        files.ensure_dir(state, folder)
    files.write_bytes(state, CONTAINERD, fake_binary("containerd", "v2.1.4"))
    files.write_bytes(state, BUILDKITD, fake_binary("buildkitd", "v0.23.2"))
    files.write_bytes(state, BUILDCTL, fake_binary("buildctl", "v0.23.2"))
    assert processes.run_program(state, CONTAINERD, ["--register-service"]).exit_code == 0
    scm.start_service(state, "containerd")
    if group:
        accounts.create_group(state, group)
    extra = ["--group", group] if group else []
    assert processes.run_program(state, BUILDKITD, ["--register-service"] + extra).exit_code == 0
    scm.start_service(state, "buildkitd")
    return state


def build(state, tag, output="type=image,name=localhost/hello,push=false", docker_config=None, dockerfile=None):
    files_ = [{"name": "Dockerfile", "content": dockerfile or DOCKERFILE.format(tag=tag)},
              {"name": "hello.txt", "content": "Hello from buildkit!\r\n"}]
    return HANDLERS["buildctl_build_run"](state, {"buildctl_path": BUILDCTL, "addr": None, "output": output,
                                                  "files": files_, "docker_config": docker_config, "timeout": 60})


def temp_left(state):
    return [key for key in state["files"] if key.lower().startswith(TEMP.lower() + "\\wcow-buildctl-")]


@pytest.mark.parametrize("profile, tag", [("ws2019", "1809"), ("ws2022", "ltsc2022"), ("ws2025", "ltsc2022"),
                                          ("ws2025", "ltsc2025"), ("win11", "ltsc2022")])
def test_a_fitting_base_image_builds_and_is_stored_in_containerd(tmp_path, profile, tag):
    state = host(tmp_path, profile)
    result = build(state, tag)
    assert result["exit_code"] == 0, result["stderr"]
    digest = json.loads(result["metadata"])["containerimage.digest"]
    assert digest.startswith("sha256:")
    assert state["containerd_images"]["buildkit"]["localhost/hello:latest"]["digest"] == digest
    assert "naming to localhost/hello done" in result["stderr"]
    assert temp_left(state) == [] and result["temp_dir_removed"] is True
    assert build(state, tag)["metadata"] != result["metadata"], "the build time changes the digest"


@pytest.mark.parametrize("profile, tag", [("ws2019", "ltsc2022"), ("ws2019", "ltsc2019"), ("ws2022", "1809"),
                                          ("ws2022", "ltsc2025"), ("win11", "ltsc2025")])
def test_a_base_image_of_another_build_fails_at_run(tmp_path, profile, tag):
    state = host(tmp_path, profile)
    result = build(state, tag) if tag != "ltsc2019" else build(
        state, tag, dockerfile=DOCKERFILE.format(tag=tag).replace("nanoserver", "servercore"))
    if profile == "ws2019" and tag == "ltsc2019":
        assert result["exit_code"] == 0, "servercore:ltsc2019 is build 17763 too"
        return
    assert result["exit_code"] == 1
    last = result["stderr"].strip().splitlines()[-1]
    assert last.startswith('error: failed to solve: process "cmd /S /C echo \\"Goodbye!\\" >> hello.txt" did not '
                           'complete successfully: failed to create shim task: hcs::CreateComputeSystem ')
    assert last.endswith("The container operating system does not match the host operating system.: unknown")
    assert "containerd_images" not in state and temp_left(state) == []


def test_an_unknown_tag_or_an_unreachable_registry_fails_to_resolve(tmp_path):
    state = host(tmp_path, "ws2022")
    unknown = build(state, "ltsc2099")
    assert unknown["exit_code"] == 1
    assert unknown["stderr"].strip().endswith(
        "error: failed to solve: mcr.microsoft.com/windows/nanoserver:ltsc2099: failed to resolve source metadata for "
        "mcr.microsoft.com/windows/nanoserver:ltsc2099: mcr.microsoft.com/windows/nanoserver:ltsc2099: not found")
    state["registries"] = {"unreachable": ["mcr.microsoft.com"]}
    offline = build(state, "ltsc2022")
    assert offline["exit_code"] == 1 and "dial tcp: lookup mcr.microsoft.com: no such host" in offline["stderr"]
    assert temp_left(state) == []


def test_buildkitd_stopped_fails_to_dial(tmp_path):
    state = host(tmp_path, "ws2022")
    scm.stop_service(state, "buildkitd")
    stopped = build(state, "ltsc2022")
    assert stopped["exit_code"] == 1
    assert "open //./pipe/buildkitd: The system cannot find the file specified." in stopped["stderr"]


def test_a_member_of_buildkitds_group_may_build_and_another_user_may_not(tmp_path):
    state = host(tmp_path, "ws2022", group="buildkit-users")
    alice, bob = accounts.create_user(state, "alice"), accounts.create_user(state, "bob")
    accounts.add_member(state, "buildkit-users", alice.sid)
    context = "C:\\ctx"
    files.ensure_dir(state, context)
    files.write_bytes(state, context + "\\Dockerfile", DOCKERFILE.format(tag="ltsc2022").encode())
    files.write_bytes(state, context + "\\hello.txt", b"hi")
    arguments = ["build", "--frontend=dockerfile.v0", "--local", f"context={context}", "--local",
                 f"dockerfile={context}", "--output", "type=image,name=localhost/hello,push=false"]
    assert processes.run_program(state, BUILDCTL, arguments, user=alice).exit_code == 0
    denied = processes.run_program(state, BUILDCTL, arguments, user=bob)
    assert denied.exit_code == 1 and "open //./pipe/buildkitd: Access is denied." in denied.stderr


def test_containerd_gone_fails_the_solve(tmp_path):
    state = host(tmp_path, "ws2022")
    state["named_pipes"].pop("\\\\.\\pipe\\containerd-containerd")
    result = build(state, "ltsc2022")
    assert result["exit_code"] == 1 and "containerd-containerd" in result["stderr"]


def test_push_needs_credentials_the_registry_takes(tmp_path):
    state = host(tmp_path, "ws2022")
    output = "type=image,name=registry.example:5000/hello:1,push=true"
    anonymous = build(state, "ltsc2022", output=output)
    assert anonymous["exit_code"] == 1 and "push access denied" in anonymous["stderr"]
    state["registries"] = {"accounts": {"registry.example:5000": {"username": "ci", "password": "right"}}}
    auth = base64.b64encode(b"ci:wrong").decode()
    wrong = build(state, "ltsc2022", output=output,
                  docker_config=json.dumps({"auths": {"registry.example:5000": {"auth": auth}}}))
    assert wrong["exit_code"] == 1 and "401 Unauthorized" in wrong["stderr"]
    auth = base64.b64encode(b"ci:right").decode()
    pushed = build(state, "ltsc2022", output=output,
                   docker_config=json.dumps({"auths": {"registry.example:5000": {"auth": auth}}}))
    assert pushed["exit_code"] == 0, pushed["stderr"]
    digest = json.loads(pushed["metadata"])["containerimage.digest"]
    assert state["registries"]["images"]["registry.example:5000/hello:1"]["digest"] == digest
    assert temp_left(state) == [], "the credentials go with the folder"


def test_a_missing_copy_source_or_a_bad_instruction_fails(tmp_path):
    state = host(tmp_path, "ws2022")
    wrong_source = DOCKERFILE.format(tag="ltsc2022").replace("hello.txt C:/", "nope.txt C:/")
    missing = build(state, "ltsc2022", dockerfile=wrong_source)
    assert missing["exit_code"] == 1 and '"/nope.txt": not found' in missing["stderr"]
    bad = build(state, "ltsc2022", dockerfile="FORM x\r\n")
    assert "dockerfile parse error on line 1: unknown instruction: FORM" in bad["stderr"]


def test_buildctl_missing_throws_as_process_start_does(tmp_path):
    state = host(tmp_path, "ws2022")
    files.delete(state, BUILDCTL)
    with pytest.raises(PowerShellError, match="Cannot run .*buildctl.exe: The system cannot find the file specified"):
        build(state, "ltsc2022")
    assert temp_left(state) == []


def test_a_build_outliving_its_timeout_is_stopped_and_the_folder_goes(tmp_path):
    state = host(tmp_path, "ws2022")
    state["process_behaviour"] = {BUILDCTL.lower(): {"runs_s": 61}}
    with pytest.raises(PowerShellError, match=r"^buildctl build did not finish within 60 s and was stopped\.$"):
        build(state, "ltsc2022")
    assert temp_left(state) == [] and "localhost/hello:latest" not in state.get("containerd_images", {}).get(
        "buildkit", {})


def test_a_link_inside_the_temporary_folder_goes_as_a_link_and_what_it_points_to_stays(tmp_path, monkeypatch):
    # docs/windows-facts.md#files-in-use: Remove-Item -Recurse of Windows PowerShell 5.1 would empty the target.
    monkeypatch.setattr(scheduled_tasks, "utc_now", lambda: 1_800_000_000)
    state = host(tmp_path, "ws2022")
    kept = "C:\\Users\\Administrator\\Documents\\keep.txt"
    files.ensure_dir(state, files.parent(kept))
    files.write_bytes(state, kept, b"mine")
    ahead = copy.deepcopy(state)
    # 1_800_000_000 + 60 s timeout + 600 s margin, UTC.
    root = TEMP + "\\wcow-buildctl-20270115081100-" + new_guid(ahead).replace("-", "").lower()
    files.ensure_dir(state, root)
    state["files"][root + "\\linked"] = {"type": "dir", "link_target": files.parent(kept)}
    result = build(state, "ltsc2022")
    assert result["temp_dir"] == root and result["temp_dir_removed"] is True
    assert temp_left(state) == [] and files.read_bytes(state, kept) == b"mine"


def build_over_winrm(store, docker_config):
    files_ = [{"name": "Dockerfile", "content": DOCKERFILE.format(tag="ltsc2022")},
              {"name": "hello.txt", "content": "Hello from buildkit!\r\n"}]
    params = {"buildctl_path": BUILDCTL, "addr": None, "output": "type=image,name=localhost/hello,push=false",
              "files": files_, "docker_config": docker_config, "timeout": 60}
    document = {"operation": "buildctl_build_run", "script": "# wcow.buildkit operation: buildctl_build_run\n",
                "params": params}
    return run_powershell(store, "# wcow.buildkit bootstrap\r\n", base64.b64encode(json.dumps(document).encode()))


def later(monkeypatch, seconds):
    now = scheduled_tasks.utc_now() + seconds
    monkeypatch.setattr(scheduled_tasks, "utc_now", lambda: now)


def test_a_folder_left_by_a_dropped_connection_goes_with_the_first_run_past_its_time(tmp_path, monkeypatch):
    state = host(tmp_path, "ws2022")
    store = HostStore(tmp_path / "ws2022.json")
    with store.transaction() as stored:
        stored.clear()
        stored.update(state)
    # Killed at its fourth write: the two context files and config.json are written, the folder stays.
    faults.set_faults(store.path, [{"kind": "drop_connection", "operation": "buildctl_build_run",
                                    "kill_after_writes": 3}])
    killed = build_over_winrm(store, '{"auths": {}}')
    assert killed.rc == 1, killed.stdout
    faults.clear_faults(store.path)
    left = temp_left(store.read())
    assert any(key.endswith("\\docker-config\\config.json") for key in left)
    # A run within the killed run's time (its timeout and margin) leaves the folder: the run may still be going.
    later(monkeypatch, 659)
    result = build_over_winrm(store, None)
    assert result.rc == 0, result.stdout
    assert temp_left(store.read()) == left
    later(monkeypatch, 2)
    result = build_over_winrm(store, None)
    assert result.rc == 0, result.stdout
    assert temp_left(store.read()) == []


def test_a_link_or_a_foreign_name_in_the_temporary_folder_stays(tmp_path):
    state = host(tmp_path, "ws2022")
    kept = "C:\\Users\\Administrator\\Documents\\keep.txt"
    files.ensure_dir(state, files.parent(kept))
    files.write_bytes(state, kept, b"mine")
    link = TEMP + "\\wcow-buildctl-20000101000000-" + "0" * 32
    state["files"][link] = {"type": "dir", "link_target": files.parent(kept)}
    foreign = TEMP + "\\wcow-buildctl-mine"
    files.ensure_dir(state, foreign)
    assert build(state, "ltsc2022")["temp_dir_removed"] is True
    assert sorted(temp_left(state)) == sorted([link, foreign]) and files.read_bytes(state, kept) == b"mine"
