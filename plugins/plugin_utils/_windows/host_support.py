# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Windows hosts the collection supports, and which base images they run process-isolated.

Pure functions of the host's build number, product type and architecture:

- `image_builds(host_build)`: the LTSC image builds the host runs with process
  isolation, by the rule of hcsshim osversion.CheckHostAndContainerCompat
  (below build 20348 the image build must equal the host build; from 20348 on
  it must lie between the newest LTSC build older than the host and the host).
- `base_images(host_build)`: those builds as servercore and nanoserver tags,
  and the one to recommend.
- `support_problems(...)`: why a host is not supported (empty when it is);
  `unsupported_message(...)` says it in one message for the gate.
"""

from __future__ import annotations

import typing as t

# Builds the collection supports (docs/windows-facts.md#hosts-and-base-images).
SUPPORTED_BUILDS: dict[int, str] = {
    17763: 'Windows Server 2019',
    20348: 'Windows Server 2022',
    22000: 'Windows 11 21H2',
    22621: 'Windows 11 22H2',
    22631: 'Windows 11 23H2',
    26100: 'Windows Server 2025 / Windows 11 24H2',
    26200: 'Windows 11 25H2',
}
OLDEST_BUILD = 17763
# Windows 11 starts at build 22000; client SKUs below that are Windows 10.
WINDOWS_11_BUILD = 22000
STABLE_ABI_BUILD = 20348

# LTSC base images: build -> (servercore tags, nanoserver tags). Nano Server for
# 2019 is tagged 1809, not ltsc2019 (StefanScherer/packer-windows#138
# pulls nanoserver:1809, servercore:ltsc2019 and servercore:1809).
LTSC_IMAGES: dict[int, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    17763: ('ltsc2019', ('ltsc2019', '1809'), ('1809',)),
    20348: ('ltsc2022', ('ltsc2022',), ('ltsc2022',)),
    26100: ('ltsc2025', ('ltsc2025',), ('ltsc2025',)),
}
# hcsshim osversion compatLTSCReleases: the LTSC builds with the stable ABI, ascending.
_STABLE_ABI_LTSC = (20348, 26100)

SUPPORTED_ARCHITECTURE = 'amd64'
ARM64 = 'arm64'
# PROCESSOR_ARCHITECTURE values and the names release archives use.
_ARCHITECTURES = {'amd64': 'amd64', 'x64': 'amd64', 'arm64': 'arm64', 'x86': 'x86', 'arm': 'arm'}

ARM64_CNI_REASON = ('the CNI plugin (microsoft/windows-container-networking) is published for amd64 only, so '
                    'BuildKit (which has arm64 binaries) would build without a network')


def normalise_architecture(name: str | None) -> str:
    """'amd64', 'arm64', 'x86', ... from PROCESSOR_ARCHITECTURE ('AMD64', 'ARM64', 'x86')."""
    text = (name or '').strip().lower()
    return _ARCHITECTURES.get(text, text or 'unknown')


def image_builds(host_build: int) -> list[int]:
    """The LTSC image builds that a host of `host_build` runs with process isolation, ascending.

    Only the LTSC images of LTSC_IMAGES count: a Windows Server 2016 host
    (14393) gets none, since the collection does not support it.
    """
    if host_build < STABLE_ABI_BUILD:
        return [host_build] if host_build in LTSC_IMAGES else []
    oldest = STABLE_ABI_BUILD
    for ltsc in reversed(_STABLE_ABI_LTSC):
        if host_build > ltsc:
            oldest = ltsc
            break
    return [build for build in sorted(LTSC_IMAGES) if oldest <= build <= host_build]


def base_images(host_build: int) -> dict[str, t.Any]:
    """Tags of mcr.microsoft.com/windows/servercore and /nanoserver the host runs process-isolated.

    `recommended` is the newest of them (the one closest to the host's own
    build), `recommended_tags` its servercore and nanoserver tags; both are
    None when the host runs none.
    """
    builds = image_builds(host_build)
    servercore = [tag for build in builds for tag in LTSC_IMAGES[build][1]]
    nanoserver = [tag for build in builds for tag in LTSC_IMAGES[build][2]]
    recommended = LTSC_IMAGES[builds[-1]] if builds else None
    return dict(
        builds=builds,
        servercore=servercore,
        nanoserver=nanoserver,
        recommended=recommended[0] if recommended else None,
        recommended_tags=dict(servercore=recommended[1][0], nanoserver=recommended[2][0]) if recommended else None,
    )


def product_kind(product_type: int) -> str:
    """Win32_OperatingSystem.ProductType: 1 workstation, 2 domain controller, 3 server."""
    return {1: 'workstation', 2: 'domain_controller', 3: 'server'}.get(product_type, 'unknown')


def support_problems(build: int, product_type: int, architecture: str,
                     allow_arm64_without_cni: bool = False) -> list[str]:
    """Why the host is not supported, as a list of sentences; empty when it is.

    `product_type` is Win32_OperatingSystem.ProductType (1 = client SKU),
    `architecture` as normalise_architecture() returns it.
    """
    problems = []
    if build < OLDEST_BUILD:
        problems.append('build %d is older than %d (Windows Server 2019)' % (build, OLDEST_BUILD))
    elif build not in SUPPORTED_BUILDS:
        problems.append('build %d is not one of the supported builds' % build)
    if product_type == 1 and build < WINDOWS_11_BUILD:
        problems.append('client editions older than Windows 11 (build %d) are not supported' % WINDOWS_11_BUILD)
    if architecture == ARM64:
        if not allow_arm64_without_cni:
            problems.append('architecture arm64: %s; set allow_arm64_without_cni=true to accept that'
                            % ARM64_CNI_REASON)
    elif architecture != SUPPORTED_ARCHITECTURE:
        problems.append('architecture %s is not supported' % architecture)
    return problems


def supported_list() -> str:
    builds = ', '.join('%d (%s)' % (build, name) for build, name in sorted(SUPPORTED_BUILDS.items()))
    return ('supported: builds %s; client editions from Windows 11 on; architecture amd64 '
            '(arm64 only with allow_arm64_without_cni=true)' % builds)


def unsupported_message(caption: str | None, build: int, architecture: str, problems: list[str]) -> str:
    """The gate's failure message: the host, every reason, and what is supported."""
    reasons = '; '.join(problems)
    return ('This host is not supported by wcow.buildkit: %s, build %d, architecture %s. %s. Nothing was changed; %s.'
            % (caption or 'Windows', build, architecture, reasons[:1].upper() + reasons[1:], supported_list()))
