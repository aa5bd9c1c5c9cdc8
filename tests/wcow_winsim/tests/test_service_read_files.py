"""service_read's optional read_files: the bytes of files read in the same round trip."""

import base64
import json
from pathlib import Path

from wcow_winsim import run_powershell
from winsim.host.store import HostStore
from winsim.windows import files

POWERSHELL = Path(__file__).resolve().parents[3] / "plugins" / "plugin_utils" / "powershell"
CONFIG = "C:\\Program Files\\containerd\\config.toml"


def service_read(store, params):
    document = {"operation": "service_read", "script": (POWERSHELL / "service_read.ps1").read_text(encoding="utf-8"),
                "params": params}
    result = run_powershell(store, "# wcow.buildkit bootstrap\r\n", base64.b64encode(json.dumps(document).encode()) + b"\r\n")
    return result.rc, json.loads(result.stdout.decode("utf-8"))


def test_files_are_read_with_environment_variables_expanded(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022", containers=True)
    with store.transaction() as state:
        files.ensure_dir(state, "C:\\Program Files\\containerd")
        files.write_bytes(state, CONFIG, b"version = 3\n")
    rc, result = service_read(store, {"names": [], "probe_versions": [],
                                      "read_files": ["%ProgramFiles%\\containerd\\config.toml", "C:\\missing.toml",
                                                     "C:\\Program Files\\containerd"]})
    assert rc == 0
    assert result["files"] == [
        {"path": CONFIG, "exists": True, "content_b64": base64.b64encode(b"version = 3\n").decode()},
        {"path": "C:\\missing.toml", "exists": False, "content_b64": None},
        # [IO.File]::Exists is false for a directory.
        {"path": "C:\\Program Files\\containerd", "exists": False, "content_b64": None},
    ]


def test_read_files_is_optional(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022", containers=True)
    rc, result = service_read(store, {"names": ["containerd"], "probe_versions": []})
    assert rc == 0 and result["files"] == [] and result["services"][0]["exists"] is False


def test_read_files_must_be_strings(tmp_path):
    store = HostStore.create(tmp_path / "h.json", "ws2022", containers=True)
    rc, result = service_read(store, {"names": [], "probe_versions": [], "read_files": [3]})
    assert rc == 1 and "read_files" in result["wcow_error"]["message"]
