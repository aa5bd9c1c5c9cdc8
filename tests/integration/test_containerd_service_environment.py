"""service_environment of containerd_service on simulated Server 2019 and 2022 hosts (one fleet, one playbook
run per step): check mode, the value written and given to the restarted process, a second run unchanged, a
hand edit found and corrected, bad input refused before the host, proxy credentials kept out of results."""

from __future__ import annotations

import json

import pytest

from winsim.fleet import HostSpec
from winsim.programs import fake_binary
from winsim.windows import files, scm

MODULE = 'wcow.buildkit.containerd_service'
HOSTS = ('ws2019', 'ws2022')
BINARY = 'C:\\Program Files\\containerd\\bin\\containerd.exe'
LOG = 'C:\\ProgramData\\containerd\\containerd.log'
SECRET = 's3cret-Pa55'
PROXY = 'http://builder:%s@proxy.example.com:3128' % SECRET
ENVIRONMENT = {'HTTPS_PROXY': PROXY, 'NO_PROXY': 'localhost,127.0.0.1'}
ARGS = dict(version='2.1.4', log_file=LOG, log_level='info')
WRITTEN = ['HTTPS_PROXY=%s' % PROXY, 'NO_PROXY=localhost,127.0.0.1']


@pytest.fixture
def fleet(start_fleet):
    fleet = start_fleet(*(HostSpec(name, name, containers=True) for name in HOSTS))
    for name in HOSTS:
        with fleet.store(name).transaction() as state:
            files.ensure_dir(state, 'C:\\Program Files\\containerd\\bin')
            files.write_bytes(state, BINARY, fake_binary('containerd', 'v2.1.4'))
    return fleet


def run(ansible, fleet, tmp_path, args, check=False):
    outcome = ansible.module(tmp_path, fleet.inventory_path, MODULE, args, check=check, diff=True)
    return {name: outcome.task(name, 'module') for name in HOSTS}


def service(fleet, name):
    state = fleet.store(name).read()
    return state['services'][scm.find(state, 'containerd')]


def test_environment_check_apply_again_drift_and_secrets(ansible, fleet, tmp_path):
    run(ansible, fleet, tmp_path, ARGS)
    pids = {name: service(fleet, name)['ProcessId'] for name in HOSTS}
    wanted = dict(ARGS, service_environment=ENVIRONMENT)

    checked = run(ansible, fleet, tmp_path, wanted, check=True)
    for name in HOSTS:
        result = checked[name]['result']
        assert result['changed'] is True and result['changes'] == ['set the environment', 'restart the service']
        assert 'environment: {}' in result['diff'][0]['before']
        assert 'proxy.example.com' in result['diff'][0]['after'] and SECRET not in json.dumps(checked[name])
        assert 'Environment' not in service(fleet, name), 'check mode must not touch the host'

    applied = run(ansible, fleet, tmp_path, wanted)
    for name in HOSTS:
        result = applied[name]['result']
        assert result['changed'] is True and result['actions'] == ['environment set', 'stopped', 'started']
        assert result['service']['environment'] == {'HTTPS_PROXY': 'http://********@proxy.example.com:3128',
                                                    'NO_PROXY': 'localhost,127.0.0.1'}
        assert SECRET not in json.dumps(applied[name])
        live = service(fleet, name)
        assert live['Environment'] == WRITTEN
        assert live['ProcessId'] != pids[name] and live['ProcessEnvironment'] == WRITTEN, 'restarted once with it'

    again = run(ansible, fleet, tmp_path, wanted)
    assert all(again[name]['result']['changed'] is False for name in HOSTS)

    # By hand: a variable added on one host, the proxy changed on the other.
    with fleet.store('ws2019').transaction() as state:
        state['services'][scm.find(state, 'containerd')]['Environment'] = WRITTEN + ['GODEBUG=http2client=0']
    with fleet.store('ws2022').transaction() as state:
        by_hand = ['HTTPS_PROXY=http://other:3128', WRITTEN[1]]
        state['services'][scm.find(state, 'containerd')]['Environment'] = by_hand
    drift = run(ansible, fleet, tmp_path, wanted, check=True)
    assert "'GODEBUG': 'http2client=0'" in drift['ws2019']['result']['diff'][0]['before']
    assert 'http://other:3128' in drift['ws2022']['result']['diff'][0]['before']
    assert all(drift[name]['result']['changes'] == ['set the environment', 'restart the service'] for name in HOSTS)
    fixed = run(ansible, fleet, tmp_path, wanted)
    assert all(fixed[name]['result']['changed'] is True and service(fleet, name)['Environment'] == WRITTEN
               for name in HOSTS)

    # {} removes the value.
    cleared = run(ansible, fleet, tmp_path, dict(ARGS, service_environment={}))
    assert all(cleared[name]['result']['changed'] is True and 'Environment' not in service(fleet, name)
               for name in HOSTS)


@pytest.mark.parametrize('environment, words', [
    ({'NO=PROXY': 'x'}, '"="'),
    ({'HTTPS_PROXY': 3128}, 'must be a string'),
    ({'HTTP_PROXY': 'a', 'http_proxy': 'b'}, 'same variable'),
])
def test_bad_environment_is_refused_before_the_host(ansible, fleet, tmp_path, environment, words):
    fleet.reset_counters()
    failed = run(ansible, fleet, tmp_path, dict(ARGS, service_environment=environment))
    for name in HOSTS:
        assert failed[name]['status'] == 'failed'
        assert 'service_environment' in failed[name]['result']['msg'] and words in failed[name]['result']['msg']
        assert fleet.counters(name)['powershell_executions'] == 0
