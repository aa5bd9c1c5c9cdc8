# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the modules that run buildctl on the host: where buildctl is, and which buildkitd it asks."""

from __future__ import annotations

import re

from .._core.errors import InvalidArgument

# The address schemes the modules accept for buildctl's --addr.
ADDRESS_SCHEMES = ('npipe://', 'tcp://', 'unix://', 'docker-container://', 'kube-pod://', 'podman-container://')
_WINDOWS_ABSOLUTE = re.compile(r'^([A-Za-z]:\\|\\\\)')


def check_buildctl_path(path: str) -> None:
    """InvalidArgument('buildctl_path') unless `path` is an absolute Windows path."""
    if not path or path != path.strip() or not _WINDOWS_ABSOLUTE.match(path):
        raise InvalidArgument('buildctl_path', 'must be an absolute Windows path such as C:\\buildkit\\buildctl.exe')


def check_addr(addr: str | None) -> None:
    """InvalidArgument('addr') unless `addr` is None or starts with a scheme buildctl knows."""
    if addr is not None and not addr.lower().startswith(ADDRESS_SCHEMES):
        raise InvalidArgument('addr', 'must be an address such as npipe:////./pipe/buildkitd (schemes: %s)'
                              % ', '.join(s[:-3] for s in ADDRESS_SCHEMES))
