"""Mistakes caught before a host changes, and failures that say what to do: the preflight of the role variables on the
site and uninstall playbooks, a boolean given as a string, and connection failures with a hint."""

from __future__ import annotations

import json
import socket

import pytest
import yaml

from demo import artifacts
from winsim.fleet import HostSpec
from winsim.windows import scm

PREFLIGHT = 'wcow.buildkit.preflight : Check the role variables before anything reaches the host'
PENDING = 'wcow.buildkit.windows_containers : Fail when the features still wait for a restart that is not allowed'


def playbook(name):
    return [{'import_playbook': 'wcow.buildkit.%s' % name}]


def vars_file(tmp_path, name, values):
    path = tmp_path / name
    path.write_text(json.dumps(values))
    return ['-e', '@%s' % path]


def assert_refused_untouched(run, fleet, host, before, words):
    assert run.rc != 0
    refused = run.task(host, PREFLIGHT)
    assert refused['status'] == 'failed', run.output
    for word in words:
        assert word in refused['result']['msg'], (word, refused['result']['msg'])
    assert 'argument_spec_data' not in run.output
    role_tasks = [r['task'] for r in run.for_host(host) if r['task'].startswith('wcow.buildkit.')]
    assert role_tasks and all(t.startswith('wcow.buildkit.preflight : ') for t in role_tasks), 'nothing after it ran'
    assert fleet.counters(host)['requests_total'] == 0, 'no WinRM request reached the host'
    assert fleet.store(host).read() == before


@pytest.mark.every_core
def test_every_mistake_is_reported_at_once_before_any_host_is_touched(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022'))
    before = fleet.store('ws2022').read()
    fleet.reset_counters()
    site = ansible.playbook(tmp_path, fleet.inventory_path, playbook('site'), extra_args=vars_file(
        tmp_path, 'mistakes.json', dict(
            wcow_buildkit_checksun='sha256:' + 'ab' * 32,
            wcow_allow_reboot='maybe',
            wcow_buildkit_extra_args=['--bogus'],
            wcow_cni_nat_subnet='172.20.0.1/16',
            wcow_containerd_checksum='sha256:1234')))
    assert_refused_untouched(site, fleet, 'ws2022', before, [
        'buildkit_host (main) have 6 problems',
        'wcow_buildkit_checksum: required, and not set',
        'wcow_buildkit_checksun: no role of wcow.buildkit reads this variable; did you mean wcow_buildkit_checksum?',
        'wcow_allow_reboot: must be a bool',
        'wcow_buildkit_extra_args: flag provided but not defined: -bogus',
        'wcow_cni_nat_subnet: ', 'host bits set',
        'wcow_containerd_checksum: must be sha256:<64 hexadecimal digits>',
    ])

    # The uninstall entry point of the same role: its own variables, no checksum needed.
    uninstall = ansible.playbook(tmp_path, fleet.inventory_path, playbook('uninstall'),
                                 extra_args=['-e', 'wcow_uninstall_remove_data=perhaps'])
    assert_refused_untouched(uninstall, fleet, 'ws2022', before, [
        'buildkit_host (uninstall) have 1 problem', 'wcow_uninstall_remove_data: must be a bool'])


def test_allow_reboot_false_given_as_a_string_stops_before_containerd(ansible, start_fleet, artifact_server,
                                                                      tmp_path):
    fleet = start_fleet(HostSpec('ws2019', 'ws2019'))
    published = artifacts.archives()
    for path, data in published.items():
        artifact_server.publish(path, data)
    boots = fleet.store('ws2019').read()['boot']['count']
    site_vars = vars_file(tmp_path, 'site.json', artifacts.extra_vars(artifact_server.base_url, published))
    # -e key=value gives the string "false", which Jinja2 reads as true unless the role says `| bool`.
    run = ansible.playbook(tmp_path, fleet.inventory_path, playbook('site'),
                           extra_args=site_vars + ['-e', 'wcow_allow_reboot=false'])
    assert run.rc != 0
    assert run.task('ws2019', PREFLIGHT)['status'] == 'ok'
    assert run.task('ws2019', PENDING)['status'] == 'failed', run.output
    state = fleet.store('ws2019').read()
    assert state['features']['Containers'] == 'EnablePending' and state['boot']['count'] == boots
    assert scm.find(state, 'containerd') is None, 'containerd was not installed'


def closed_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


@pytest.mark.every_core
def test_connection_failures_come_with_a_hint(ansible, start_fleet, tmp_path):
    fleet = start_fleet(HostSpec('ws2022', 'ws2022'))
    inventory = yaml.safe_load(fleet.inventory_path.read_text())
    hosts = inventory['all']['children']['wcow_buildkit_hosts']['hosts']
    good = hosts['ws2022']
    hosts.update({
        'https_to_http': dict(good, ansible_winrm_scheme='https'),
        'bad_password': dict(good, ansible_password='not-the-password'),
        'nothing_there': dict(good, ansible_port=closed_port()),
    })
    path = tmp_path / 'inventory-mistakes.yml'
    path.write_text(yaml.safe_dump(inventory))
    run = ansible.module(tmp_path, path, 'wcow.buildkit.wcow_facts', {'gather': ['os']})
    assert run.task('ws2022', 'module')['status'] == 'ok', run.output
    for host, words in [('https_to_http', ['WRONG_VERSION_NUMBER', 'Hint:', 'answered with plain HTTP']),
                        ('bad_password', ['credentials were rejected', 'Hint:', 'ansible_winrm_transport']),
                        ('nothing_there', ['Hint:', 'WinRM listener', 'firewall'])]:
        result = run.task(host, 'module')
        assert result['status'] == 'unreachable', (host, result)
        for word in words:
            assert word in result['result']['msg'], (host, word, result['result']['msg'])
