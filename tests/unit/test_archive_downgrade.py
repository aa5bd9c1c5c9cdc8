"""allow_downgrade of win_release_archive: which version changes are refused."""

from __future__ import annotations

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive.downgrade import downgrade_problem


@pytest.mark.parametrize('installed, wanted', [('v0.24.0', 'v0.23.2'), ('2.1.4', '1.7.28'), ('v1.0.0', '0.9.9')])
def test_an_older_version_is_refused_naming_both(installed, wanted):
    problem = downgrade_problem('buildkit', 'C:\\Program Files\\buildkit', installed, wanted)
    assert problem and installed in problem and wanted in problem and 'allow_downgrade' in problem
    assert 'C:\\Program Files\\buildkit' in problem


@pytest.mark.parametrize('installed, wanted', [
    ('v0.23.2', 'v0.24.0'),    # an upgrade
    ('v0.23.2', 'v0.23.2'),    # the same
    ('v0.24.0-rc1', 'v0.24.0'),
    (None, 'v0.23.2'),         # installed without a version
    ('v0.24.0', None),
    ('nightly', 'v0.1.0'),     # not comparable
])
def test_newer_same_or_incomparable_versions_pass(installed, wanted):
    assert downgrade_problem('buildkit', 'C:\\bk', installed, wanted) is None
