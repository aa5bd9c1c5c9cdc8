"""Fleets: many hosts from one background process, the CLI, and ansible-core end to end."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from winrm.exceptions import InvalidCredentialsError

from winsim.fleet import Fleet, FleetError, HostSpec

pytestmark = pytest.mark.slow
WINSIM_SRC = Path(__file__).resolve().parents[1] / "src"


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(WINSIM_SRC), env.get("PYTHONPATH")) if p)
    done = subprocess.run([sys.executable, "-m", "winsim", *args], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def answers(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def fleet(tmp_path, stub_modules, stub_pythonpath):
    started = Fleet(tmp_path / "fleet", plugins=["winsim_stubs"]).start([
        HostSpec("alpha", "ws2019", containers=True),
        HostSpec("beta", "ws2022", password="Other-Passw0rd", latency_ms=1),
    ])
    yield started
    started.stop()


def test_start_serves_every_host_with_a_fresh_state_file(fleet):
    hosts = {h["name"]: h for h in fleet.config()["hosts"]}
    assert set(hosts) == {"alpha", "beta"} and hosts["alpha"]["port"] != hosts["beta"]["port"]
    assert all(answers(h["port"]) for h in hosts.values())
    assert fleet.store("alpha").read() == {"profile": "ws2019", "options": {"containers": True}}
    assert (hosts["alpha"]["latency_ms"], hosts["beta"]["latency_ms"]) == (0, 1)
    assert fleet.running()
    with pytest.raises(FleetError, match="already running"):
        fleet.start([HostSpec("gamma", "ws2025")])


def test_inventory_in_yaml_and_ini(fleet):
    yaml = pytest.importorskip("yaml")
    port = fleet.host("alpha")["port"]
    hosts = yaml.safe_load(fleet.inventory())["all"]["children"]["windows"]["hosts"]
    assert hosts["alpha"] == {
        "ansible_host": "127.0.0.1", "ansible_port": port, "ansible_user": "Administrator",
        "ansible_password": "Winsim-Passw0rd", "ansible_connection": "winrm", "ansible_winrm_transport": "basic",
        "ansible_winrm_scheme": "http", "ansible_winrm_server_cert_validation": "ignore",
    }
    assert hosts["beta"]["ansible_password"] == "Other-Passw0rd"
    ini = fleet.inventory("ini").splitlines()
    assert ini[0] == "[windows]"
    assert ini[1].startswith(f"alpha ansible_host=127.0.0.1 ansible_port={port} ansible_user=Administrator ")
    assert fleet.write_inventory().read_text() == fleet.inventory()
    grouped = yaml.safe_load(fleet.inventory(group="build_hosts"))["all"]["children"]
    assert list(grouped) == ["build_hosts"] and set(grouped["build_hosts"]["hosts"]) == {"alpha", "beta"}
    assert fleet.inventory("ini", group="build_hosts").splitlines()[0] == "[build_hosts]"


def test_each_host_has_its_credentials_and_counters(fleet, ws):
    alpha, beta = (f"http://127.0.0.1:{fleet.host(n)['port']}/wsman" for n in ("alpha", "beta"))
    assert ws.run(ws.protocol(alpha), ws.runner_line("ECHO from alpha")) == (b"from alpha\r\n", b"", 0)
    with pytest.raises(InvalidCredentialsError):
        ws.protocol(beta).open_shell()
    assert ws.run(ws.protocol(beta, password="Other-Passw0rd"), ws.runner_line("EXIT 4"))[2] == 4

    every = fleet.counters()
    assert every["alpha"]["requests_total"] == 5 and every["alpha"]["powershell_executions"] == 1
    assert every["beta"]["requests"]["Unauthorized"] == 1 and every["beta"]["latency_ms"] == 1
    fleet.reset_counters("alpha")
    assert fleet.counters("alpha")["requests_total"] == 0
    assert fleet.counters("beta")["requests_total"] == 6


def test_state_changed_by_hand_reaches_the_served_host(fleet, ws):
    directory = str(fleet.dir)
    assert json.loads(cli("state", "--dir", directory, "alpha").stdout)["profile"] == "ws2019"
    cli("state", "--dir", directory, "alpha", "--set", "options.containers=false",
        "--set", 'files[C:\\Program Files\\x.toml]={"content": "hi"}')
    alpha = ws.protocol(f"http://127.0.0.1:{fleet.host('alpha')['port']}/wsman")
    served = json.loads(ws.run(alpha, ws.runner_line("STATE"))[0])
    assert served["options"] == {"containers": False}
    assert served["files"] == {"C:\\Program Files\\x.toml": {"content": "hi"}}

    cli("state", "--dir", directory, "alpha", "--delete", "files[C:\\Program Files\\x.toml]")
    assert fleet.store("alpha").read()["files"] == {}
    refused = cli("state", "--dir", directory, "alpha", "--set", "options.containers=yes please", check=False)
    assert refused.returncode == 1 and "not JSON" in refused.stderr
    assert fleet.store("alpha").read()["options"] == {"containers": False}
    missing = cli("state", "--dir", directory, "alpha", "--delete", "no.such.key", check=False)
    assert missing.returncode == 1 and "no key" in missing.stderr


def test_cli_counters_and_latency(fleet):
    directory = str(fleet.dir)
    assert json.loads(cli("counters", "--dir", directory, "alpha").stdout)["requests_total"] == 0
    assert set(json.loads(cli("counters", "--dir", directory).stdout)) == {"alpha", "beta"}
    cli("latency", "--dir", directory, "25", "alpha")
    assert (fleet.counters("alpha")["latency_ms"], fleet.counters("beta")["latency_ms"]) == (25, 1)
    cli("latency", "--dir", directory, "0")
    assert fleet.counters("beta")["latency_ms"] == 0


def test_cli_start_returns_when_ports_answer_and_stop_ends_the_process(tmp_path, stub_pythonpath):
    directory = str(tmp_path / "cli-fleet")
    started = cli("start", "--dir", directory, "--host", "one:ws2019,containers=true,max_shells_per_user=2",
                  "--host", "two:ws2025,password=Pw-2", "--latency-ms", "5")
    try:
        config = json.loads((Path(directory) / "fleet.json").read_text())
        ports = [h["port"] for h in config["hosts"]]
        assert all(answers(p) for p in ports)
        assert started.stdout.splitlines() == [f"one 127.0.0.1:{ports[0]} (ws2019)",
                                               f"two 127.0.0.1:{ports[1]} (ws2025)"]
        assert config["hosts"][0]["options"] == {"containers": True}
        assert config["hosts"][0]["limits"]["max_shells_per_user"] == 2
        assert (config["hosts"][1]["password"], config["hosts"][1]["latency_ms"]) == ("Pw-2", 5)
        assert "ansible_port: %d" % ports[1] in cli("inventory", "--dir", directory).stdout
        again = cli("start", "--dir", directory, "--host", "one:ws2019", check=False)
        assert again.returncode == 1 and "already running" in again.stderr
    finally:
        cli("stop", "--dir", directory)
    assert not any(answers(p) for p in ports)
    assert not (Path(directory) / "serve.pid").exists()
    cli("stop", "--dir", directory)


def test_the_real_host_model_serves_behind_the_fleet(tmp_path, ws):
    pytest.importorskip("winsim.host.powershell")
    with Fleet(tmp_path / "real").start([HostSpec("real", "ws2022")]) as real:
        assert isinstance(json.loads(cli("state", "--dir", str(real.dir), "real").stdout), dict)
        stdout, stderr, rc = ws.run(ws.protocol(f"http://127.0.0.1:{real.host('real')['port']}/wsman"),
                                    ws.runner_line("Get-Date"))
        assert rc == 1 and stderr.startswith(b"#< CLIXML")
        assert real.counters("real")["powershell_executions"] == 1


def _ansible_bindirs() -> list[str]:
    configured = os.environ.get("WCOW_ANSIBLE_BINDIRS", "").split()
    found = [d for d in configured or [str(Path(sys.executable).parent)] if (Path(d) / "ansible").exists()]
    return found or ["(no ansible found)"]


@pytest.mark.parametrize("bindir", _ansible_bindirs())
def test_ansible_core_winrm_connection_end_to_end(fleet, tmp_path, bindir, ws):
    if not (Path(bindir) / "ansible").exists():
        pytest.skip("no ansible executable (set WCOW_ANSIBLE_BINDIRS)")
    inventory = fleet.write_inventory(tmp_path / "inventory.yml")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(ANSIBLE_HOME=str(tmp_path / "ansible-home"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")

    def ansible(*args):
        return subprocess.run([str(Path(bindir) / "ansible"), "all", "-i", str(inventory), *args],
                              capture_output=True, text=True, env=env, cwd=tmp_path, timeout=180, check=False)

    # A raw line is encoded by the plugin; the runner's line goes out in the
    # version's own shape (2.18 encodes it again, 2.19 splits it, 2.21 sends it whole).
    for line in ("ECHO hello from raw", ws.runner_line("ECHO hello from raw")):
        done = ansible("-m", "raw", "-a", line)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.count("hello from raw") == 2
    assert fleet.counters("alpha")["powershell_executions"] == 2

    rejected = ansible("-m", "raw", "-a", "ECHO x", "-e", "ansible_password=wrong")
    assert rejected.returncode != 0
    assert "UNREACHABLE" in rejected.stdout
    assert "the specified credentials were rejected by the server" in rejected.stdout
