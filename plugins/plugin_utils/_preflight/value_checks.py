# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each role variable must look like, checked by the modules' own checks.

A role passes its variables to the modules; each module checks its options
before anything reaches the host, but only when its task runs, after the
tasks before it may have restarted the host. The preflight runs the same
checks on the variables first. Each check takes the value (already converted
to the type of the argument spec) and returns why it is wrong, or None.
Variables that may be empty ("" switches the feature off) are checked only
when set.
"""

from __future__ import annotations

import re
import typing as t
from urllib.parse import urlsplit

from .._buildctl.options import check_addr, check_buildctl_path
from .._core.errors import InvalidArgument
from .._core.host_lock import lock_timeout
from .._daemons import buildkitd, buildkitd_firewall, containerd
from .._daemons.buildkitd_gc import gc_keys
from .._release_archive import checksum, paths
from .._service.environment import check_environment
from .._service.versions import version_tuple
from .._windows import defender_exclusions, ip_addresses
from .._windows.local_groups import member_name_problem
from .._windows.path_list import path_problem as path_entry_problem

Check = t.Callable[[t.Any], 'str | None']


def _raised(check: t.Callable[[t.Any], t.Any]) -> Check:
    """A check from a function that raises InvalidArgument or ValueError."""
    def problem(value: t.Any) -> str | None:
        try:
            check(value)
        except InvalidArgument as error:
            return error.message
        except ValueError as error:
            return str(error)
        return None
    return problem


def _optional(check: Check) -> Check:
    """Empty means "not used"; anything else must pass check."""
    return lambda value: check(value) if value else None


def _each(check: Check) -> Check:
    def problem(values: t.Any) -> str | None:
        for item in values or []:
            found = check(item)
            if found:
                return found
        return None
    return problem


def _base_url_problem(value: str) -> str | None:
    parts = urlsplit(value or '')
    if parts.scheme.lower() not in ('http', 'https') or not parts.netloc:
        return 'must be an http:// or https:// URL, got %r' % value
    return None


def _buildkit_version_problem(value: str) -> str | None:
    if not re.match(r'^v\d+\.\d+\.\d+', value or ''):
        return ('must be a BuildKit release tag with its leading v, as in its asset names (v0.23.2), got %r'
                % value)
    return None


def _plain_version_problem(value: str) -> str | None:
    try:
        version_tuple(value)
    except ValueError:
        return 'must be a version such as 2.1.4, got %r' % value
    if value.startswith('v'):
        return 'must be given without the leading v (the asset names add it), got %r' % value
    return None


def _subnet(value: str) -> None:
    ip_addresses.parse_subnet('subnet', value)


def _both(first: Check, second: Check) -> Check:
    return lambda value: first(value) or second(value)


CHECKSUM = _raised(checksum.parse_option)
# win_release_archive's checksum also takes `provenance` (the buildkit role's archive has a provenance beside it).
CHECKSUM_OR_PROVENANCE = _raised(checksum.parse_module_option)
URL = paths.url_problem
# An install folder is the archive's dest and goes on the machine PATH (win_path_entry).
INSTALL_DIR = _both(paths.dest_problem, path_entry_problem)
BUILDKITD_PATH = buildkitd.path_problem
CONTAINERD_PATH = containerd.path_problem


CHECKS: dict[str, Check] = {
    # Release archives (win_release_archive's url, checksum, mirror, proxy, dest).
    'wcow_buildkit_version': _buildkit_version_problem,
    'wcow_buildkit_url': URL,
    'wcow_buildkit_checksum': CHECKSUM_OR_PROVENANCE,
    'wcow_buildkit_mirror': _optional(_base_url_problem),
    'wcow_buildkit_proxy': _optional(_base_url_problem),
    'wcow_buildkit_install_dir': INSTALL_DIR,
    'wcow_containerd_version': _plain_version_problem,
    'wcow_containerd_url': URL,
    'wcow_containerd_checksum_url': URL,
    'wcow_containerd_checksum': _optional(CHECKSUM),
    'wcow_containerd_mirror': _optional(_base_url_problem),
    'wcow_containerd_proxy': _optional(_base_url_problem),
    'wcow_containerd_install_dir': INSTALL_DIR,
    'wcow_cni_plugins_version': _plain_version_problem,
    'wcow_cni_plugins_url': URL,
    'wcow_cni_plugins_checksum': CHECKSUM,
    'wcow_cni_plugins_mirror': _optional(_base_url_problem),
    'wcow_cni_bin_dir': paths.dest_problem,
    # Networks (win_hns_network, win_cni_config).
    'wcow_cni_nat_subnet': _raised(_subnet),
    # Daemon flags (containerd_service, buildkitd_service).
    'wcow_buildkit_extra_args': _raised(buildkitd.check_extra_args),
    'wcow_containerd_extra_args': _raised(containerd.check_extra_args),
    'wcow_containerd_environment': _raised(lambda value: check_environment('service_environment', value)),
    'wcow_buildkit_environment': _raised(lambda value: check_environment('service_environment', value)),
    'wcow_buildkit_gc': _optional(_raised(gc_keys)),
    'wcow_buildkit_firewall_remote_addresses': _raised(buildkitd_firewall.remote_addresses),
    'wcow_containerd_config': _raised(containerd.check_settings),
    'wcow_containerd_config_extra': _raised(containerd.check_extra),
    # Paths the daemons are given (buildkitd_service, containerd_service).
    'wcow_buildkit_log_file': BUILDKITD_PATH,
    'wcow_buildkit_config_path': BUILDKITD_PATH,
    'wcow_buildkit_cni_config_path': BUILDKITD_PATH,
    'wcow_buildkit_cni_binary_dir': lambda value: buildkitd.path_problem(value, directory=True),
    'wcow_containerd_config_path': CONTAINERD_PATH,
    'wcow_containerd_log_file': CONTAINERD_PATH,
    'wcow_buildkit_service_name': _raised(containerd.check_name),
    'wcow_containerd_service_name': _raised(containerd.check_name),
    # The group buildkitd's --group names, and its members (win_local_group).
    'wcow_buildkit_group': _optional(buildkitd.group_problem),
    'wcow_buildkit_extra_groups': _each(buildkitd.group_problem),
    'wcow_buildkit_group_members': _each(member_name_problem),
    # Folders excluded from Microsoft Defender scans (win_defender_exclusion's paths).
    'wcow_containerd_defender_paths': _each(lambda value: defender_exclusions.entry_problem(value, process=False)),
    'wcow_buildkit_defender_paths': _each(lambda value: defender_exclusions.entry_problem(value, process=False)),
    # buildctl (buildctl_debug_info, buildctl_build).
    'wcow_verify_buildctl_path': _raised(check_buildctl_path),
    'wcow_verify_addr': _optional(_raised(check_addr)),
    # How long a change waits for another run's (every module).
    'wcow_host_lock_timeout': _raised(lock_timeout),
}


def _buildkit_archive_problem(values: dict[str, t.Any]) -> str | None:
    """win_release_archive's trust check on what roles/buildkit/tasks/main.yml gives it with checksum=provenance:
    src, a mirror (passed only without src) or an http:// URL (the default URL is GitHub's https:// one)."""
    wanted = values.get('wcow_buildkit_checksum')
    if not isinstance(wanted, str) or wanted.strip() != checksum.PROVENANCE:
        return None
    url = values.get('wcow_buildkit_url') or 'https://github.com/'
    for name, problem in (('src', values.get('wcow_buildkit_src') and checksum.trust_problem(None, None, wanted, None)),
                          ('mirror', values.get('wcow_buildkit_mirror')
                           and checksum.trust_problem(url, values['wcow_buildkit_mirror'], wanted, None)),
                          ('url', checksum.trust_problem(url, None, wanted, None))):
        if problem:
            return 'wcow_buildkit_checksum: %s (wcow_buildkit_%s is set)' % (problem[1], name)
    return None


# Problems of variables that pass alone and not together, as the module they go to finds them.
COMBINATIONS: list[t.Callable[[dict[str, t.Any]], 'str | None']] = [_buildkit_archive_problem]


def combination_problems(values: dict[str, t.Any]) -> list[str]:
    """The problems of (type-converted) variables taken together."""
    return [problem for problem in (check(values) for check in COMBINATIONS) if problem]


def value_problem(name: str, value: t.Any) -> str | None:
    """Why the (type-converted) value of variable `name` would be refused by the module it goes to, or None."""
    check = CHECKS.get(name)
    return check(value) if check else None
