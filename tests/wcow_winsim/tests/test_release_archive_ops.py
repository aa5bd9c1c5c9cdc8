"""release_archive_read and release_archive_apply as the simulated host runs them."""

import base64
import hashlib
import io
import json
import tarfile

import pytest

from integration.artifact_server import ArtifactServer
from wcow_winsim import run_powershell
from wcow_winsim.operations import host_lock
from winsim.host.store import HostStore
from winsim.windows import files, proxy_settings

BOOTSTRAP = "# wcow.buildkit bootstrap\r\n"
DEST = "C:\\Program Files\\pkg"
WEB = {"proxy": None, "username": None, "password": None}
V1 = {"pkg/bin/a.exe": b"a1", "pkg/bin/b.exe": b"b1", "pkg/README": b"r1"}


def tgz(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def invoke(store, operation, params, stream=None, lock_timeout_s=0, takes_lock=True):
    # As the runner composes a changing operation: it takes the host's lock first.
    script = f"# wcow.buildkit operation: {operation}\n" + (f"{host_lock.CALL}\n" if takes_lock else "")
    document = {"operation": operation, "script": script, "params": params, "lock": {"timeout_s": lock_timeout_s}}
    stdin = base64.b64encode(json.dumps(document).encode())
    if stream is not None:
        stdin += b"\r\n" + b"\r\n".join(base64.b64encode(stream[i : i + 7]) for i in range(0, len(stream), 7)) + b"\r\n"
    result = run_powershell(store, BOOTSTRAP, stdin)
    document = json.loads(result.stdout)
    if result.rc:
        return document["wcow_error"]
    return document


def apply_params(data, **changes):
    params = dict(
        dest=DEST, name="pkg", archive_type="tar.gz", source={"kind": "stream", "url": None, "shown": "src:pkg.tar.gz"},
        web=WEB, sha256=sha(data), strip_components=1, include=None, previous_files=[], previous_leftovers=[],
        manifest={"format": 1, "source": "src:pkg.tar.gz", "archive_file": "pkg.tar.gz", "archive_sha256": sha(data),
                  "version": None, "strip_components": 1, "include": None},
        keep={"action": "leave", "manifest": None}, protect=False, replace_unchanged=False,
    )
    params.update(changes)
    return params


def read_params(**changes):
    return dict(dict(dest=DEST, name="pkg", paths=[], checksum=None, web=WEB), **changes)


def tree(store, root=DEST):
    state = store.read()
    return {key[len(root) + 1 :]: base64.b64decode(state["files"][key]["content_b64"])
            for key in files.files_below(state, root)}


@pytest.fixture
def store(tmp_path):
    return HostStore.create(tmp_path / "h.json", "ws2019")


def test_stream_install_then_read(store):
    data = tgz(V1)
    result = invoke(store, "release_archive_apply", apply_params(data), stream=data)
    assert result["changed_files"] == ["bin/a.exe", "bin/b.exe", "README"]
    assert result["archive_sha256"] == sha(data) and result["leftovers"] == []
    installed = tree(store)
    manifest = json.loads(installed.pop(".wcow-pkg.manifest.json"))
    assert installed == {"bin\\a.exe": b"a1", "bin\\b.exe": b"b1", "README": b"r1"}
    assert manifest["files"] == result["files"] and manifest["archive_sha256"] == sha(data)
    read = invoke(store, "release_archive_read", read_params(paths=["BIN/A.EXE", "new.exe"]))
    assert read["dest_exists"] is True and json.loads(read["manifest_text"]) == manifest
    assert read["files"] == [{"path": p, "sha256": sha(c)} for p, c in
                             (("bin/a.exe", b"a1"), ("bin/b.exe", b"b1"), ("README", b"r1"))] + [
        {"path": "new.exe", "sha256": None}], "BIN/A.EXE is bin/a.exe on NTFS"


def test_read_of_nothing_and_of_a_damaged_manifest(store):
    read = invoke(store, "release_archive_read", read_params(dest="%ProgramFiles%\\pkg\\"))
    assert read == {"dest": DEST, "dest_exists": False, "dest_link": False, "manifest_path": DEST + "\\.wcow-pkg.manifest.json",
                    "manifest_text": None, "files": [], "checksum_text": None,
                    "previous_dir": DEST + "\\.wcow-pkg.previous", "previous_dir_exists": False,
                    "previous_manifest_text": None, "previous_files": [],
                    "security": [{"path": DEST, "exists": False, "directory": False, "sddl": None}]}
    with store.transaction() as state:
        files.ensure_dir(state, DEST)
        files.write_bytes(state, DEST + "\\.wcow-pkg.manifest.json", b"{ not json")
    assert invoke(store, "release_archive_read", read_params())["manifest_text"] == "{ not json"


def test_dest_must_expand_to_an_absolute_path(store):
    error = invoke(store, "release_archive_read", read_params(dest="%NoSuchVariable%\\pkg"))
    assert error["message"] == "dest %NoSuchVariable%\\pkg expands to %NoSuchVariable%\\pkg, which is not a directory below a drive root."


def test_checksum_mismatch_removes_staging_and_the_directories_it_created(store):
    data = tgz(V1)
    before = store.read()["files"]
    error = invoke(store, "release_archive_apply", apply_params(data, sha256="0" * 64), stream=data)
    assert error["message"] == (f"Checksum mismatch for src:pkg.tar.gz: expected sha256:{'0' * 64}, "
                                f"got sha256:{sha(data)}. Nothing was installed.")
    assert store.read()["files"] == before


def test_missing_include_fails_before_anything_is_moved(store):
    data = tgz(V1)
    invoke(store, "release_archive_apply", apply_params(data), stream=data)
    before = store.read()["files"]
    error = invoke(store, "release_archive_apply", apply_params(data, include=["bin/a.exe", "bin/c.exe"]), stream=data)
    assert error["message"] == ("include: bin/c.exe not in src:pkg.tar.gz after stripping 1 leading path components; "
                                "it holds bin/a.exe, bin/b.exe, README.")
    assert store.read()["files"] == before


def test_in_use_file_is_renamed_aside_and_left_for_later(store):
    data = tgz(V1)
    invoke(store, "release_archive_apply", apply_params(data), stream=data)
    with store.transaction() as state:
        state["files"][DEST + "\\bin\\a.exe"]["in_use"] = True
    data2 = tgz({"pkg/bin/a.exe": b"a2", "pkg/bin/b.exe": b"b1", "pkg/README": b"r1"})
    previous = [{"path": "bin/a.exe", "sha256": sha(b"a1")}, {"path": "bin/b.exe", "sha256": sha(b"b1")}]
    result = invoke(store, "release_archive_apply", apply_params(data2, previous_files=previous), stream=data2)
    assert result["changed_files"] == ["bin/a.exe"]
    (aside,) = result["leftovers"]
    assert aside.startswith("bin/a.exe.wcow-old-")
    installed = tree(store)
    assert installed["bin\\a.exe"] == b"a2" and installed[aside.replace("/", "\\")] == b"a1"
    state = store.read()
    assert state["files"][DEST + "\\" + aside.replace("/", "\\")]["in_use"] is True
    assert state["files"][DEST + "\\bin\\a.exe"]["in_use"] is False

    with store.transaction() as state:
        state["files"][DEST + "\\" + aside.replace("/", "\\")]["in_use"] = False
    again = invoke(store, "release_archive_apply", apply_params(data2, previous_leftovers=[aside]), stream=data2)
    assert again["leftovers"] == [] and aside.replace("/", "\\") not in tree(store)


def test_a_staged_file_a_scanner_holds_puts_the_old_file_back_and_the_next_run_installs_it(store):
    # A scanner holds the extracted a.exe open without FILE_SHARE_DELETE: the installed a.exe is renamed aside,
    # the move of the new one fails, the catch renames the old one back and rethrows (Move-WcowFileIntoPlace).
    data = tgz(V1)
    invoke(store, "release_archive_apply", apply_params(data), stream=data)
    with store.transaction() as state:
        state["scanner_holds"] = ["a.exe"]
    data2 = tgz({"pkg/bin/a.exe": b"a2", "pkg/bin/b.exe": b"b1", "pkg/README": b"r1"})
    failed = invoke(store, "release_archive_apply", apply_params(data2), stream=data2)
    assert failed["message"] == ('Exception calling "Move" with "2" argument(s): "The process cannot access the file '
                                 'because it is being used by another process."')
    installed = tree(store)
    assert installed["bin\\a.exe"] == b"a1", "the old file is back under its name"
    assert not any(".wcow-old-" in name for name in installed)
    with store.transaction() as state:
        state["scanner_holds"] = []
        for record in state["files"].values():
            record.pop("held_open", None)  # the scan finished
    again = invoke(store, "release_archive_apply", apply_params(data2), stream=data2)
    assert again["changed_files"] == ["bin/a.exe"] and tree(store)["bin\\a.exe"] == b"a2"
    assert ".wcow-pkg.staging" not in {name.split("\\")[0] for name in tree(store)}


def test_a_staged_archive_a_scanner_holds_stays_after_the_install_and_the_next_run_removes_it(store):
    with store.transaction() as state:
        state["scanner_holds"] = ["archive.tar.gz"]
    data = tgz(V1)
    assert invoke(store, "release_archive_apply", apply_params(data), stream=data)["changed_files"] == [
        "bin/a.exe", "bin/b.exe", "README"]
    assert set(tree(store)) == {".wcow-pkg.manifest.json", "bin\\a.exe", "bin\\b.exe", "README",
                                ".wcow-pkg.staging\\archive.tar.gz"}
    with store.transaction() as state:
        state["scanner_holds"] = []
        for record in state["files"].values():
            record.pop("held_open", None)  # the scan finished
    assert invoke(store, "release_archive_apply", apply_params(data), stream=data)["changed_files"] == []
    assert ".wcow-pkg.staging\\archive.tar.gz" not in tree(store)


def test_a_leftover_staging_file_a_scanner_still_holds_stops_the_install_until_it_can_go(store):
    # A file left in staging by an earlier run would be taken for part of the new archive.
    data = tgz(V1)
    with store.transaction() as state:
        state["scanner_holds"] = ["archive.tar.gz"]
    invoke(store, "release_archive_apply", apply_params(data), stream=data)
    data2 = tgz({"pkg/bin/a.exe": b"a2"})
    error = invoke(store, "release_archive_apply", apply_params(data2), stream=data2)
    assert error["message"].startswith(DEST + "\\.wcow-pkg.staging, left by an earlier run, could not be removed; "
                                       "nothing was installed, run again later: ")
    assert "archive.tar.gz" in error["message"]
    assert files.read_bytes(store.read(), DEST + "\\bin\\a.exe") == b"a1"
    with store.transaction() as state:
        state["scanner_holds"] = []
        for record in state["files"].values():
            record.pop("held_open", None)  # the scan finished
    assert invoke(store, "release_archive_apply", apply_params(data2), stream=data2)["changed_files"] == ["bin/a.exe"]


def test_previous_files_go_only_when_unchanged(store):
    data = tgz(V1)
    invoke(store, "release_archive_apply", apply_params(data), stream=data)
    with store.transaction() as state:
        files.write_bytes(state, DEST + "\\README", b"edited")
    data2 = tgz({"pkg/bin/a.exe": b"a1"})
    previous = [{"path": p, "sha256": sha(c)} for p, c in (("bin/a.exe", b"a1"), ("bin/b.exe", b"b1"), ("README", b"r1"))]
    result = invoke(store, "release_archive_apply", apply_params(data2, previous_files=previous), stream=data2)
    assert (result["changed_files"], result["removed_files"], result["kept_files"]) == ([], ["bin/b.exe"], ["README"])
    assert set(tree(store)) == {".wcow-pkg.manifest.json", "bin\\a.exe", "README"}


def test_a_stale_staging_directory_is_cleared(store):
    data = tgz(V1)
    with store.transaction() as state:
        files.ensure_dir(state, DEST + "\\.wcow-pkg.staging\\files")
        files.write_bytes(state, DEST + "\\.wcow-pkg.staging\\files\\junk", b"x")
    invoke(store, "release_archive_apply", apply_params(data), stream=data)
    assert not any(".staging" in key for key in store.read()["files"])


def test_unverified_archive_tar_cannot_read_fails_with_its_output(store):
    data = b"\xfd7zXZ\x00 an xz archive"
    error = invoke(store, "release_archive_apply", apply_params(data, sha256=None), stream=data)
    assert error["message"] == ("tar.exe could not list the archive (exit code 1): "
                                "tar.exe: Error opening archive: Unrecognized archive format")
    assert not files.is_dir(store.read(), DEST)


def test_bad_stream_line_fails_like_frombase64string(store):
    document = {"operation": "x", "script": f"# wcow.buildkit operation: release_archive_apply\n{host_lock.CALL}\n",
                "params": apply_params(b""), "lock": {"timeout_s": 0}}
    stdin = base64.b64encode(json.dumps(document).encode()) + b"\nnot*base64\n"
    error = json.loads(run_powershell(store, BOOTSTRAP, stdin).stdout)["wcow_error"]
    assert error["message"].startswith('Exception calling "FromBase64String" with "1" argument(s)')
    assert not files.is_dir(store.read(), DEST)


def test_url_source_and_checksum_file_are_fetched_by_the_host(store, tmp_path):
    server = ArtifactServer(tmp_path / "artifacts").start()
    try:
        data = tgz(V1)
        url = server.publish("v1/pkg.tar.gz", data)
        sums = server.publish("v1/pkg.tar.gz.sha256sum", f"{sha(data)}  pkg.tar.gz\n".encode())
        read = invoke(store, "release_archive_read", read_params(checksum={"url": sums, "shown": sums}))
        assert read["checksum_text"] == f"{sha(data)}  pkg.tar.gz\n"
        params = apply_params(data, source={"kind": "url", "url": url, "shown": url})
        assert invoke(store, "release_archive_apply", params)["files"][0]["path"] == "bin/a.exe"
        server.fault("v1/pkg.tar.gz", "404")
        error = invoke(store, "release_archive_apply", params)
        assert error["message"] == f"Downloading {url} failed: The remote server returned an error: (404) Not Found."
    finally:
        server.stop()


def test_refusals_before_anything_is_installed(store, tmp_path):
    data = tgz(V1)
    error = invoke(store, "release_archive_apply", apply_params(data, strip_components=3), stream=data)
    assert error["message"] == "src:pkg.tar.gz has no files left after stripping 3 leading path components."
    # A previous file of a tampered manifest that points outside dest is never touched.
    evil = apply_params(data, previous_files=[{"path": "../evil.exe", "sha256": sha(b"x")}])
    error = invoke(store, "release_archive_apply", evil, stream=data)
    assert error["message"] == f"Refusing the member path ../evil.exe: it is not a plain path below {DEST}."
    assert "C:\\Program Files\\evil.exe" not in store.read()["files"]
    # Windows Server 2016 has no tar.exe.
    old = HostStore.create(tmp_path / "old.json", "ws2016")
    error = invoke(old, "release_archive_apply", apply_params(data), stream=data)
    assert error["message"].endswith("\\tar.exe does not exist: tar.exe ships with Windows Server 2019, "
                                     "Windows 10 1803 and later.")


@pytest.mark.parametrize("name, kind, target, reason", [
    ("pkg/bin/up", tarfile.SYMTYPE, "../../Windows", "a symbolic link"),
    ("pkg/bin/h", tarfile.LNKTYPE, "pkg/bin/a.exe", "a hard link"),
    ("/pkg/abs", tarfile.REGTYPE, "", "an absolute path"),
    ("pkg/bin/a.exe:stream", tarfile.REGTYPE, "", "an alternate data stream"),
    ("pkg/../../evil", tarfile.REGTYPE, "", "a .. element"),
])
def test_archive_with_links_or_paths_leaving_the_folder_is_refused_before_extraction(store, name, kind, target, reason):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        good = tarfile.TarInfo("pkg/bin/a.exe")
        good.size = 2
        archive.addfile(good, io.BytesIO(b"a1"))
        bad = tarfile.TarInfo(name)
        bad.type, bad.linkname = kind, target
        archive.addfile(bad, io.BytesIO(b"") if kind == tarfile.REGTYPE else None)
    data = buffer.getvalue()
    before = store.read()["files"]
    error = invoke(store, "release_archive_apply", apply_params(data), stream=data)
    assert error["message"] == ("src:pkg.tar.gz holds entries that are not regular files or folders, or that would be "
                                "written outside the folder: %s (%s). Nothing was installed." % (name, reason))
    assert store.read()["files"] == before, "nothing extracted, nothing left"


def test_a_machine_proxy_bypass_entry_with_a_scheme_and_port_limits_it_to_them(store, tmp_path):
    # docs/windows-facts.md#downloads-archives-and-hashes: [<scheme>://]<host>[:<port>] in the bypass list. The
    # machine's proxy does not resolve: a download that is not bypassed fails on it.
    server = ArtifactServer(tmp_path / "artifacts").start()
    try:
        data = tgz(V1)
        url = server.publish("v1/pkg.tar.gz", data)
        port = int(url.split(":")[2].split("/")[0])
        params = apply_params(data, source={"kind": "url", "url": url, "shown": url})
        for bypass, direct in ((f"http://127.0.0.1:{port}", True), (f"127.0.0.*:{port}", True),
                               (f"https://127.0.0.1:{port}", False), (f"127.0.0.1:{port + 1}", False)):
            with store.transaction() as state:
                proxy_settings.set_winhttp(state, "proxy.example.invalid:3128", bypass)
            outcome = invoke(store, "release_archive_apply", params)
            if direct:
                assert outcome["files"][0]["path"] == "bin/a.exe", (bypass, outcome)
            else:
                assert "The proxy name could not be resolved: 'proxy.example.invalid'" in outcome["message"], bypass
    finally:
        server.stop()


@pytest.mark.parametrize("status", [302, 307])
def test_with_credentials_no_redirect_is_followed(store, tmp_path, status):
    """Invoke-WebRequest would answer the redirected host's challenge with them
    (docs/windows-facts.md#downloads-archives-and-hashes): the snippet follows none."""
    server, other = (ArtifactServer(tmp_path / name).start() for name in ("artifacts", "other"))
    try:
        data = tgz(V1)
        other.publish("pkg.tar.gz", data)
        other.publish("pkg.tar.gz.sha256sum", f"{sha(data)}  pkg.tar.gz\n".encode())
        other.require_auth("pkg.tar.gz", "deploy", "pw")
        other.require_auth("pkg.tar.gz.sha256sum", "deploy", "pw")
        server.redirect("pkg.tar.gz", other.url("pkg.tar.gz"), status)
        server.redirect("pkg.tar.gz.sha256sum", other.url("pkg.tar.gz.sha256sum"), status)
        web = {"proxy": None, "username": "deploy", "password": "pw"}
        url, sums = server.url("pkg.tar.gz"), server.url("pkg.tar.gz.sha256sum")
        read = invoke(store, "release_archive_read", read_params(web=web, checksum={"url": sums, "shown": sums}))
        applied = invoke(store, "release_archive_apply", apply_params(
            data, web=web, source={"kind": "url", "url": url, "shown": url}))
        for error, shown in ((read, sums), (applied, url)):
            assert error["message"].startswith(f"Downloading {shown} failed: the server answered with a redirect, "
                                               "and with url_username set no redirect is followed"), error
        assert other.requests == [] and tree(store) == {}
        # Without credentials the redirect is followed.
        plain = invoke(store, "release_archive_read", read_params(checksum={"url": sums, "shown": sums}))
        assert "(401) Unauthorized." in plain["message"]
    finally:
        server.stop()
        other.stop()
