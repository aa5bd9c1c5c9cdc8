# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Versions as the daemons print them (`--version`) and as the collection compares them."""

from __future__ import annotations

import re
import typing as t

VERSION_LINE = re.compile(r'^(?P<program>\S+) (?P<package>\S+) (?P<version>v?\d+\.\d+\.\d+\S*)(?: (?P<revision>\S+))?\s*$')


def parse_version_output(text: str | None) -> tuple[str, str, str] | None:
    """(program, package, version) of `containerd --version`, `buildkitd --version`,
    `buildctl --version`, e.g. 'containerd github.com/containerd/containerd/v2 v2.1.4 <rev>'
    (docs/windows-facts.md#tool-output); None when the text does not look like one."""
    for line in (text or '').splitlines():
        match = VERSION_LINE.match(line.strip())
        if match:
            return match.group('program'), match.group('package'), match.group('version')
    return None


def version_tuple(version: str | None) -> tuple[int, ...]:
    """(major, minor, patch) of 'v1.7.28' or '2.1.4-rc.1'."""
    match = re.match(r'^v?(\d+)\.(\d+)\.(\d+)', version or '')
    if not match:
        raise ValueError('not a version: %r' % version)
    return tuple(int(part) for part in match.groups())


def probed_version(probe: dict[str, t.Any] | None) -> tuple[str | None, str | None]:
    """(version, None) from a service_read `binaries` entry, or (None, problem in words)."""
    if probe is None:
        return None, 'the binary was not probed'
    if not probe['exists']:
        return None, '%s does not exist' % probe['path']
    if probe['error']:
        return None, 'running %s --version failed: %s' % (probe['path'], probe['error'])
    parsed = parse_version_output(probe['stdout'])
    if probe['exit_code'] != 0 or parsed is None:
        output = ' '.join((probe['stdout'] + ' ' + probe['stderr']).split())
        return None, '%s --version exited with %s and printed %r' % (probe['path'], probe['exit_code'], output)
    return parsed[2], None
