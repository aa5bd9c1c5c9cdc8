"""release_archive_read and release_archive_apply and the protected DACL of dest: a folder made in C:\\ lets
every signed-in user change what it holds (docs/windows-facts.md#protected-dacls)."""

import pytest

from test_release_archive_ops import V1, apply_params, invoke, read_params, sha, tgz
from test_release_archive_ops import store  # noqa: F401  # pylint: disable=unused-import
from wcow_winsim.operations.acl import protected_sddl
from winsim.windows import accounts, files, ntfs, pipes

DEST = "C:\\buildkit"
# A file moved in from the staging folder inside dest inherits dest's ACEs.
INHERITED = "O:BAD:AI(A;ID;FA;;;BA)(A;ID;FA;;;SY)(A;ID;0x1200a9;;;BU)"


def bob(store):
    with store.transaction() as state:
        account = accounts.create_user(state, "bob")
        return account.sid, pipes.token_sids(state, account)


def plant(store, path, sid, token):
    """bob writes a file; True when Windows let him."""
    with store.transaction() as state:
        try:
            files.write_as(state, path, b"MZ planted", sid, token)
        except files.WindowsIOError:
            return False
        return True


def install(store, data, **changes):
    return invoke(store, "release_archive_apply", apply_params(data, dest=DEST, **changes), stream=data)


def security(store, path):
    state = store.read()
    return ntfs.render(ntfs.descriptor(state, files.find_key(state, path)))


def test_without_protect_a_user_can_plant_a_binary_in_dest(store):
    sid, token = bob(store)
    install(store, tgz(V1))
    assert plant(store, DEST + "\\bin\\planted.dll", sid, token)


def test_protect_creates_dest_protected_and_what_it_holds_inherits_it(store):
    sid, token = bob(store)
    data = tgz(V1)
    result = install(store, data, protect=True)
    assert result["changed_files"] == ["bin/a.exe", "bin/b.exe", "README"]
    assert security(store, DEST) == protected_sddl(True, True)
    assert security(store, DEST + "\\bin\\a.exe") == INHERITED
    for path in (DEST + "\\planted.dll", DEST + "\\bin\\planted.dll", DEST + "\\bin\\a.exe",
                 DEST + "\\.wcow-pkg.staging"):
        assert not plant(store, path, sid, token), path
    read = invoke(store, "release_archive_read", read_params(dest=DEST))
    assert [(entry["path"], entry["sddl"]) for entry in read["security"]] == [
        (DEST, protected_sddl(True, True)),
        (DEST + "\\bin", "O:BAD:AI(A;OICIID;FA;;;BA)(A;OICIID;FA;;;SY)(A;OICIID;0x1200a9;;;BU)"),
        (DEST + "\\bin\\a.exe", INHERITED), (DEST + "\\bin\\b.exe", INHERITED), (DEST + "\\README", INHERITED)]


def test_dest_is_protected_before_the_archive_is_staged_in_it(store):
    """A failure after the staging folder was made leaves dest protected: it never held staging unprotected."""
    sid, token = bob(store)
    with store.transaction() as state:
        files.ensure_dir(state, DEST)
    assert plant(store, DEST + "\\early.dll", sid, token)
    data = tgz(V1)
    error = install(store, data, protect=True, sha256="0" * 64)
    assert error["message"].startswith("Checksum mismatch")
    assert security(store, DEST) == protected_sddl(True, True)
    assert not plant(store, DEST + "\\.wcow-pkg.staging", sid, token)


def test_replace_unchanged_installs_files_a_user_owns_again_and_protects_their_folders(store):
    sid, token = bob(store)
    data = tgz(V1)
    first = install(store, data, protect=True)
    with store.transaction() as state:
        # As a user leaves them who could write dest before: a copy with the same content he owns, in a
        # folder he owns and may change.
        state["files"][files.find_key(state, DEST + "\\bin\\a.exe")]["sddl"] = f"O:{sid}D:"
        state["files"][files.find_key(state, DEST + "\\bin")]["sddl"] = f"O:{sid}D:(A;OICI;FA;;;{sid})"
    read = invoke(store, "release_archive_read", read_params(dest=DEST))
    found = {entry["path"]: entry["sddl"] for entry in read["security"]}
    assert found[DEST + "\\bin\\a.exe"].startswith(f"O:{sid}D:AI")
    assert found[DEST + "\\bin"].startswith(f"O:{sid}D:AI(A;OICI;FA;;;{sid})")

    unchanged = install(store, data, previous_files=first["files"])
    assert unchanged["changed_files"] == [], "the same content stays where it is"
    assert plant(store, DEST + "\\bin\\planted.dll", sid, token)

    result = install(store, data, previous_files=first["files"], replace_unchanged=True)
    assert result["changed_files"] == ["bin/a.exe", "bin/b.exe", "README"]
    assert security(store, DEST + "\\bin") == protected_sddl(True, True)
    assert security(store, DEST + "\\bin\\a.exe") == INHERITED
    for path in (DEST + "\\bin\\a.exe", DEST + "\\bin\\another.dll"):
        assert not plant(store, path, sid, token), path
    assert sha(data) == result["archive_sha256"]


def test_replace_unchanged_refuses_a_junction_a_user_made_inside_dest_before_anything_changes(store):
    """SetAccessControl would give the junction's target the protected DACL and the moves would write there."""
    sid, _token = bob(store)
    data = tgz(V1)
    first = install(store, data, protect=True)
    elsewhere = "C:\\Windows\\System32\\drivers"
    with store.transaction() as state:
        files.ensure_dir(state, elsewhere)
        state["files"][files.find_key(state, elsewhere)]["sddl"] = "O:S-1-5-80-956008885D:PAI(A;OICI;FA;;;SY)"
        for key in [key for key in state["files"] if key.lower().startswith((DEST + "\\bin\\").lower())]:
            del state["files"][key]
        junction = {"type": "dir", "link_target": elsewhere, "sddl": f"O:{sid}D:(A;;FA;;;{sid})"}
        state["files"][files.find_key(state, DEST + "\\bin")] = junction
        files.ensure_dir(state, DEST + "\\.wcow-pkg.previous")
        files.write_bytes(state, DEST + "\\.wcow-pkg.previous\\kept.exe", b"MZ kept")
    before = store.read()["files"]
    error = install(store, data, previous_files=first["files"], replace_unchanged=True,
                    keep={"action": "drop", "manifest": None})
    assert error["message"] == (f"{DEST}\\bin is a link (junction or symbolic link) inside {DEST}, which "
                                "non-administrators could write; nothing was installed. Remove the link and run again.")
    after = store.read()["files"]
    assert after[files.find_key(store.read(), elsewhere)] == before[files.find_key(store.read(), elsewhere)]
    assert {key for key in after if not key.lower().startswith((DEST + "\\.wcow-pkg.staging").lower())} == \
        {key for key in before if not key.lower().startswith((DEST + "\\.wcow-pkg.staging").lower())}, \
        "the kept previous version too is as it was"


@pytest.mark.parametrize("owner", ["BA", "SY"])
def test_an_existing_protected_dest_is_left_alone_by_read(store, owner):
    with store.transaction() as state:
        files.ensure_dir(state, DEST)
        state["files"][DEST]["sddl"] = f"O:{owner}D:P(A;OICI;FA;;;BA)"
    read = invoke(store, "release_archive_read", read_params(dest=DEST))
    assert read["security"] == [{"path": DEST, "exists": True, "directory": True,
                                 "sddl": f"O:{owner}D:P(A;OICI;FA;;;BA)"}]
