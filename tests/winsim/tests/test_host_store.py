"""HostStore: one JSON file per host, written atomically under a lock."""

import json
import os
import threading
import time

import pytest

from winsim.host.store import HostStore
from winsim.windows import files


def _leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_create_writes_a_readable_state_file(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022", hostname="BUILD01")
    on_disk = json.loads((tmp_path / "h.json").read_text(encoding="utf-8"))
    assert on_disk == store.read()
    assert on_disk["hostname"] == "BUILD01"
    assert on_disk["profile"] == "ws2022"


def test_transaction_persists_changes(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2019")
    with store.transaction() as state:
        state["services"]["containerd"] = {"State": "Running"}
    assert HostStore(tmp_path / "h.json").read()["services"] == {"containerd": {"State": "Running"}}


def test_transaction_that_raises_writes_nothing(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2019")
    before = (tmp_path / "h.json").read_bytes()
    with pytest.raises(RuntimeError):
        with store.transaction() as state:
            state["hostname"] = "CHANGED"
            raise RuntimeError("boom")
    assert (tmp_path / "h.json").read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_write_replaces_the_file_rather_than_rewriting_it(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2019")
    inode = os.stat(tmp_path / "h.json").st_ino
    with store.transaction() as state:
        state["hostname"] = "OTHER"
    assert os.stat(tmp_path / "h.json").st_ino != inode
    assert _leftovers(tmp_path) == []


def test_failed_replace_keeps_the_old_file_and_removes_the_temp_file(tmp_path, monkeypatch):
    store = HostStore.create(tmp_path / "h.json", "ws2019")
    before = (tmp_path / "h.json").read_bytes()

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        with store.transaction() as state:
            state["hostname"] = "CHANGED"
    assert (tmp_path / "h.json").read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_transaction_holds_an_exclusive_lock(tmp_path):
    path = tmp_path / "h.json"
    HostStore.create(path, "ws2019")
    inside, release, second_entered = threading.Event(), threading.Event(), threading.Event()

    def first():
        with HostStore(path).transaction() as state:
            inside.set()
            release.wait(5)
            state["hostname"] = "FIRST"

    def second():
        with HostStore(path).transaction() as state:
            second_entered.set()
            assert state["hostname"] == "FIRST"
            state["hostname"] = "SECOND"

    t1 = threading.Thread(target=first)
    t1.start()
    assert inside.wait(5)
    t2 = threading.Thread(target=second)
    t2.start()
    assert not second_entered.wait(0.3), "a second writer got in while the first held the lock"
    release.set()
    t1.join(5)
    t2.join(5)
    assert second_entered.is_set()
    assert HostStore(path).read()["hostname"] == "SECOND"


def test_concurrent_transactions_lose_no_update(tmp_path):
    path = tmp_path / "h.json"
    HostStore.create(path, "ws2019")

    def bump():
        for _unused in range(10):
            with HostStore(path).transaction() as state:
                count = state["services"].get("count", 0)
                time.sleep(0.001)
                state["services"]["count"] = count + 1

    threads = [threading.Thread(target=bump) for _unused in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert HostStore(path).read()["services"]["count"] == 60


def test_read_waits_for_a_writer(tmp_path):
    path = tmp_path / "h.json"
    HostStore.create(path, "ws2019")
    inside, release, seen = threading.Event(), threading.Event(), []

    def writer():
        with HostStore(path).transaction() as state:
            inside.set()
            release.wait(5)
            state["hostname"] = "WRITTEN"

    thread = threading.Thread(target=writer)
    thread.start()
    assert inside.wait(5)
    reader = threading.Thread(target=lambda: seen.append(HostStore(path).read()["hostname"]))
    reader.start()
    reader.join(0.3)
    assert seen == []
    release.set()
    thread.join(5)
    reader.join(5)
    assert seen == ["WRITTEN"]


def test_file_lookup_is_case_insensitive(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022")
    with store.transaction() as state:
        state["files"]["C:\\Program Files\\buildkit\\buildctl.exe"] = {"size": 1}
    state = store.read()
    assert files.lookup(state, "c:/program files/BUILDKIT/BuildCtl.EXE") == {"size": 1}
    assert files.find_key(state, "C:\\Program Files\\buildkit\\buildkitd.exe") is None
