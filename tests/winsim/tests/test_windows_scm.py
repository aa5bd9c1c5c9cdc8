"""The service control manager model and sc.exe: registration, deletion, dependencies, start and stop."""

import pytest

from winsim.host.store import HostStore
from winsim.programs import fake_binary
from winsim.windows import files, processes, sc_exe, scm

CONTAINERD = "C:\\Program Files\\containerd\\containerd.exe"


@pytest.fixture
def state(tmp_path):
    state = HostStore.create(tmp_path / "h.json", "ws2022", containers=True).read()
    files.ensure_dir(state, "C:\\Program Files\\containerd")
    files.write_bytes(state, CONTAINERD, fake_binary("containerd", "v2.1.4"))
    return state


def image(*args):
    return " ".join([f'"{CONTAINERD}"', "--run-service"] + list(args))


def add(state, name, start=scm.START_AUTO, dependencies=(), image_path=None):
    # A distinct pipe per service so that several containerd processes can run.
    path = image_path or image("--address", f"\\\\.\\pipe\\{name}")
    return scm.create_service(state, name, path, start=start, dependencies=list(dependencies))


def code_of(call, *args, **kwargs):
    with pytest.raises(scm.Win32Error) as raised:
        call(*args, **kwargs)
    return raised.value.code


def test_creating_an_existing_name_fails_whatever_its_case(state):
    add(state, "containerd")
    assert code_of(add, state, "CONTAINERD") == 1073
    assert scm.find(state, "ContainerD") == "containerd"


def test_service_names_hold_no_slashes(state):
    assert code_of(scm.create_service, state, "a/b", image()) == 123
    assert code_of(scm.create_service, state, "x", image(), start=7) == 87


def test_a_display_name_in_use_is_refused(state):
    scm.create_service(state, "a", image(), display_name="Containerd")
    assert code_of(scm.create_service, state, "b", image(), display_name="containerd") == 1078
    assert code_of(scm.create_service, state, "c", image(), display_name="a") == 1078


def test_deleting_a_running_service_marks_it_until_it_stops(state):
    add(state, "containerd")
    scm.start_service(state, "containerd")
    scm.delete_service(state, "containerd")
    service = state["services"]["containerd"]
    assert service["DeleteFlag"] == 1 and service["State"] == "Running"
    assert code_of(scm.delete_service, state, "containerd") == 1072
    assert code_of(add, state, "containerd") == 1072
    assert code_of(scm.change_config, state, "containerd", start=scm.START_DEMAND) == 1072
    scm.stop_service(state, "containerd")
    assert scm.find(state, "containerd") is None


def test_start_starts_dependencies_first(state):
    add(state, "base", start=scm.START_DEMAND)
    add(state, "top", dependencies=["BASE"])
    scm.start_service(state, "top")
    assert state["services"]["base"]["State"] == "Running"
    assert state["services"]["top"]["State"] == "Running"
    assert code_of(scm.start_service, state, "top") == 1056


def test_missing_or_failing_dependency(state):
    add(state, "top", dependencies=["nowhere"])
    assert code_of(scm.start_service, state, "top") == 1075
    add(state, "off", start=scm.START_DISABLED)
    add(state, "needs-off", dependencies=["off"])
    assert code_of(scm.start_service, state, "needs-off") == 1068
    assert code_of(scm.start_service, state, "off") == 1058
    assert state["services"]["needs-off"]["State"] == "Stopped"


def test_stop_refuses_while_dependents_run(state):
    add(state, "base")
    add(state, "mid", dependencies=["base"])
    add(state, "top", dependencies=["mid"])
    scm.start_service(state, "top")
    assert scm.dependents(state, "base") == ["top", "mid"]
    assert code_of(scm.stop_service, state, "base") == 1051
    scm.stop_service(state, "top")
    scm.stop_service(state, "mid")
    scm.stop_service(state, "base")
    assert code_of(scm.stop_service, state, "base") == 1062


def test_circular_dependencies_are_refused(state):
    add(state, "a")
    add(state, "b", dependencies=["a"])
    assert code_of(scm.change_config, state, "a", dependencies=["b"]) == 1059
    assert code_of(scm.change_config, state, "a", dependencies=["A"]) == 1059


def test_a_missing_image_fails_with_file_or_path_not_found(state):
    add(state, "gone", image_path='"C:\\Program Files\\containerd\\nothere.exe" --run-service')
    assert code_of(scm.start_service, state, "gone") == 2
    add(state, "nodir", image_path='"C:\\nowhere\\x.exe"')
    assert code_of(scm.start_service, state, "nodir") == 3


def test_an_unquoted_path_with_spaces_is_searched_prefix_by_prefix(state):
    # CreateProcess tries C:\Program.exe first: when that file exists, it runs instead.
    files.write_bytes(state, "C:\\Program.exe", b"MZ not a service")
    add(state, "unquoted", image_path=f"{CONTAINERD} --run-service")
    assert processes.resolve_image(state, f"{CONTAINERD} --run-service") == "C:\\Program.exe"
    assert code_of(scm.start_service, state, "unquoted") == 1053


def test_a_running_image_is_in_use_until_the_service_stops(state):
    add(state, "containerd")
    scm.start_service(state, "containerd")
    with pytest.raises(files.WindowsIOError):
        files.write_bytes(state, CONTAINERD, b"new")
    files.move(state, CONTAINERD, CONTAINERD + ".old")  # renaming a running .exe is allowed
    scm.stop_service(state, "containerd")
    files.delete(state, CONTAINERD + ".old")


def test_sc_exe_outputs_and_exit_codes(state):
    assert sc_exe.run(state, ["config", "nothere", "start=", "auto"]) == (
        1060, "[SC] OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n\r\n")
    assert sc_exe.run(state, ["create", "svc", "binPath=", image(), "start=", "delayed-auto", "depend=", "a/b"]) == (
        0, "[SC] CreateService SUCCESS\r\n")
    service = state["services"]["svc"]
    assert (service["Start"], service["DelayedAutostart"], service["DependOnService"]) == (2, 1, ["a", "b"])
    assert sc_exe.run(state, ["create", "svc", "binPath=", image()])[0] == 1073
    assert sc_exe.run(state, ["config", "svc", "start=", "auto", "depend=", "/", "DisplayName=", "S"]) == (
        0, "[SC] ChangeServiceConfig SUCCESS\r\n")
    assert (service["DelayedAutostart"], service["DependOnService"], service["DisplayName"]) == (0, [], "S")
    assert sc_exe.run(state, ["description", "svc", "text"]) == (0, "[SC] ChangeServiceConfig2 SUCCESS\r\n")
    assert sc_exe.run(state, ["failure", "svc", "reset=", "86400", "actions=", "restart/15000/restart/15000//0"])[0] == 0
    assert service["FailureActions"] == scm.encode_failure_actions(86400, [(1, 15000), (1, 15000), (0, 0)])
    assert sc_exe.run(state, ["failure", "svc", "reset=", "0", "actions=", ""])[0] == 0
    assert service["FailureActions"] == ""
    assert sc_exe.run(state, ["failure", "svc", "reset=", "5"])[0] == 87
    assert sc_exe.run(state, ["config", "svc", "start=", "sometimes"])[0] == 87
    assert sc_exe.run(state, ["delete", "svc"]) == (0, "[SC] DeleteService SUCCESS\r\n")
    assert scm.find(state, "svc") is None


def test_a_boot_restarts_automatic_services_dependencies_first_and_leaves_manual_ones_stopped():
    from winsim.host import profiles
    from winsim.programs import fake_binary
    from winsim.windows import boot, files, processes

    state = profiles.build_state('ws2022', containers=True)
    containerd = 'C:\\Program Files\\containerd\\containerd.exe'
    files.ensure_dir(state, 'C:\\Program Files\\containerd')
    files.write_bytes(state, containerd, fake_binary('containerd', 'v2.1.4'))
    assert processes.run_program(state, containerd, ['--register-service']).exit_code == 0
    scm.start_service(state, 'containerd')
    pid = state['services']['containerd']['ProcessId']
    scm.create_service(state, 'manual', '"%s" --run-service' % containerd, start=scm.START_DEMAND,
                       display_name='Manual')

    boot.reboot(state)

    assert state['services']['containerd']['State'] == 'Running'
    assert state['services']['containerd']['ProcessId'] != pid
    assert state['services']['manual']['State'] == 'Stopped'
