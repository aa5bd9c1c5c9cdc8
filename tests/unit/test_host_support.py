"""The compatibility rules of plugin_utils/_compat.py: every row of docs/windows-facts.md#hosts-and-base-images,
hcsshim's CheckHostAndContainerCompat rule, and the gate's reasons and message."""

from __future__ import annotations

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows import host_support

SERVER, WORKSTATION = 3, 1

# docs/windows-facts.md#hosts-and-base-images: host build -> (servercore tags, nanoserver tags, recommended).
TABLE = {
    17763: (['ltsc2019', '1809'], ['1809'], 'ltsc2019'),
    20348: (['ltsc2022'], ['ltsc2022'], 'ltsc2022'),
    22000: (['ltsc2022'], ['ltsc2022'], 'ltsc2022'),
    22621: (['ltsc2022'], ['ltsc2022'], 'ltsc2022'),
    22631: (['ltsc2022'], ['ltsc2022'], 'ltsc2022'),
    26100: (['ltsc2022', 'ltsc2025'], ['ltsc2022', 'ltsc2025'], 'ltsc2025'),
    26200: (['ltsc2025'], ['ltsc2025'], 'ltsc2025'),
}


@pytest.mark.parametrize('build', sorted(TABLE))
def test_every_row_of_the_table(build):
    servercore, nanoserver, recommended = TABLE[build]
    images = host_support.base_images(build)
    assert images['servercore'] == servercore
    assert images['nanoserver'] == nanoserver
    assert images['recommended'] == recommended


def test_the_table_is_the_supported_list():
    assert sorted(TABLE) == sorted(host_support.SUPPORTED_BUILDS)


def compatible(host, image):
    """hcsshim osversion.CheckHostAndContainerCompat, restated for builds of one major.minor."""
    if host < 20348:
        return host == image
    oldest = 20348
    for ltsc in (26100, 20348):
        if host > ltsc:
            oldest = ltsc
            break
    return oldest <= image <= host


@pytest.mark.parametrize('host', [17134, 17763, 18362, 19041, 20348, 20349, 22000, 22631, 25398, 26099, 26100, 26101,
                                  26200, 27000])
def test_image_builds_follow_the_hcsshim_rule(host):
    assert host_support.image_builds(host) == [image for image in (17763, 20348, 26100) if compatible(host, image)]


def test_below_20348_the_image_build_must_equal_the_host_build():
    assert host_support.image_builds(17763) == [17763]
    # Windows 10 2004 (19041) is newer than 2019 but runs no 2019 image process-isolated.
    assert host_support.image_builds(19041) == []
    assert host_support.image_builds(18363) == []
    assert host_support.base_images(14393) == dict(builds=[], servercore=[], nanoserver=[], recommended=None,
                                                   recommended_tags=None)


def test_an_ltsc_host_runs_the_previous_ltsc_and_itself_and_a_newer_host_only_from_its_ltsc():
    assert host_support.image_builds(20348) == [20348]
    assert host_support.image_builds(26100) == [20348, 26100]
    assert host_support.image_builds(26200) == [26100]


def test_nano_server_for_2019_is_tagged_1809():
    images = host_support.base_images(17763)
    assert images['nanoserver'] == ['1809']
    assert 'ltsc2019' not in images['nanoserver']
    assert images['recommended_tags'] == {'servercore': 'ltsc2019', 'nanoserver': '1809'}


def test_recommended_tags_of_newer_hosts():
    assert host_support.base_images(26100)['recommended_tags'] == {'servercore': 'ltsc2025', 'nanoserver': 'ltsc2025'}
    assert host_support.base_images(22631)['recommended_tags'] == {'servercore': 'ltsc2022', 'nanoserver': 'ltsc2022'}


@pytest.mark.parametrize('build, product_type', [
    (17763, SERVER), (20348, SERVER), (22000, WORKSTATION), (22621, WORKSTATION), (22631, WORKSTATION),
    (26100, SERVER), (26100, WORKSTATION), (26200, WORKSTATION),
])
def test_supported_hosts_have_no_problems(build, product_type):
    assert host_support.support_problems(build, product_type, 'amd64') == []


@pytest.mark.parametrize('build, expected', [
    (14393, 'build 14393 is older than 17763'),
    (9600, 'build 9600 is older than 17763'),
    (18363, 'build 18363 is not one of the supported builds'),
    (25398, 'build 25398 is not one of the supported builds'),
    (26300, 'build 26300 is not one of the supported builds'),
])
def test_unsupported_builds(build, expected):
    problems = host_support.support_problems(build, SERVER, 'amd64')
    assert len(problems) == 1 and problems[0].startswith(expected)


def test_a_windows_10_client_is_refused_even_on_a_supported_build():
    # Windows 10 1809 shares build 17763 with Windows Server 2019.
    assert host_support.support_problems(17763, SERVER, 'amd64') == []
    problems = host_support.support_problems(17763, WORKSTATION, 'amd64')
    assert problems == ['client editions older than Windows 11 (build 22000) are not supported']
    assert len(host_support.support_problems(19045, WORKSTATION, 'amd64')) == 2


def test_arm64_is_refused_for_the_cni_plugin_unless_allowed():
    problems = host_support.support_problems(22631, WORKSTATION, 'arm64')
    assert len(problems) == 1
    assert 'CNI plugin' in problems[0] and 'amd64 only' in problems[0] and 'allow_arm64_without_cni' in problems[0]
    assert host_support.support_problems(22631, WORKSTATION, 'arm64', allow_arm64_without_cni=True) == []


@pytest.mark.parametrize('architecture', ['x86', 'arm', 'unknown'])
def test_other_architectures_are_refused_even_with_the_arm64_exception(architecture):
    assert host_support.support_problems(20348, SERVER, architecture, allow_arm64_without_cni=True) == [
        'architecture %s is not supported' % architecture]


@pytest.mark.parametrize('text, expected', [('AMD64', 'amd64'), ('ARM64', 'arm64'), ('x86', 'x86'), ('', 'unknown'),
                                            (None, 'unknown'), ('IA64', 'ia64')])
def test_normalise_architecture(text, expected):
    assert host_support.normalise_architecture(text) == expected


def test_the_gate_message_names_the_host_every_reason_and_the_supported_list():
    problems = host_support.support_problems(14393, SERVER, 'arm64')
    message = host_support.unsupported_message('Microsoft Windows Server 2016 Datacenter', 14393, 'arm64', problems)
    assert message.startswith('This host is not supported by wcow.buildkit: Microsoft Windows Server 2016 Datacenter, '
                              'build 14393, architecture arm64. Build 14393 is older than 17763')
    assert 'CNI plugin' in message and 'Nothing was changed' in message
    for build in host_support.SUPPORTED_BUILDS:
        assert str(build) in message


def test_product_kind():
    assert [host_support.product_kind(n) for n in (1, 2, 3, 0)] == ['workstation', 'domain_controller', 'server', 'unknown']
