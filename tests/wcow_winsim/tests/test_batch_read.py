"""batch_read: several reads in one execution, each answered on its own."""

import base64
import gzip
import json

import pytest

from wcow_winsim import run_powershell
from wcow_winsim.operations import HANDLERS, PowerShellError
from winsim.host import profiles
from winsim.host.store import HostStore

BOOTSTRAP = "# wcow.buildkit bootstrap\r\n$ErrorActionPreference = 'Stop'\r\n"


def script(name):
    return f"# wcow.buildkit operation: {name}\n$ErrorActionPreference = 'Stop'\n"


def batch(items, scripts=None):
    """The stdin lines batch_read reads: base64 of the gzip of {snippets, scripts, items}, in two lines."""
    names = {item["operation"] for item in items}
    texts = {"snippets": "", "scripts": scripts if scripts is not None else {name: script(name) for name in names},
             "items": items}
    packed = gzip.compress(json.dumps(texts).encode("utf-8"), mtime=0)
    half = len(packed) // 2
    return base64.b64encode(packed[:half]) + b"\r\n" + base64.b64encode(packed[half:]) + b"\n"


@pytest.fixture
def state():
    return profiles.build_state("ws2022")


def test_each_item_is_answered_as_its_operation_alone_would(state):
    machine = {"scope": "machine", "path": "C:\\x"}
    user = {"scope": "user", "path": "C:\\y"}
    answer = HANDLERS["batch_read"](state, {}, batch([
        {"key": "m", "operation": "path_entry_read", "params": machine},
        {"key": "u", "operation": "path_entry_read", "params": user},
        {"key": "g", "operation": "local_group_read", "params": {"name": "Administrators", "members": []}},
    ]))
    results = answer["results"]
    assert set(results) == {"m", "u", "g"}
    assert results["m"] == {"result": HANDLERS["path_entry_read"](state, machine)}
    assert results["u"]["result"]["path_expanded"] == "C:\\y"
    assert results["g"] == {"result": HANDLERS["local_group_read"](state, {"name": "Administrators", "members": []})}


def test_an_item_that_throws_is_answered_with_its_error_and_the_others_still_run(state):
    answer = HANDLERS["batch_read"](state, {}, batch([
        {"key": "bad", "operation": "path_entry_read", "params": {"scope": "system", "path": "C:\\x"}},
        {"key": "good", "operation": "path_entry_read", "params": {"scope": "machine", "path": "C:\\x"}},
    ]))["results"]
    assert answer["bad"]["wcow_error"]["message"] == "Unknown scope system; expected machine or user."
    assert answer["bad"]["wcow_error"]["category"] == "OperationStopped"
    assert answer["good"]["result"]["kind"] == "ExpandString"


def test_a_missing_script_runs_an_empty_script_block(state):
    answer = HANDLERS["batch_read"](state, {}, batch(
        [{"key": "k", "operation": "path_entry_read", "params": {}}], scripts={}))
    assert answer == {"results": {"k": {"result": None}}}


@pytest.mark.parametrize("name", ["release_archive_apply", "no_such_operation", "batch_read"])
def test_a_script_it_cannot_model_fails_the_whole_batch(state, name):
    with pytest.raises(PowerShellError, match="no model of the batched script"):
        HANDLERS["batch_read"](state, {}, batch([{"key": "k", "operation": name, "params": {}}]))


def test_the_bootstrap_runs_a_batch_as_one_execution(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022", containers=True)
    stream = batch([{"key": "p", "operation": "path_entry_read", "params": {"scope": "machine", "path": "C:\\x"}}])
    document = {"operation": "batch_read", "script": script("batch_read"), "params": {}}
    result = run_powershell(store, BOOTSTRAP, base64.b64encode(json.dumps(document).encode()) + b"\n" + stream)
    assert result.rc == 0, result
    assert json.loads(result.stdout)["results"]["p"]["result"]["kind"] == "ExpandString"


@pytest.mark.parametrize("stream, message", [
    (b"not base64!\n", "not a valid Base-64 string"),
    (base64.b64encode(b"plain text") + b"\n", "magic number in GZip header"),
    (base64.b64encode(gzip.compress(b"{nope", mtime=0)) + b"\n", "Invalid JSON primitive"),
])
def test_what_does_not_unpack_fails_the_whole_batch(state, stream, message):
    with pytest.raises(PowerShellError, match=message):
        HANDLERS["batch_read"](state, {}, stream)
