"""A full disk (winsim.host.faults disk_full) fails each operation as the real script or program does,
never as a crash of the host model: the archive download or upload of release_archive_apply, the
context of buildctl_build_run, buildctl's --metadata-file, a daemon's log file."""

import base64
import json
import random
import re

import pytest

from integration.artifact_server import ArtifactServer
from test_buildctl_build_run import DOCKERFILE, build, host, temp_left
from test_release_archive_ops import DEST, apply_params, sha, tgz
from wcow_winsim import run_powershell
from wcow_winsim.operations import PowerShellError, host_lock
from winsim.host import faults
from winsim.host.store import HostStore
from winsim.programs import daemon_log
from winsim.windows import files

BOOTSTRAP = "# wcow.buildkit bootstrap\r\n"
DISK_FULL = faults.DISK_FULL_MESSAGE
HELLO = "Hello from buildkit!\r\n"
# Random bytes do not compress: the archive is about 20 kB.
ARCHIVE = tgz({"pkg/bin/a.exe": random.Random(6).randbytes(20000), "pkg/README": b"r"})


def used(state):
    return sum(r.get("size", 0) for r in state["files"].values() if r.get("type") == "file")


def fill_disk(store, room):
    """The volume keeps `room` bytes free beyond what the host holds now."""
    faults.set_faults(store.path, [{"kind": "disk_full", "capacity_bytes": used(store.read()) + room}])


def payload(params):
    """As the runner sends release_archive_apply: it takes the host's lock first."""
    return {"operation": "release_archive_apply", "script": f"# wcow.buildkit operation: release_archive_apply\n{host_lock.CALL}\n",
            "params": params, "lock": {"timeout_s": 0}}


def apply(store, params, lines=None):
    document = payload(params)
    stdin = base64.b64encode(json.dumps(document).encode())
    if lines is not None:
        stdin += b"\n" + b"\n".join(base64.b64encode(chunk) for chunk in lines) + b"\n"
    result = run_powershell(store, BOOTSTRAP, stdin)
    assert result.rc == 1 and result.stderr == b"", "a script error, not a crash"
    return json.loads(result.stdout)["wcow_error"]


def nothing_left(store):
    """The catch block removed staging and the folders this run created."""
    state = store.read()
    return not files.is_dir(state, DEST) and not any(".wcow-" in key for key in state["files"])


@pytest.fixture
def store(tmp_path):
    return HostStore.create(tmp_path / "state" / "h.json", "ws2022")


@pytest.fixture
def server(tmp_path):
    server = ArtifactServer(tmp_path / "artifacts").start()
    yield server
    server.stop()


def test_a_download_that_fills_the_disk_fails_naming_the_download(store, server):
    url = server.publish("pkg.tar.gz", ARCHIVE)
    fill_disk(store, len(ARCHIVE) // 2)
    source = {"kind": "url", "url": url, "shown": "https://example.invalid/pkg.tar.gz"}
    error = apply(store, apply_params(ARCHIVE, source=source))
    assert error["message"] == f"Downloading https://example.invalid/pkg.tar.gz failed: {DISK_FULL}"
    assert error["category"] == "OperationStopped"
    assert nothing_left(store)


@pytest.mark.parametrize("chunk, call", [(4096, 'Exception calling "Write" with "3" argument(s)'),
                                         (1000, 'Exception calling "Write" with "3" argument(s)')])
def test_an_upload_that_fills_the_disk_fails_in_the_write_of_the_chunk(store, chunk, call):
    # A chunk of 4096 bytes or more is written at once; a smaller one is flushed by the next Write.
    lines = [ARCHIVE[i:i + chunk] for i in range(0, len(ARCHIVE), chunk)]
    fill_disk(store, chunk + 10)
    error = apply(store, apply_params(ARCHIVE), lines)
    assert error == {"message": f'{call}: "{DISK_FULL}"', "category": "NotSpecified", "position": ""}
    assert nothing_left(store)


def test_an_upload_whose_last_buffered_chunk_does_not_fit_fails_in_dispose(store):
    cut = len(ARCHIVE) - 1000
    lines = [ARCHIVE[:cut], ARCHIVE[cut:]]
    fill_disk(store, cut + 1)
    error = apply(store, apply_params(ARCHIVE), lines)
    assert error["message"] == f'Exception calling "Dispose" with "0" argument(s): "{DISK_FULL}"'
    assert nothing_left(store)


def test_the_same_upload_with_room_installs(store):
    lines = [ARCHIVE[:8192], ARCHIVE[8192:]]
    fill_disk(store, 10 * len(ARCHIVE) + 20000)
    document = payload(apply_params(ARCHIVE))
    stdin = base64.b64encode(json.dumps(document).encode()) + b"\n" + b"\n".join(map(base64.b64encode, lines)) + b"\n"
    result = run_powershell(store, BOOTSTRAP, stdin)
    assert result.rc == 0, result.stdout
    assert json.loads(result.stdout)["archive_sha256"] == sha(ARCHIVE)


def in_session(store, state, operation):
    """The faults of `store`'s host applied to `state` while it runs `operation`."""
    return faults.injected(store, operation, {}, state)


def build_host(tmp_path):
    state = host(tmp_path, "ws2022")
    return state, HostStore(tmp_path / "ws2022.json")


def test_buildctl_build_run_fails_writing_the_context_and_removes_its_folder(tmp_path):
    state, store = build_host(tmp_path)
    faults.set_faults(store.path, [{"kind": "disk_full", "capacity_bytes": used(state) + 10}])
    with in_session(store, state, "buildctl_build_run"), pytest.raises(PowerShellError) as raised:
        build(state, "ltsc2022")
    assert raised.value.message == f'Exception calling "WriteAllText" with "3" argument(s): "{DISK_FULL}"'
    assert raised.value.category == "NotSpecified"
    assert temp_left(state) == []


def test_buildctl_fails_when_its_metadata_file_does_not_fit(tmp_path):
    state, store = build_host(tmp_path)
    context = len(DOCKERFILE.format(tag="ltsc2022")) + len(HELLO)
    faults.set_faults(store.path, [{"kind": "disk_full", "capacity_bytes": used(state) + context + 20}])
    with in_session(store, state, "buildctl_build_run"):
        result = build(state, "ltsc2022")
    assert result["exit_code"] == 1 and result["metadata"] == ""
    last = result["stderr"].strip().splitlines()[-1]
    # continuity.AtomicWriteFile's temporary file, ".tmp-" + name + a random number, then the *PathError.
    assert re.fullmatch(re.escape("error: write " + result["temp_dir"] + "\\.tmp-metadata.json") + r"\d+: "
                        + re.escape(DISK_FULL), last), last
    assert "#" in result["stderr"].splitlines()[-3] and "exporting to image" in result["stderr"]
    assert temp_left(state) == [], "the operation's finally removes the folder and the temporary file in it"


def test_with_room_the_metadata_file_is_written(tmp_path):
    state, store = build_host(tmp_path)
    faults.set_faults(store.path, [{"kind": "disk_full", "capacity_bytes": used(state) + 100000}])
    with in_session(store, state, "buildctl_build_run"):
        result = build(state, "ltsc2022")
    assert result["exit_code"] == 0 and json.loads(result["metadata"])["containerimage.digest"].startswith("sha256:")


LOG = "C:\\ProgramData\\daemon.log"


def test_a_daemon_log_line_that_does_not_fit_is_lost_and_the_daemon_goes_on(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022")
    state = store.read()
    log = daemon_log.Log(state, LOG).open()
    log.line("info", "first")
    before = files.read_bytes(state, LOG)
    faults.set_faults(store.path, [{"kind": "disk_full", "capacity_bytes": used(state) + 30}])
    with in_session(store, state, "service_apply"):
        log.line("info", "a line much longer than the thirty bytes left on the volume")
        log.line("info", "the next one")
    after = files.read_bytes(state, LOG)
    # What fit of the first line stays (winsim.windows.files); nothing of the next.
    assert after.startswith(before) and len(after) == len(before) + 30
    assert b"the next one" not in after


def test_a_daemon_log_that_cannot_be_created_fails_to_open(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022")
    state = store.read()
    faults.set_faults(store.path, [{"kind": "disk_full", "capacity_bytes": used(state) - 1}])
    with in_session(store, state, "service_apply"), pytest.raises(daemon_log.LogOpenError) as raised:
        daemon_log.Log(state, LOG).open()
    assert str(raised.value) == f"open {LOG}: {DISK_FULL}"


def test_an_archive_that_fits_but_whose_files_do_not_fails_in_the_extraction(store):
    # The listing reads the archive only; the extraction writes its files and meets the full disk.
    fill_disk(store, len(ARCHIVE) + 5000)
    error = apply(store, apply_params(ARCHIVE), [ARCHIVE[:8192], ARCHIVE[8192:]])
    assert error["message"].startswith("tar.exe could not extract the archive (exit code 1): ")
    assert error["message"].endswith("tar.exe: Error exit delayed from previous errors.")
    assert nothing_left(store)
