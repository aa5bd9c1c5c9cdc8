"""containerd, buildkitd and buildctl as the simulator runs them (fake binaries, winsim.programs)."""

import json

import pytest

from winsim.host.store import HostStore
from winsim.programs import fake_binary, identify
from winsim.programs import daemon_log
from winsim.windows import accounts, files, ntfs, pipes, processes, scm

CONTAINERD = "C:\\Program Files\\containerd\\containerd.exe"
BUILDKITD = "C:\\Program Files\\buildkit\\buildkitd.exe"
BUILDCTL = "C:\\Program Files\\buildkit\\buildctl.exe"
CNI_CONF = "C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf"
CNI_BIN = "C:\\Program Files\\containerd\\cni\\bin"
LOG = "C:\\ProgramData\\buildkitd\\buildkitd.log"
NAT_CONF = {"cniVersion": "0.3.0", "name": "nat", "type": "nat",
            "ipam": {"subnet": "172.20.0.0/16", "routes": [{"gw": "172.20.0.1"}]}}


@pytest.fixture
def state(tmp_path):
    state = HostStore.create(tmp_path / "h.json", "ws2022", containers=True).read()
    for folder in ("C:\\Program Files\\containerd", "C:\\Program Files\\buildkit", "C:\\ProgramData\\buildkitd"):
        files.ensure_dir(state, folder)
    install(state)
    return state


def install(state, containerd="v2.1.4", buildkit="v0.23.2"):
    files.write_bytes(state, CONTAINERD, fake_binary("containerd", containerd))
    files.write_bytes(state, BUILDKITD, fake_binary("buildkitd", buildkit))
    files.write_bytes(state, BUILDCTL, fake_binary("buildctl", buildkit))


def run(state, path, *args, user=None):
    return processes.run_program(state, path, list(args), user=user)


def register(state, path, name, *args):
    completed = run(state, path, "--register-service", "--service-name", name, *args)
    assert completed.exit_code == 0, completed.stderr
    return state["services"][name]


def second(state, *args):
    """A second buildkitd service: --register-service would fail, its display name
    "Buildkitd" being in use (CreateService: ERROR_DUPLICATE_SERVICE_NAME)."""
    bad = run(state, BUILDKITD, "--register-service", "--service-name", "second")
    assert "The name is already in use as either a service name or a service display name." in bad.stderr
    scm.create_service(state, "second", " ".join([f'"{BUILDKITD}"', "--run-service"] + list(args)),
                       display_name="Buildkitd 2")


def start_code(state, name):
    try:
        scm.start_service(state, name)
    except scm.Win32Error as error:
        return error.code
    return 0


def running_containerd(state):
    register(state, CONTAINERD, "containerd")
    scm.start_service(state, "containerd")


def with_cni(state, document=None, plugin=True):
    document = NAT_CONF if document is None else document
    files.ensure_dir(state, files.parent(CNI_CONF))
    files.ensure_dir(state, CNI_BIN)
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    files.write_bytes(state, CNI_CONF, data)
    if plugin:
        files.write_bytes(state, CNI_BIN + "\\nat.exe", fake_binary("cni-plugin", "v0.3.1"))


def log(state):
    return "\n".join(daemon_log.read_lines(state, LOG))


# --- the fake binary convention --------------------------------------------------

def test_fake_binaries_identify_themselves():
    program = identify(fake_binary("buildkitd", "v0.23.2"))
    assert (program.name, program.version, len(program.revision)) == ("buildkitd", "v0.23.2", 40)
    assert identify(b"MZ\x90\x00") is None and identify(b'{"winsim_program": "other", "version": "1"}') is None
    with pytest.raises(ValueError):
        fake_binary("docker", "1.0")


# --- containerd ------------------------------------------------------------------------

@pytest.mark.parametrize("version, line", [
    ("v2.1.4", "containerd github.com/containerd/containerd/v2 v2.1.4 "),
    ("v1.7.28", "containerd github.com/containerd/containerd v1.7.28 "),
])
def test_containerd_version(state, version, line):
    install(state, containerd=version)
    completed = run(state, CONTAINERD, "--version")
    assert completed.exit_code == 0 and completed.stdout.startswith(line)


def test_containerd_registers_itself_with_its_flags_frozen(state):
    service = register(state, CONTAINERD, "containerd", "--log-file", "C:\\ProgramData\\containerd.log", "-l", "debug")
    assert service["ImagePath"] == (f'"{CONTAINERD}" --run-service --service-name containerd '
                                    "--log-file C:\\ProgramData\\containerd.log -l debug")
    assert (service["Start"], service["ObjectName"], service["DependOnService"]) == (2, "LocalSystem", [])
    assert (service["DisplayName"], service["Description"]) == ("Containerd", "Container runtime")
    assert service["FailureActions"] == scm.encode_failure_actions(86400, [(1, 15000), (1, 15000), (0, 0)])
    assert files.is_dir(state, "C:\\ProgramData\\containerd\\root")
    again = run(state, CONTAINERD, "--register-service", "--service-name", "containerd")
    assert again.exit_code == 1 and 'level=fatal msg="The specified service already exists."' in again.stderr


def test_containerd_creates_its_root_and_state_protected_but_not_their_parents_nor_existing_ones(state):
    """sys.MkdirAllWithACL (docs/windows-facts.md#daemon-folders)."""
    files.ensure_dir(state, "C:\\ProgramData\\containerd\\state")
    register(state, CONTAINERD, "containerd")
    root = ntfs.render(ntfs.descriptor(state, "C:\\ProgramData\\containerd\\root"))
    assert root == "O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)", "created by an elevated administrator"
    assert not ntfs.descriptor(state, "C:\\ProgramData\\containerd")["protected"], "the parent inherits"
    assert not ntfs.descriptor(state, "C:\\ProgramData\\containerd\\state")["protected"], "left as it was"


def test_unregister_deletes_without_stopping(state):
    running_containerd(state)
    assert run(state, CONTAINERD, "--unregister-service", "--service-name", "containerd").exit_code == 0
    assert state["services"]["containerd"]["State"] == "Running"
    assert state["services"]["containerd"]["DeleteFlag"] == 1
    scm.stop_service(state, "containerd")
    assert scm.find(state, "containerd") is None


def test_containerd_config_is_read_when_present_or_named(state):
    files.write_bytes(state, "C:\\Program Files\\containerd\\config.toml", b'[grpc]\naddress = "\\\\\\\\.\\\\pipe\\\\ctd"\n')
    running_containerd(state)
    assert pipes.lookup(state, "\\\\.\\pipe\\ctd") is not None
    files.write_bytes(state, "C:\\Program Files\\containerd\\broken.toml", b"[grpc\n")
    bad = run(state, CONTAINERD, "--register-service", "--service-name", "x", "--config",
              "C:\\Program Files\\containerd\\broken.toml")
    assert bad.exit_code == 1 and "failed to load TOML: C:\\Program Files\\containerd\\broken.toml" in bad.stderr
    # An explicit --config must exist: registration loads it first ...
    missing = run(state, CONTAINERD, "--register-service", "--service-name", "named", "--config", "C:\\missing.toml")
    assert missing.exit_code == 1 and "open C:\\missing.toml: The system cannot find the file specified." in missing.stderr
    # ... and so does the service at each start.
    scm.create_service(state, "named", f'"{CONTAINERD}" --run-service --address \\\\.\\pipe\\other '
                       "--config C:\\missing.toml")
    assert start_code(state, "named") == 1053


def test_containerd_runs_as_a_service_only_with_run_service(state):
    scm.create_service(state, "plain", f'"{CONTAINERD}"')
    assert start_code(state, "plain") == 1053
    assert pipes.lookup(state, "\\\\.\\pipe\\containerd-containerd") is None


# --- buildkitd ---------------------------------------------------------------------------

def test_buildkitd_registers_like_containerd(state):
    service = register(state, BUILDKITD, "buildkitd", f"--containerd-cni-config-path={CNI_CONF}", "--debug")
    assert service["ImagePath"] == (f'"{BUILDKITD}" --run-service --service-name buildkitd '
                                    f'"--containerd-cni-config-path={CNI_CONF}" --debug')
    assert (service["DisplayName"], service["Description"]) == ("Buildkitd", "Container image build engine")
    assert files.is_dir(state, "C:\\ProgramData\\buildkitd\\.buildstate")
    assert run(state, BUILDKITD, "--register-service", "--service-name", "buildkitd").exit_code == 1


def test_buildkitd_needs_containerd(state):
    register(state, BUILDKITD, "buildkitd", "--log-file", LOG)
    assert start_code(state, "buildkitd") == 1053
    # logrus quotes the message, which quotes the pipe name: backslashes twice escaped.
    assert "level=warning msg=\"skipping containerd worker, as \\\"" in log(state)
    assert "containerd-containerd\\\" does not exist\"" in log(state)
    assert log(state).endswith("buildkitd: no worker found, rebuild the buildkit daemon?")
    assert pipes.lookup(state, "//./pipe/buildkitd") is None


def test_without_the_containerd_worker_there_is_no_worker(state):
    running_containerd(state)
    register(state, BUILDKITD, "buildkitd", "--containerd-worker=false", "--log-file", LOG)
    assert start_code(state, "buildkitd") == 1053
    assert log(state).endswith("buildkitd: no worker found, rebuild the buildkit daemon?")


def test_without_cni_config_buildkitd_uses_the_null_network(state):
    running_containerd(state)
    register(state, BUILDKITD, "buildkitd", "--log-file", LOG)
    assert start_code(state, "buildkitd") == 0
    assert 'level=warning msg="using null network as the default"' in log(state)
    assert state["services"]["buildkitd"]["Runtime"]["network"] == "null"


def test_with_a_valid_cni_config_and_plugin_buildkitd_uses_cni(state):
    running_containerd(state)
    with_cni(state)
    register(state, BUILDKITD, "buildkitd", "--log-file", LOG)
    assert start_code(state, "buildkitd") == 0
    assert state["services"]["buildkitd"]["Runtime"]["network"] == "cni"
    assert "null network" not in log(state)


@pytest.mark.parametrize("document, plugin, message", [
    (b'{"type": "nat", ', True, "buildkitd: error parsing configuration: "),
    ({"name": "nat"}, True, "buildkitd: error parsing configuration: missing 'type'"),
    (NAT_CONF, False, f'buildkitd: CNI setup error: plugin type="nat" name="nat" failed (add): '
                      f'failed to find plugin "nat" in path [{CNI_BIN}]'),
])
def test_a_broken_cni_setup_stops_buildkitd_from_starting(state, document, plugin, message):
    running_containerd(state)
    with_cni(state, document, plugin)
    register(state, BUILDKITD, "buildkitd", "--log-file", LOG)
    assert start_code(state, "buildkitd") == 1053
    assert message in log(state)
    assert state["services"]["buildkitd"]["State"] == "Stopped"


def test_cni_paths_default_by_version(state):
    # Before v0.22.0 the defaults were buildkitd's own folder: the file in
    # containerd's folder is not read.
    install(state, buildkit="v0.21.1")
    running_containerd(state)
    with_cni(state, b"not json")
    register(state, BUILDKITD, "buildkitd", "--log-file", LOG)
    assert start_code(state, "buildkitd") == 0
    assert "using null network as the default" in log(state)


def test_an_unknown_group_fails_registration_and_start(state):
    bad = run(state, BUILDKITD, "--register-service", "--service-name", "buildkitd", "--group", "builders,nope")
    assert bad.exit_code == 1
    assert "failed to lookup sid for group builders: lookup account builders: not found" in bad.stderr
    accounts.create_group(state, "builders")
    running_containerd(state)
    register(state, BUILDKITD, "buildkitd", "--group", "builders", "--log-file", LOG)
    accounts.delete_group(state, "builders")
    assert start_code(state, "buildkitd") == 1053
    assert log(state) == "", "the error happens before output goes to --log-file"


def test_pipe_acl_holds_each_group(state):
    running_containerd(state)
    one, two = accounts.create_group(state, "one"), accounts.create_group(state, "two")
    register(state, BUILDKITD, "buildkitd", "--group=one,two")
    scm.start_service(state, "buildkitd")
    pipe = pipes.lookup(state, "\\\\.\\pipe\\buildkitd")
    assert pipe["sddl"] == f"D:P(A;;GA;;;BA)(A;;GA;;;SY)(A;;GRGW;;;{one.sid})(A;;GRGW;;;{two.sid})"


def test_without_log_file_nothing_is_written(state):
    running_containerd(state)
    register(state, BUILDKITD, "buildkitd")
    before = dict(state["files"])
    scm.start_service(state, "buildkitd")
    assert [k for k in state["files"] if k not in before] == []


def test_a_second_instance_on_the_same_root_cannot_lock_it(state):
    running_containerd(state)
    register(state, BUILDKITD, "buildkitd")
    scm.start_service(state, "buildkitd")
    second(state, "--addr", "npipe:////./pipe/second", "--log-file", LOG)
    assert start_code(state, "second") == 1053
    assert "could not lock C:\\ProgramData\\buildkitd\\.buildstate\\buildkitd.lock, another instance running?" in log(state)


def test_a_busy_pipe_ends_the_service_after_it_reported_running(state):
    running_containerd(state)
    register(state, BUILDKITD, "buildkitd")
    scm.start_service(state, "buildkitd")
    second(state, "--root", "C:\\ProgramData\\bk2", "--log-file", LOG)
    assert start_code(state, "second") == 0
    assert (state["services"]["second"]["State"], state["services"]["second"]["ExitCode"]) == ("Stopped", 1067)
    assert "Access is denied." in log(state)
    assert pipes.lookup(state, "//./pipe/buildkitd")["service"] == "buildkitd"


def test_unknown_flags_are_refused(state):
    bad = run(state, BUILDKITD, "--register-service", "--no-such-flag")
    assert bad.exit_code == 1 and "flag provided but not defined: -no-such-flag" in bad.stderr
    assert scm.find(state, "buildkitd") is None


# --- buildctl -----------------------------------------------------------------------------

def debug_info(state, user=None):
    account = accounts.lookup_account_name(state, user) if user else None
    return run(state, BUILDCTL, "debug", "info", user=account)


def test_buildctl_answers_only_while_buildkitd_runs(state):
    failed = debug_info(state)
    assert failed.exit_code == 1
    assert failed.stderr.endswith('open //./pipe/buildkitd: The system cannot find the file specified."\n')
    running_containerd(state)
    register(state, BUILDKITD, "buildkitd")
    scm.start_service(state, "buildkitd")
    answer = debug_info(state)
    assert answer.exit_code == 0
    assert answer.stdout.startswith("BuildKit: github.com/moby/buildkit v0.23.2 ")
    scm.stop_service(state, "buildkitd")
    assert "cannot find the file specified" in debug_info(state).stderr


def test_buildctl_access_follows_the_pipe_acl(state):
    accounts.create_group(state, "buildkit-users")
    member = accounts.create_user(state, "member")
    accounts.create_user(state, "outsider")
    accounts.add_member(state, "buildkit-users", member.sid)
    running_containerd(state)
    register(state, BUILDKITD, "buildkitd", "--group", "buildkit-users")
    scm.start_service(state, "buildkitd")
    assert debug_info(state, "member").exit_code == 0
    assert debug_info(state, "Administrator").exit_code == 0
    assert debug_info(state, "NT AUTHORITY\\SYSTEM").exit_code == 0
    denied = debug_info(state, "outsider")
    assert denied.exit_code == 1 and denied.stderr.endswith('open //./pipe/buildkitd: Access is denied."\n')
    accounts.remove_member(state, "buildkit-users", member.sid)
    assert debug_info(state, "member").exit_code == 1


def test_buildctl_version_and_custom_address(state):
    assert run(state, BUILDCTL, "--version").stdout.startswith("buildctl github.com/moby/buildkit v0.23.2 ")
    running_containerd(state)
    register(state, BUILDKITD, "bk", "--addr", "npipe:////./pipe/bk")
    scm.start_service(state, "bk")
    assert run(state, BUILDCTL, "--addr", "npipe:////./pipe/bk", "debug", "info").exit_code == 0
    assert run(state, BUILDCTL, "debug", "info").exit_code == 1
