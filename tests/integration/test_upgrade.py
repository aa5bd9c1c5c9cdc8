"""The upgrade playbook on a converged fleet: a version whose buildkitd does not start is rolled back on the first
host and the rollout stops there; a good version is rolled out, and a second run changes nothing."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

from demo import artifacts
from winsim.fleet import HostSpec
from winsim.programs import fake_binary
from winsim.windows import files, scm

HOSTS = ('ws2019', 'ws2022')
BUILDKITD = 'C:\\Program Files\\buildkit\\buildkitd.exe'
GOOD = 'v0.24.0'
BROKEN = 'v0.24.1'
FAILED_TASK = 'wcow.buildkit.buildkit : Fail the host, rolled back'
PLAN_TASK = 'wcow.buildkit.buildkit : Find out whether the installed BuildKit binaries are the wanted ones'
UPGRADE = [{'import_playbook': 'wcow.buildkit.upgrade'}]


def buildkit_archive(version, buildkitd):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as archive:
        for name, data in (('bin/buildctl.exe', fake_binary('buildctl', version)), ('bin/buildkitd.exe', buildkitd)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write_vars(tmp_path, name, values):
    path = tmp_path / name
    path.write_text(json.dumps(values))
    return ['-e', '@%s' % path]


def new_version(artifact_server, tmp_path, version, buildkitd, **extra):
    data = buildkit_archive(version, buildkitd)
    url = artifact_server.publish('%s/buildkit-%s.windows-amd64.tar.gz' % (version, version), data)
    return write_vars(tmp_path, 'upgrade-%s.json' % version, dict(
        wcow_buildkit_version=version, wcow_buildkit_url=url,
        wcow_buildkit_checksum='sha256:' + hashlib.sha256(data).hexdigest(), **extra))


def buildkitd_service(fleet, host):
    state = fleet.store(host).read()
    service = state['services'][scm.find(state, 'buildkitd')]
    return dict(service, content=files.read_bytes(state, BUILDKITD))


def registration(service):
    return {key: service[key] for key in ('ImagePath', 'Start', 'DependOnService', 'DelayedAutostart')}


def test_upgrade_rolls_back_a_broken_version_then_rolls_out_a_good_one(ansible, start_fleet, artifact_server,
                                                                       tmp_path):
    fleet = start_fleet(*(HostSpec(name, name, containers=True) for name in HOSTS))
    published = artifacts.archives()
    for path, data in published.items():
        artifact_server.publish(path, data)
    site_vars = write_vars(tmp_path, 'site.json', artifacts.extra_vars(artifact_server.base_url, published))
    site = ansible.playbook(tmp_path, fleet.inventory_path, [{'import_playbook': 'wcow.buildkit.site'}],
                            extra_args=site_vars)
    assert site.rc == 0, site.output
    before = {host: buildkitd_service(fleet, host) for host in HOSTS}
    assert all(service['State'] == 'Running' for service in before.values())

    # The new version is registered with a flag that makes buildkitd exit at start ("no worker found"): it exits
    # before it connects to the SCM, so starting the service fails with 1053 ("The service did not respond to the
    # start or control request in a timely fashion") and the service stays stopped (winsim/windows/processes.py
    # launch_service, dotnet/runtime#77861). The rollback must also put the previous flags back.
    broken = new_version(artifact_server, tmp_path, BROKEN, fake_binary('buildkitd', BROKEN),
                         wcow_buildkit_extra_args=['--containerd-worker=false'],
                         wcow_upgrade_serial=1, wcow_upgrade_max_fail_percentage=0)
    fleet.reset_counters()
    run = ansible.playbook(tmp_path, fleet.inventory_path, UPGRADE, extra_args=broken)
    assert run.rc != 0
    failed = run.task('ws2019', FAILED_TASK)
    assert failed['status'] == 'failed', run.output
    message = failed['result']['msg']
    assert 'BuildKit upgrade to %s failed on ws2019' % BROKEN in message
    assert 'rolled back to %s' % artifacts.BUILDKIT in message and '1053' in message
    after = buildkitd_service(fleet, 'ws2019')
    assert after['State'] == 'Running', 'buildkitd runs again'
    assert after['content'] == before['ws2019']['content'], 'the previous buildkitd.exe is back'
    assert registration(after) == registration(before['ws2019']), 'and its registration'
    assert run.task('ws2019', 'wcow.buildkit.buildkit : Ask the restored buildkitd for its version')['result'][
        'version'] == artifacts.BUILDKIT
    assert run.for_host('ws2022') == [], 'max_fail_percentage=0 stops the rollout after the first host'
    assert fleet.counters('ws2022')['powershell_executions'] == 0
    assert buildkitd_service(fleet, 'ws2022') == before['ws2022']

    good = new_version(artifact_server, tmp_path, GOOD, fake_binary('buildkitd', GOOD), wcow_upgrade_serial='50%')
    run = ansible.playbook(tmp_path, fleet.inventory_path, UPGRADE, extra_args=good)
    assert run.rc == 0, run.output
    assert run.changed_hosts == list(HOSTS)
    for host in HOSTS:
        plan = run.task(host, PLAN_TASK)
        assert plan['status'] == 'ok' and plan['result']['changed'] is False, 'a read-only step: %r' % plan
        assert plan['result']['up_to_date'] is False
        info = run.task(host, 'wcow.buildkit.buildkit : Ask the new buildkitd for its version')['result']
        assert info['version'] == GOOD
        service = buildkitd_service(fleet, host)
        assert service['State'] == 'Running' and service['content'] == fake_binary('buildkitd', GOOD)
        replaced = run.task(host, 'wcow.buildkit.buildkit : Replace the BuildKit binaries, keeping the installed ones '
                                  'to roll back to')['result']
        assert replaced['changed_files'] == ['buildctl.exe', 'buildkitd.exe']
        assert replaced['previous_version'] == artifacts.BUILDKIT

    fleet.reset_counters()
    again = ansible.playbook(tmp_path, fleet.inventory_path, UPGRADE, extra_args=good)
    assert again.rc == 0, again.output
    assert again.changed_hosts == [], 'a second upgrade run changes nothing'
    for host in HOSTS:
        assert fleet.counters(host)['powershell_executions'] == 1, 'one read: the binaries are the wanted ones'
        plan = again.task(host, PLAN_TASK)
        assert plan['status'] == 'ok' and plan['result']['up_to_date'] is True, plan

    # The version lives in one place. A site run with the version the hosts had before the upgrade refuses to go
    # back, on every host, before anything changes; with the upgraded version in its variables site changes
    # nothing and verify expects that version without being told; wcow_allow_downgrade goes back.
    fleet.reset_counters()
    refused = ansible.playbook(tmp_path, fleet.inventory_path, [{'import_playbook': 'wcow.buildkit.site'}],
                               extra_args=site_vars)
    assert refused.rc != 0
    for host in HOSTS:
        install = refused.task(host, 'wcow.buildkit.buildkit : Install buildctl and buildkitd from the BuildKit '
                                     'release archive')
        assert install['status'] == 'failed', refused.output
        assert 'buildkit %s is installed' % GOOD in install['result']['msg']
        assert 'newer than the version %s' % artifacts.BUILDKIT in install['result']['msg']
        assert 'wcow_allow_downgrade=true' in install['result']['msg']
        assert buildkitd_service(fleet, host)['content'] == fake_binary('buildkitd', GOOD), 'nothing changed'
    assert refused.changed_hosts == []

    converged = ansible.playbook(tmp_path, fleet.inventory_path, [{'import_playbook': 'wcow.buildkit.site'},
                                                                  {'import_playbook': 'wcow.buildkit.verify'}],
                                 extra_args=site_vars + good)
    assert converged.rc == 0, converged.output
    assert converged.changed_hosts == []
    for host in HOSTS:
        assert converged.task(host, 'wcow.buildkit.buildkit_verify : Check the version buildkitd reports')[
            'status'] == 'ok'

    back = ansible.playbook(tmp_path, fleet.inventory_path, [{'import_playbook': 'wcow.buildkit.site'}],
                            extra_args=site_vars + ['-e', 'wcow_allow_downgrade=true', '-e', 'wcow_hosts=ws2019'])
    assert back.rc == 0, back.output
    assert back.changed_hosts == ['ws2019']
    assert buildkitd_service(fleet, 'ws2019')['content'] == fake_binary('buildkitd', artifacts.BUILDKIT)
    assert buildkitd_service(fleet, 'ws2022')['content'] == fake_binary('buildkitd', GOOD)
