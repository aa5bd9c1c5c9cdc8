"""`pip install` of this folder into an empty virtualenv gives a `python -m winsim` that serves a host."""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

import pytest

from winsim import client

PACKAGE = Path(__file__).resolve().parents[1]
# A plug-in as a user would write one: it knows one script.
ECHO_PLUGIN = '''
import re

from winsim.plugin import ProcessResult


def invoke(script, stdin):
    match = re.fullmatch(r"Write-Output '([^']*)'", script.strip())
    return ProcessResult((match.group(1) + "\\r\\n").encode()) if match else None
'''

pytestmark = pytest.mark.slow


def test_pip_install_into_an_empty_virtualenv_serves_a_host_with_a_plugin(tmp_path):
    # Nothing of this checkout or of the running Python may leak in.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(tmp_path / "venv")
    python = str(tmp_path / "venv" / "bin" / "python")

    def run(*args, **kwargs):
        done = subprocess.run([python, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
                              check=False, **kwargs)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run("-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(PACKAGE))
    installed = run("-c", "import winsim; print(winsim.__file__)").strip()
    assert Path(installed).is_relative_to(tmp_path / "venv"), installed
    assert run("-c", "import importlib.util; print(importlib.util.find_spec('winrm'))").strip() == "None"

    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "echo_plugin.py").write_text(ECHO_PLUGIN)
    env["PYTHONPATH"] = str(plugins)
    fleet = str(tmp_path / "fleet")
    started = run("-m", "winsim", "start", "--dir", fleet, "--plugin", "echo_plugin", "--host", "one:ws2022")
    try:
        name, address, profile = started.split()
        assert (name, profile) == ("one", "(ws2022)")
        proto = client.protocol(f"http://{address}/wsman")
        assert client.run(proto, client.powershell_line("Write-Output 'hello'")) == (b"hello\r\n", b"", 0)
        stdout, stderr, rc = client.run(proto, client.powershell_line("Get-Date"))
        assert (stdout, rc) == (b"", 1) and stderr.startswith(b"#< CLIXML") and b"WinSimUnrecognisedScript" in stderr
        assert "ansible_connection: \"winrm\"" in run("-m", "winsim", "inventory", "--dir", fleet)
    finally:
        run("-m", "winsim", "stop", "--dir", fleet)
