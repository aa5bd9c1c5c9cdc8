"""The cni role on simulated Server 2019 and 2022 hosts: converge, again, follow a reboot, restart buildkitd."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

from winsim.fleet import HostSpec
from winsim.programs import fake_binary
from winsim.windows import boot, files

CONF = 'C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf'
NAT_EXE = 'C:\\Program Files\\containerd\\cni\\bin\\nat.exe'
HANDLER = 'wcow.buildkit.cni : Restart buildkitd after a CNI change'


def plugins_zip():
    """windows-container-networking-cni-amd64-v0.3.1.zip as released: the plugins at the top level."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        for plugin in ('nat.exe', 'sdnbridge.exe', 'sdnoverlay.exe'):
            archive.writestr(plugin, fake_binary('cni-plugin', 'v0.3.1'))
    return buffer.getvalue()


@pytest.fixture
def published(artifact_server):
    data = plugins_zip()
    url = artifact_server.publish('v0.3.1/windows-container-networking-cni-amd64-v0.3.1.zip', data)
    return dict(wcow_cni_plugins_url=url, wcow_cni_plugins_checksum='sha256:' + hashlib.sha256(data).hexdigest())


def play(variables):
    return [{'name': 'cni', 'hosts': 'all', 'gather_facts': False, 'vars': variables, 'roles': ['wcow.buildkit.cni']}]


def live_subnet(fleet, host):
    nat, = [n for n in fleet.store(host).read()['hns']['networks'] if n['Name'].lower() == 'nat']
    return nat['Subnets'][0]


def written_config(fleet, host):
    return json.loads(files.read_bytes(fleet.store(host).read(), CONF))


@pytest.mark.every_core
def test_converges_server_2019_and_2022_then_changes_nothing(ansible, start_fleet, tmp_path, published):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019', containers=True), HostSpec('ws2022', 'ws2022', containers=True))

    check = ansible.playbook(tmp_path, fleet.inventory_path, play(published), check=True)
    assert check.rc == 0, check.output
    assert sorted(check.changed_hosts) == ['ws2019', 'ws2022']
    assert not files.is_file(fleet.store('ws2022').read(), CONF), 'check mode must not write'

    first = ansible.playbook(tmp_path, fleet.inventory_path, play(published))
    assert first.rc == 0, first.output
    for host in ('ws2019', 'ws2022'):
        state = fleet.store(host).read()
        assert files.is_file(state, NAT_EXE)
        subnet = live_subnet(fleet, host)
        config = written_config(fleet, host)
        assert config['ipam']['subnet'] == subnet['AddressPrefix']
        assert config['ipam']['routes'][0]['gw'] == subnet['GatewayAddress']
    assert live_subnet(fleet, 'ws2019')['AddressPrefix'] == '172.20.0.0/16', 'created where missing'
    assert first.task('ws2022', HANDLER)['result']['exists'] is False, 'no buildkitd yet: the handler skips'

    second = ansible.playbook(tmp_path, fleet.inventory_path, play(published))
    assert second.rc == 0, second.output
    assert second.changed_hosts == []


def test_a_reboot_that_changes_the_nat_subnet_is_followed_on_the_next_run(ansible, start_fleet, tmp_path, published):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    assert ansible.playbook(tmp_path, fleet.inventory_path, play(published)).rc == 0
    before = live_subnet(fleet, 'ws2022')['AddressPrefix']
    with fleet.store('ws2022').transaction() as state:
        boot.reboot(state)
    after = live_subnet(fleet, 'ws2022')['AddressPrefix']
    assert after != before

    drift = ansible.playbook(tmp_path, fleet.inventory_path, play(published), check=True)
    assert drift.changed_hosts == ['ws2022']
    assert written_config(fleet, 'ws2022')['ipam']['subnet'] == before

    fixed = ansible.playbook(tmp_path, fleet.inventory_path, play(published))
    assert fixed.rc == 0, fixed.output
    assert written_config(fleet, 'ws2022')['ipam']['subnet'] == after
    assert ansible.playbook(tmp_path, fleet.inventory_path, play(published)).changed_hosts == []


def test_a_wrong_checksum_installs_nothing(ansible, start_fleet, tmp_path, published):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022', containers=True))
    wrong = dict(published, wcow_cni_plugins_checksum='sha256:' + '0' * 64)
    outcome = ansible.playbook(tmp_path, fleet.inventory_path, play(wrong))
    assert outcome.rc == 2
    assert 'checksum' in outcome.output.lower()
    state = fleet.store('ws2022').read()
    assert not files.is_file(state, NAT_EXE) and not files.is_file(state, CONF)
