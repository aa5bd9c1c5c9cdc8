"""The "At line" position of a script error names the `throw` that made the message, in the script as
composed with its snippets, or is left out when no single throw can have made it."""

import base64
import json
import re
from pathlib import Path

import pytest

from test_release_archive_ops import apply_params, sha, tgz
from wcow_winsim import run_powershell
from wcow_winsim.operations import host_lock
from winsim.host.store import HostStore

POWERSHELL = Path(__file__).resolve().parents[3] / "plugins" / "plugin_utils" / "powershell"
BOOTSTRAP = "# wcow.buildkit bootstrap\r\n"
ARCHIVE = tgz({"pkg/bin/a.exe": b"a1"})


def composed(name):
    """The operation with its snippets after the first line, as the collection's runner sends it."""
    script = (POWERSHELL / f"{name}.ps1").read_text(encoding="utf-8")
    wanted = re.search(r"^# wcow\.buildkit requires: ([\w, ]+)$", script, re.MULTILINE)
    if not wanted:
        return script
    snippets = [(POWERSHELL / "snippets" / f"{n.strip()}.ps1").read_text(encoding="utf-8")
                for n in wanted.group(1).split(",") if n.strip()]
    # The runner takes the host's lock first in an operation that changes the host (these do).
    first, _newline, rest = script.partition("\n")
    return "\n".join([first] + snippets + [host_lock.CALL, rest])


def error_of(store, script, params, stream=None):
    document = {"operation": "x", "script": script, "params": params, "lock": {"timeout_s": 0}}
    stdin = base64.b64encode(json.dumps(document).encode())
    if stream is not None:
        stdin += b"\n" + base64.b64encode(stream) + b"\n"
    result = run_powershell(store, BOOTSTRAP, stdin)
    assert result.rc == 1
    return json.loads(result.stdout)["wcow_error"]


def position_line(script, position):
    """The script line the position names; its text is quoted on the position's second line."""
    number = int(re.match(r"At line:(\d+) char:\d+\r\n", position).group(1))
    line = script.splitlines()[number - 1]
    assert position.split("\r\n")[1] == "+ " + line.rstrip()
    return line


@pytest.fixture
def store(tmp_path):
    return HostStore.create(tmp_path / "h.json", "ws2022")


def test_a_checksum_mismatch_points_at_its_throw(store):
    script = composed("release_archive_apply")
    error = error_of(store, script, apply_params(ARCHIVE, sha256=sha(b"other")), ARCHIVE)
    assert error["message"].startswith("Checksum mismatch for src:pkg.tar.gz: expected sha256:")
    assert "throw ('Checksum mismatch for {0}" in position_line(script, error["position"])


def test_an_error_thrown_in_a_snippet_points_into_the_snippet(store):
    script = composed("release_archive_apply")
    error = error_of(store, script, apply_params(ARCHIVE, dest="%NoSuchVariable%\\pkg"), ARCHIVE)
    assert error["message"].startswith("dest %NoSuchVariable%\\pkg expands to")
    assert "throw ('dest {0} expands to" in position_line(script, error["position"])


def test_a_rethrown_error_keeps_the_position_of_the_first_throw(store):
    # Invoke-WcowDownload throws; release_archive_apply's catch rethrows it with `throw $failure`.
    script = composed("release_archive_apply")
    source = {"kind": "url", "url": "http://127.0.0.1:9/pkg.tar.gz", "shown": "http://127.0.0.1:9/pkg.tar.gz"}
    error = error_of(store, script, apply_params(ARCHIVE, source=source))
    assert error["message"].startswith("Downloading http://127.0.0.1:9/pkg.tar.gz failed: ")
    assert "throw ('Downloading {0} failed: {1}'" in position_line(script, error["position"])


SCRIPT = (
    "# wcow.buildkit operation: release_archive_apply\n"
    "$ErrorActionPreference = 'Stop'\n"
    "if ($a) {{ throw ('dest {{0}} expands to {{1}}, which is not a directory below a drive root.' -f $p, $e) }}\n"
    "{second}\n"
)


def test_no_position_when_several_throws_can_have_made_the_message(store):
    twice = SCRIPT.format(second="throw \"dest $Path expands to $($x.y), which is not a directory below a drive root.\"")
    error = error_of(store, twice, apply_params(ARCHIVE, dest="%NoSuchVariable%\\pkg"))
    assert error["message"].startswith("dest %NoSuchVariable%\\pkg expands to")
    assert error["position"] == ""
    once = SCRIPT.format(second="throw 'something else'")
    assert error_of(store, once, apply_params(ARCHIVE, dest="%NoSuchVariable%\\pkg"))["position"].startswith(
        "At line:3 char:11\r\n")


def test_no_position_when_no_throw_can_have_made_the_message(store):
    script = SCRIPT.format(second="throw $failure").replace("dest {0}", "target {0}")
    assert error_of(store, script, apply_params(ARCHIVE, dest="%NoSuchVariable%\\pkg"))["position"] == ""
