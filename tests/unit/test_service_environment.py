"""A service's Environment value: the option's checks, the comparison, what results show, and the plans that
write it (plugin_utils/_service/environment.py, _service/plan.py, _daemons/buildkitd_plan.py)."""

from __future__ import annotations

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons.buildkitd_plan import WantedBuildkitd
from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons.buildkitd_plan import plan as buildkitd_plan
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.environment import (
    HIDDEN,
    check_environment,
    checked_environment,
    same_environment,
    shown_environment,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.views import service_text

from test_buildkitd_plan import ARGS as BUILDKITD_ARGS, BINARY as BUILDKITD, entry as buildkitd_entry
from test_containerd_service_plan import entry, plan, wanted

PROXY = 'http://builder:s3cret@proxy.example.com:3128'


def test_entries_are_sorted_by_name_and_none_is_not_managed():
    assert check_environment('o', {'NO_PROXY': 'localhost', 'HTTPS_PROXY': PROXY}) == (
        'HTTPS_PROXY=%s' % PROXY, 'NO_PROXY=localhost')
    assert checked_environment({'service_environment': None}) is None
    assert checked_environment({'service_environment': {}}) == ()
    # A value may hold '=' (only the first one separates the name).
    assert check_environment('o', {'A': 'b=c'}) == ('A=b=c',)


@pytest.mark.parametrize('value, words', [
    ({'': 'x'}, 'non-empty'),
    ({'A=B': 'x'}, '"="'),
    ({'A\0': 'x'}, 'NUL'),
    ({' A': 'x'}, 'spaces'),
    ({'A': 3}, 'must be a string, got int'),
    ({'A': None}, 'must be a string, got NoneType'),
    ({'A': 'x\0y'}, 'NUL'),
    ({'A': 'x\ny'}, 'line break'),
    ({'HTTP_PROXY': 'a', 'http_proxy': 'b'}, 'same variable'),
    (['A=B'], 'mapping'),
])
def test_what_a_multi_string_entry_cannot_hold_is_refused_naming_the_option(value, words):
    with pytest.raises(InvalidArgument) as raised:
        check_environment('service_environment', value)
    assert raised.value.option == 'service_environment' and words in raised.value.message


def test_names_compare_ignoring_case_values_exactly():
    assert same_environment(['http_proxy=x', 'A=1'], ['A=1', 'HTTP_PROXY=x'])
    assert not same_environment(['A=1'], ['A=2'])
    assert not same_environment(['A=1'], ['A=1', 'B=2'])
    assert same_environment([], ())


def test_credentials_in_urls_are_hidden():
    shown = shown_environment(['HTTPS_PROXY=%s' % PROXY, 'NO_PROXY=localhost', 'OTHER=https://user@host/x'])
    assert shown == {'HTTPS_PROXY': 'http://%s@proxy.example.com:3128' % HIDDEN, 'NO_PROXY': 'localhost',
                     'OTHER': 'https://%s@host/x' % HIDDEN}
    assert 's3cret' not in repr(shown) and 'builder' not in repr(shown)


def test_containerd_plan_sets_the_environment_and_restarts_once_without_showing_secrets():
    entries = check_environment('o', {'HTTPS_PROXY': PROXY})
    found = plan(entry(), want=wanted(environment=entries))
    assert found.params['environment'] == ['HTTPS_PROXY=%s' % PROXY]
    assert found.params['state'] == 'restarted'
    assert found.changes == ['set the environment', 'restart the service']
    text = service_text(found.before) + service_text(found.after)
    assert 's3cret' not in text and HIDDEN in text
    # Once the host holds it (names in another case), nothing is to do.
    current = dict(entry(), environment=['https_proxy=%s' % PROXY])
    assert plan(current, want=wanted(environment=entries)).params is None
    # Not managed: a value set by hand stays.
    assert plan(dict(entry(), environment=['X=1'])).params is None


def test_containerd_plan_removes_an_entry_added_by_hand():
    found = plan(dict(entry(), environment=['NO_PROXY=a', 'EXTRA=1']), want=wanted(environment=('NO_PROXY=a',)))
    assert found.params['environment'] == ['NO_PROXY=a'] and 'set the environment' in found.changes


def test_a_new_containerd_service_gets_its_environment_and_an_empty_one_writes_nothing():
    found = plan(entry(exists=False), want=wanted(environment=('A=1',)))
    assert found.params['create'] and found.params['environment'] == ['A=1']
    assert plan(entry(exists=False), want=wanted(environment=())).params['environment'] is None


def test_buildkitd_plan_sets_the_environment_with_one_restart():
    wanted_bk = WantedBuildkitd(name='buildkitd', binary=BUILDKITD, arguments=BUILDKITD_ARGS, start_type='auto',
                                dependencies=('containerd',), environment=('HTTPS_PROXY=%s' % PROXY,))
    found = buildkitd_plan(wanted_bk, buildkitd_entry(), 'started')
    assert found.params['environment'] == ['HTTPS_PROXY=%s' % PROXY] and found.params['state'] == 'restarted'
    assert found.changes == ['set the environment', 'restart the service']
    assert found.after['environment'] == {'HTTPS_PROXY': 'http://%s@proxy.example.com:3128' % HIDDEN}
    again = buildkitd_plan(wanted_bk, dict(buildkitd_entry(), environment=['HTTPS_PROXY=%s' % PROXY]), 'started')
    assert again.params is None
    # A stopped service is written, not started.
    stopped = buildkitd_plan(wanted_bk, buildkitd_entry(state='Stopped'), 'stopped')
    assert stopped.params['environment'] and stopped.params['state'] is None


def test_the_preflight_checks_the_role_variables_with_the_same_check():
    from ansible_collections.wcow.buildkit.plugins.plugin_utils._preflight.value_checks import value_problem

    for name in ('wcow_containerd_environment', 'wcow_buildkit_environment'):
        assert value_problem(name, {'HTTPS_PROXY': PROXY, 'NO_PROXY': 'localhost'}) is None
        assert value_problem(name, {}) is None
        assert '"="' in value_problem(name, {'A=B': 'x'})
        assert 'must be a string' in value_problem(name, {'PORT': 3128})
