"""release_archive_remove, and release_archive_apply keeping and restoring the previous version, on the simulated host."""

import json

from test_release_archive_ops import DEST, V1, apply_params, invoke, read_params, tgz, tree
# store is a fixture, used by name.
from test_release_archive_ops import store  # noqa: F401  # pylint: disable=unused-import
from winsim.windows import files

V2 = {"pkg/bin/a.exe": b"a2", "pkg/bin/b.exe": b"b1", "pkg/bin/c.exe": b"c2"}
KEPT = DEST + "\\.wcow-pkg.previous"


def installed_manifest(store):
    return json.loads(tree(store)[".wcow-pkg.manifest.json"])


def keep_copy(manifest):
    return {"action": "copy", "manifest": dict(manifest, leftovers=[])}


def upgrade(store, data2):
    """V1 installed, then V2 over it keeping V1."""
    data = tgz(V1)
    invoke(store, "release_archive_apply", apply_params(data), stream=data)
    first = installed_manifest(store)
    params = apply_params(data2, previous_files=first["files"], keep=keep_copy(first))
    return first, invoke(store, "release_archive_apply", params, stream=data2)


def test_remove_deletes_only_recorded_unchanged_files_then_empty_folders(store):
    data = tgz(V1)
    invoke(store, "release_archive_apply", apply_params(data), stream=data)
    manifest = installed_manifest(store)
    with store.transaction() as state:
        files.write_bytes(state, DEST + "\\README", b"edited by hand")
        files.write_bytes(state, DEST + "\\bin\\mine.exe", b"not installed by the module")
        files.delete(state, DEST + "\\bin\\b.exe")
    result = invoke(store, "release_archive_remove", dict(dest=DEST, name="pkg", files=manifest["files"],
                                                          leftovers=[], manifest=manifest))
    assert result == {"dest": DEST, "dest_removed": False, "removed_files": ["bin/a.exe"], "kept_files": ["README"],
                      "leftovers": []}
    assert tree(store) == {"README": b"edited by hand", "bin\\mine.exe": b"not installed by the module"}


def test_remove_of_everything_removes_dest_and_the_kept_version(store):
    _first, _result = upgrade(store, tgz(V2))
    assert files.is_dir(store.read(), KEPT)
    manifest = installed_manifest(store)
    result = invoke(store, "release_archive_remove", dict(dest=DEST, name="pkg", files=manifest["files"],
                                                          leftovers=[], manifest=manifest))
    assert result["dest_removed"] is True and sorted(result["removed_files"]) == ["bin/a.exe", "bin/b.exe", "bin/c.exe"]
    assert not [key for key in store.read()["files"] if key.lower().startswith(DEST.lower())]
    assert files.is_dir(store.read(), "C:\\Program Files"), "never above dest"


def test_remove_renames_a_file_in_use_aside_and_keeps_a_manifest_of_it(store):
    data = tgz(V1)
    invoke(store, "release_archive_apply", apply_params(data), stream=data)
    manifest = installed_manifest(store)
    with store.transaction() as state:
        state["files"][DEST + "\\bin\\a.exe"]["in_use"] = True
    result = invoke(store, "release_archive_remove", dict(dest=DEST, name="pkg", files=manifest["files"],
                                                          leftovers=[], manifest=manifest))
    (aside,) = result["leftovers"]
    assert aside.startswith("bin/a.exe.wcow-old-") and result["dest_removed"] is False
    assert "bin/a.exe" in result["removed_files"]
    left = installed_manifest(store)
    assert left["files"] == [] and left["leftovers"] == [aside]
    with store.transaction() as state:
        state["files"][DEST + "\\" + aside.replace("/", "\\")]["in_use"] = False
    again = invoke(store, "release_archive_remove", dict(dest=DEST, name="pkg", files=[], leftovers=[aside],
                                                         manifest=left))
    assert again["leftovers"] == [] and again["dest_removed"] is True


def test_apply_keeps_a_copy_of_the_replaced_version_that_read_reports(store):
    first, result = upgrade(store, tgz(V2))
    assert result["changed_files"] == ["bin/a.exe", "bin/c.exe"] and result["removed_files"] == ["README"]
    kept = tree(store, KEPT)
    assert json.loads(kept.pop(".wcow-pkg.manifest.json"))["files"] == first["files"]
    assert kept == {"bin\\a.exe": b"a1", "bin\\b.exe": b"b1", "README": b"r1"}
    assert not any(".staging" in key for key in store.read()["files"])
    read = invoke(store, "release_archive_read", read_params())
    assert read["previous_dir_exists"] is True
    assert json.loads(read["previous_manifest_text"])["archive_sha256"] == first["archive_sha256"]
    assert sorted((f["path"], f["sha256"]) for f in read["previous_files"]) == sorted(
        (f["path"], f["sha256"]) for f in first["files"])


def test_a_failed_upgrade_keeps_the_old_copy_and_the_install(store):
    data = tgz(V1)
    invoke(store, "release_archive_apply", apply_params(data), stream=data)
    first = installed_manifest(store)
    before = store.read()["files"]
    broken = tgz(V2)
    error = invoke(store, "release_archive_apply", apply_params(broken, sha256="0" * 64, previous_files=first["files"],
                                                                keep=keep_copy(first)), stream=broken)
    assert "Checksum mismatch" in error["message"]
    assert store.read()["files"] == before, "the copy is made after the archive is verified"


def test_restore_puts_the_kept_version_back_and_keeps_the_copy(store):
    first, _result = upgrade(store, tgz(V2))
    second = installed_manifest(store)
    with store.transaction() as state:
        state["files"][DEST + "\\bin\\a.exe"]["in_use"] = True  # the new buildkitd still runs
    header = {key: first[key] for key in ("format", "source", "archive_file", "archive_sha256", "version",
                                          "strip_components", "include")}
    params = apply_params(b"", archive_type="previous", sha256=first["archive_sha256"],
                          source={"kind": "previous", "url": None, "shown": KEPT, "files": first["files"]},
                          previous_files=second["files"], manifest=header)
    result = invoke(store, "release_archive_apply", params)
    assert result["archive_sha256"] == first["archive_sha256"]
    assert sorted(result["changed_files"]) == ["README", "bin/a.exe"] and result["removed_files"] == ["bin/c.exe"]
    now = tree(store)
    assert (now["bin\\a.exe"], now["bin\\b.exe"], now["README"]) == (b"a1", b"b1", b"r1")
    assert "bin\\c.exe" not in now
    assert installed_manifest(store)["files"] == first["files"]
    assert [name for name in now if ".wcow-old-" in name], "the running a.exe was renamed aside"
    assert tree(store, KEPT)["bin\\a.exe"] == b"a1", "the copy stays"


def test_restore_refuses_a_changed_copy(store):
    first, _result = upgrade(store, tgz(V2))
    with store.transaction() as state:
        files.write_bytes(state, KEPT + "\\bin\\b.exe", b"tampered")
    before = store.read()["files"]
    params = apply_params(b"", archive_type="previous", sha256=first["archive_sha256"],
                          source={"kind": "previous", "url": None, "shown": KEPT, "files": first["files"]},
                          previous_files=installed_manifest(store)["files"], manifest=first)
    error = invoke(store, "release_archive_apply", params)
    assert error["message"] == f"The copy of bin/b.exe in {KEPT} changed since it was kept. Nothing was restored."
    assert store.read()["files"] == before


def test_links_inside_the_kept_version_and_a_stale_staging_go_as_links(store):
    # docs/windows-facts.md#files-in-use: Remove-Item -Recurse of Windows PowerShell 5.1 walks into a junction
    # and deletes what it points to; Remove-WcowPath removes the link only.
    outside = "D:\\data\\keep.txt"
    _first, _result = upgrade(store, tgz(V2))
    with store.transaction() as state:
        files.ensure_dir(state, files.parent(outside))
        files.write_bytes(state, outside, b"mine")
        state["files"][KEPT + "\\linked"] = {"type": "dir", "link_target": files.parent(outside)}
        files.ensure_dir(state, DEST + "\\.wcow-pkg.staging")
        state["files"][DEST + "\\.wcow-pkg.staging\\linked"] = {"type": "dir", "link_target": files.parent(outside)}
    manifest = installed_manifest(store)
    result = invoke(store, "release_archive_remove", dict(dest=DEST, name="pkg", files=manifest["files"],
                                                          leftovers=[], manifest=manifest))
    assert result["dest_removed"] is True
    assert files.read_bytes(store.read(), outside) == b"mine"


def test_a_kept_file_changed_after_the_read_stops_the_install(store):
    data = tgz(V1)
    invoke(store, "release_archive_apply", apply_params(data), stream=data)
    first = installed_manifest(store)
    with store.transaction() as state:
        # Written between the module's read and its apply: the copy no longer matches the manifest.
        files.write_bytes(state, DEST + "\\bin\\a.exe", b"edited in between")
    data2 = tgz(V2)
    params = apply_params(data2, previous_files=first["files"], keep=keep_copy(first))
    error = invoke(store, "release_archive_apply", params, stream=data2)
    assert error["message"] == "bin/a.exe changed while it was kept as the previous version. Nothing was installed."
    assert tree(store)["bin\\a.exe"] == b"edited in between" and not files.is_dir(store.read(), KEPT)


def test_a_staging_folder_that_is_a_link_is_refused_and_left_with_what_it_points_to(store):
    outside = "D:\\data\\keep.txt"
    staging = DEST + "\\.wcow-pkg.staging"
    with store.transaction() as state:
        files.ensure_dir(state, files.parent(outside))
        files.write_bytes(state, outside, b"mine")
        files.ensure_dir(state, DEST)
        state["files"][staging] = {"type": "dir", "link_target": files.parent(outside)}
    data = tgz(V1)
    error = invoke(store, "release_archive_apply", apply_params(data), stream=data)
    # The removal before the install throws; the catch's second try at it is swallowed; the first error goes on.
    assert error["message"].startswith(f"{staging} is a link (junction or symbolic link) to another folder")
    assert files.read_bytes(store.read(), outside) == b"mine" and files.lookup(store.read(), staging) is not None


def test_a_damaged_manifest_of_the_kept_version_reads_as_nothing_to_restore(store):
    upgrade(store, tgz(V2))
    with store.transaction() as state:
        files.write_bytes(state, KEPT + "\\.wcow-pkg.manifest.json", b"{not json")
    read = invoke(store, "release_archive_read", read_params())
    assert read["previous_dir_exists"] is True and read["previous_manifest_text"] == "{not json"
    assert read["previous_files"] == []
