"""The host's lock through the bootstrap: a changing operation waits for another run's, then fails clearly;
an abandoned lock (its owner killed) is acquired; a staging folder goes only under the lock."""

import time

from test_release_archive_ops import DEST, V1, apply_params, invoke, store, tgz  # noqa: F401  # pylint: disable=unused-import
from wcow_winsim.operations import host_lock
from winsim.host import faults
from winsim.windows import files, mutexes

STAGING = DEST + "\\.wcow-pkg.staging"


def lock_entry(store):
    return store.read().get("mutexes", {}).get(host_lock.NAME)


def test_a_lock_held_by_another_run_past_the_wait_fails_the_change_and_changes_nothing(store):
    with store.transaction() as state:
        mutexes.hold(state, host_lock.NAME)
    before = store.read()["files"]
    data = tgz(V1)
    started = time.monotonic()
    error = invoke(store, "release_archive_apply", apply_params(data), stream=data, lock_timeout_s=1)
    assert time.monotonic() - started >= 1
    assert error["message"].startswith("Another run is changing this host: it held the lock "
                                       "Global\\wcow.buildkit.host-changes for all of the 1 s this run waited")
    assert store.read()["files"] == before
    assert lock_entry(store)["owner"]["alive"] is True


def test_a_lock_released_within_the_wait_is_taken_and_the_change_runs(store):
    with store.transaction() as state:
        mutexes.hold(state, host_lock.NAME, held_until=time.time() + 0.5)
    data = tgz(V1)
    result = invoke(store, "release_archive_apply", apply_params(data), stream=data, lock_timeout_s=5)
    assert sorted(result["changed_files"]) == ["README", "bin/a.exe", "bin/b.exe"]
    assert lock_entry(store)["owner"] is None


def test_a_lock_abandoned_by_a_dead_run_is_taken(store):
    with store.transaction() as state:
        mutexes.hold(state, host_lock.NAME, alive=False)
    data = tgz(V1)
    result = invoke(store, "release_archive_apply", apply_params(data), stream=data, lock_timeout_s=0)
    assert "wcow_error" not in result and result["changed_files"]
    assert lock_entry(store)["owner"] is None


def test_a_run_killed_holding_the_lock_abandons_it_and_the_next_run_converges(store):
    faults.set_faults(store.path, [{"kind": "drop_connection", "operation": "release_archive_apply",
                                    "kill_after_writes": 2}])
    data = tgz(V1)
    invoke_killed = invoke  # the killed process prints nothing: the helper cannot parse an answer
    try:
        invoke_killed(store, "release_archive_apply", apply_params(data), stream=data)
    except ValueError:
        pass
    entry = lock_entry(store)
    assert entry["owner"] is not None and entry["owner"]["alive"] is False
    assert files.is_dir(store.read(), STAGING)
    faults.clear_faults(store.path)
    result = invoke(store, "release_archive_apply", apply_params(data), stream=data)
    assert sorted(result["changed_files"]) == ["README", "bin/a.exe", "bin/b.exe"]
    assert not files.is_dir(store.read(), STAGING)
    assert lock_entry(store)["owner"] is None


def test_a_staging_folder_is_not_removed_without_the_lock(store):
    with store.transaction() as state:
        files.ensure_dir(state, STAGING + "\\files")
        files.write_bytes(state, STAGING + "\\files\\another-runs-download", b"x")
    data = tgz(V1)
    error = invoke(store, "release_archive_apply", apply_params(data), stream=data, takes_lock=False)
    assert error["message"] == (STAGING + " is left alone: this operation does not hold the host's lock, "
                                "and the folder may be another run's.")
    assert files.is_file(store.read(), STAGING + "\\files\\another-runs-download")


def test_release_archive_remove_leaves_a_staging_folder_without_the_lock(store):
    with store.transaction() as state:
        files.ensure_dir(state, STAGING)
    manifest = {"files": [], "leftovers": []}
    error = invoke(store, "release_archive_remove", dict(dest=DEST, name="pkg", files=[], leftovers=[],
                                                         manifest=manifest), takes_lock=False)
    assert error["message"].startswith(STAGING + " is left alone: this operation does not hold the host's lock")
    assert files.is_dir(store.read(), STAGING)
