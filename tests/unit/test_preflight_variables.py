"""The preflight's checks of the role variables (plugin_utils/_preflight), without ansible-playbook."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
import yaml

from ansible_collections.wcow.buildkit.plugins.plugin_utils._preflight import role_specs
from ansible_collections.wcow.buildkit.plugins.plugin_utils._preflight.value_checks import CHECKS, value_problem
from ansible_collections.wcow.buildkit.plugins.plugin_utils._preflight.variables import variable_problems

REPO = Path(__file__).resolve().parent.parent.parent
CHECKSUM = 'sha256:' + 'ab' * 32
SITE = [('buildkit_host', 'main')]


def defaults(role):
    return yaml.safe_load((REPO / 'roles' / role / 'defaults' / 'main.yml').read_text()) or {}


def all_options():
    return {name for role in role_specs.role_names() for spec in role_specs.entry_points(role).values()
            for name in (spec.get('options') or {})}


def named(problems, name):
    return [p for p in problems if p.startswith(name + ':')]


def test_every_checked_variable_is_a_role_variable():
    assert sorted(set(CHECKS) - all_options() - role_specs.HOST_VARIABLES) == []


def test_the_host_lock_timeout_is_known_and_checked():
    assert 'wcow_host_lock_timeout' in role_specs.known_names()
    assert 'whole number of seconds' in CHECKS['wcow_host_lock_timeout'](-5)
    assert CHECKS['wcow_host_lock_timeout'](60) is None


def test_the_gc_policy_is_checked_as_buildkitd_reads_it():
    check = CHECKS['wcow_buildkit_gc']
    assert check({}) is None
    assert check({'max_used_space': '50GB', 'policies': [{'keep_duration': '48h', 'filters': ['type==source.local']}]}) is None
    assert 'a duration such as 48h' in check({'policies': [{'keep_duration': '2 days'}]})
    assert 'more than the whole disk' in check({'min_free_space': '120%'})
    assert 'must be a dictionary' in check({'policies': ['48h']})


def test_the_firewall_remote_addresses_are_checked_as_buildkitd_service_reads_them():
    check = CHECKS['wcow_buildkit_firewall_remote_addresses']
    assert check([]) is None and check(['10.20.0.0/16', 'fd00::/8', '192.0.2.7']) is None
    assert 'not an IP address or a network' in check(['10.20.0.1/16'])
    assert 'not an IP address or a network' in check(['build-net'])


@pytest.mark.parametrize('role', ['buildkit', 'containerd', 'cni', 'buildkit_verify', 'windows_containers'])
def test_the_roles_defaults_pass_the_checks(role):
    values = defaults(role)
    rendered = {name: jinja2.Template(value).render(**values) if isinstance(value, str) else value
                for name, value in values.items()}
    assert {name: value_problem(name, value) for name, value in rendered.items() if value_problem(name, value)} == {}


def test_buildkit_host_main_covers_the_variables_of_the_roles_it_runs():
    options = role_specs.entry_point_options('buildkit_host', 'main')
    for role in ('windows_containers', 'containerd', 'cni', 'buildkit'):
        assert set(role_specs.entry_points(role)['main']['options']) <= set(options), role
    assert options['wcow_buildkit_checksum'].get('required') is True
    assert 'wcow_buildkit_checksum' not in role_specs.entry_point_options('buildkit_host', 'uninstall')
    with pytest.raises(role_specs.UnknownEntryPoint, match='main, uninstall'):
        role_specs.entry_point_options('buildkit_host', 'upgrade')


def test_a_missing_required_variable_is_named_with_what_it_must_be():
    assert variable_problems(SITE, {}) == [
        'wcow_buildkit_checksum: required, and not set (Expected SHA-256 of the archive, as sha256:<64 hexadecimal '
        'digits>, or provenance)']
    assert variable_problems([('buildkit_host', 'uninstall')], {}) == []


def test_every_problem_is_reported_at_once_with_its_variable():
    problems = variable_problems(SITE, {
        'wcow_buildkit_checksum': 'sha256:1234',
        'wcow_allow_reboot': 'maybe',
        'wcow_windows_containers_reboot_timeout': 'ten minutes',
        'wcow_buildkit_extra_args': ['--bogus'],
        'wcow_containerd_extra_args': ['--no-such-flag'],
        'wcow_cni_nat_subnet': '172.20.0.1/16',
        'wcow_containerd_url': 'ftp://example.com/containerd.tar.gz',
        'wcow_buildkit_mirror': 'mirror.example.com',
        'wcow_buildkit_install_dir': 'C:/buildkit',
        'wcow_buildkit_group': 'bad,group',
        'wcow_buildkit_group_members': ['ok', 'S-1-5-bad'],
        'wcow_containerd_version': 'v2.1.4',
        'wcow_buildkit_version': '0.23.2',
    })
    for name, words in [('wcow_buildkit_checksum', 'sha256:<64 hexadecimal digits>'),
                        ('wcow_allow_reboot', 'must be a bool'),
                        ('wcow_windows_containers_reboot_timeout', 'must be a int'),
                        ('wcow_buildkit_extra_args', 'bogus'),
                        ('wcow_containerd_extra_args', 'no-such-flag'),
                        ('wcow_cni_nat_subnet', 'host bits set'),
                        ('wcow_containerd_url', 'http:// or https://'),
                        ('wcow_buildkit_mirror', 'http:// or https://'),
                        ('wcow_buildkit_install_dir', 'backslashes'),
                        ('wcow_buildkit_group', 'bad,group'),
                        ('wcow_buildkit_group_members', 'S-1-5-bad'),
                        ('wcow_containerd_version', 'without the leading v'),
                        ('wcow_buildkit_version', 'leading v')]:
        found = named(problems, name)
        assert len(found) == 1 and words in found[0], (name, problems)
    assert len(problems) == 13, problems


@pytest.mark.parametrize('text', ['false', 'no', 'off', '0', 'true', 'yes'])
def test_booleans_given_as_strings_are_valid(text):
    assert variable_problems(SITE, {'wcow_buildkit_checksum': CHECKSUM, 'wcow_allow_reboot': text,
                                    'wcow_hyperv': text}) == []


def test_misspelt_variables_are_named_with_the_closest_known_name():
    problems = variable_problems(SITE, {
        'wcow_buildkit_checksum': CHECKSUM,
        'wcow_buildkit_checksun': CHECKSUM,
        'wcow_buildkit_verison': 'v0.24.0',
        'wcow_something_else_entirely': 1,
        # Set by the roles and the playbooks, or not ours: not reported.
        'wcow_buildkit_service_result': {},
        'wcow_buildkit_upgrade_before': {},
        'wcow_hosts': 'ws01',
        'ansible_port': 5986,
    })
    assert problems == [
        'wcow_buildkit_checksun: no role of wcow.buildkit reads this variable; did you mean wcow_buildkit_checksum?',
        'wcow_buildkit_verison: no role of wcow.buildkit reads this variable; did you mean wcow_buildkit_version?',
        'wcow_something_else_entirely: no role of wcow.buildkit reads this variable',
    ]


def test_verify_expects_the_version_the_buildkit_role_installs():
    expected = defaults('buildkit_verify')['wcow_verify_expected_version']
    assert jinja2.Template(expected).render(wcow_buildkit_version='v0.24.0') == 'v0.24.0'
    assert jinja2.Template(expected).render() == defaults('buildkit')['wcow_buildkit_version']


def test_every_wcow_name_the_playbooks_and_the_drift_callback_read_is_known():
    # A name missing here would make preflight refuse a variable the drift or upgrade playbooks document.
    import re
    texts = [p.read_text() for p in (REPO / 'playbooks').glob('*.yml')]
    texts.append((REPO / 'plugins' / 'callback' / 'drift_report.py').read_text())
    used = {name for text in texts for name in re.findall(r'\b(wcow_[a-z0-9_]+)\b', text)}
    not_variables = {'wcow_buildkit_hosts', 'wcow_facts'}  # the inventory group; the facts wcow_facts sets
    assert sorted(used - role_specs.known_names() - not_variables) == []


def test_buildkit_checksum_may_be_provenance_for_the_https_release():
    assert variable_problems(SITE, {'wcow_buildkit_checksum': 'provenance'}) == []
    assert variable_problems(SITE, {'wcow_buildkit_checksum': 'provenance',
                                    'wcow_buildkit_url': 'https://releases.example/buildkit-v0.23.2.windows-amd64.tar.gz'}) == []
    assert 'sha256:<64 hexadecimal digits> or provenance' in variable_problems(
        SITE, {'wcow_buildkit_checksum': 'from-provenance'})[0]
    # Only BuildKit publishes a provenance beside its archives.
    assert named(variable_problems(SITE, {'wcow_buildkit_checksum': CHECKSUM, 'wcow_containerd_checksum': 'provenance'}),
                 'wcow_containerd_checksum')


@pytest.mark.parametrize('extra, words', [
    ({'wcow_buildkit_mirror': 'https://mirror.example/buildkit/'}, 'a mirror needs a pinned checksum (sha256:<hex>), '),
    ({'wcow_buildkit_src': 'buildkit.tar.gz', 'wcow_buildkit_mirror': 'https://m/'}, 'not for src'),
    ({'wcow_buildkit_url': 'http://releases.example/buildkit-v0.23.2.windows-amd64.tar.gz'}, 'over plain http://'),
])
def test_buildkit_provenance_with_a_mirror_src_or_http_is_refused(extra, words):
    problems = variable_problems(SITE, dict(extra, wcow_buildkit_checksum='provenance'))
    assert len(problems) == 1 and problems[0].startswith('wcow_buildkit_checksum: provenance') and words in problems[0], \
        problems
    assert variable_problems(SITE, dict(extra, wcow_buildkit_checksum=CHECKSUM)) == []


def test_the_defender_folders_are_checked_as_win_defender_exclusion_checks_them():
    for name in ('wcow_containerd_defender_paths', 'wcow_buildkit_defender_paths'):
        assert CHECKS[name](['C:\\ProgramData\\containerd\\root', 'D:\\buildkit\\root\\']) is None
        assert 'drive root' in CHECKS[name](['C:\\ProgramData\\containerd\\root', 'D:\\'])
        assert "'*'" in CHECKS[name](['C:\\ProgramData\\*'])
    problems = variable_problems(SITE, {'wcow_buildkit_checksum': CHECKSUM, 'wcow_defender_exclusions': 'maybe',
                                        'wcow_containerd_defender_paths': ['%ProgramData%\\containerd']})
    assert len(named(problems, 'wcow_defender_exclusions')) == 1
    assert 'not a local absolute path' in named(problems, 'wcow_containerd_defender_paths')[0]


def test_with_defender_exclusions_the_install_folders_must_make_a_full_executable_path():
    given = {'wcow_buildkit_checksum': CHECKSUM, 'wcow_containerd_install_dir': '%ProgramFiles%\\containerd',
             'wcow_buildkit_install_dir': 'D:\\build kit'}
    assert variable_problems(SITE, given) == []
    problems = variable_problems(SITE, dict(given, wcow_defender_exclusions='yes'))
    assert len(problems) == 1 and problems[0].startswith('wcow_containerd_install_dir: with wcow_defender_exclusions')
    assert "'%ProgramFiles%\\\\containerd\\\\bin\\\\containerd.exe' is not a local absolute path" in problems[0]
