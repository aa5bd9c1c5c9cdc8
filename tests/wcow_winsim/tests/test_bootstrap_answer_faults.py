"""A fault on an operation spoils the answer of the command whose bootstrap runs it, and no other:
the plug-in names the operation and its parameters, the listener (winsim.transport.answer_faults) acts."""

from __future__ import annotations

import base64
import json

import pytest
from winrm.exceptions import WSManFaultError

from winsim.host import faults
from winsim.host.store import HostStore
from winsim.transport.server import HostServer
from winsim.windows import files

BOOTSTRAP = "# wcow.buildkit bootstrap\n$ErrorActionPreference = 'Stop'\n"
CONF = "C:\\ProgramData\\app\\app.conf"


def file_write(ws, proto, path):
    params = {"path": path, "content": "x", "content_encoding": "text", "backup": False}
    document = {"operation": "file_write", "script": "# wcow.buildkit operation: file_write\n", "params": params}
    return ws.run(proto, ws.runner_line(BOOTSTRAP), stdin=base64.b64encode(json.dumps(document).encode()) + b"\r\n")


@pytest.fixture
def host(tmp_path):
    store = HostStore.create(tmp_path / "ws2022.json", "ws2022")
    with HostServer("ws2022", store, plugins=["wcow_winsim"]) as server:
        yield server


def test_http_500_hits_only_the_operation_and_match_it_names(host, ws):
    faults.set_faults(host.store.path, [{"kind": "http_500", "operation": "file_write", "match": {"path": CONF}}])
    proto = ws.protocol(host)
    stdout, stderr, rc = file_write(ws, proto, CONF + ".other")
    assert (rc, stderr) == (0, b""), stdout
    with pytest.raises(WSManFaultError) as raised:
        file_write(ws, proto, CONF)
    assert (raised.value.code, raised.value.wsman_fault_code) == (500, 995)
    # The host ran it all the same: only the answer was lost.
    assert files.read_bytes(host.store.read(), CONF) == b"x"
