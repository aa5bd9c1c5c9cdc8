"""plugin_utils/_buildctl/options.py: buildctl_path and the buildkitd address, checked strictly."""

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._buildctl.options import address_problem, check_addr
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument


@pytest.mark.parametrize('addr', [
    'npipe:////./pipe/buildkitd',
    'NPIPE:////./pipe/buildkit_2-test.1',
    'npipe:////build-01.corp.example/pipe/buildkitd',
    'tcp://0.0.0.0:1234',
    'tcp://build-01.corp.example:65535',
    'tcp://[::1]:1234',
])
def test_pipes_and_tcp_host_ports_pass(addr):
    assert address_problem(addr) is None
    check_addr(addr)


@pytest.mark.parametrize('addr', [
    # Text that cmd.exe or a shell would read as syntax, behind a good prefix.
    'npipe:////./pipe/buildkitd&whoami>C:\\p.txt',
    'npipe:////./pipe/buildkitd" & calc & "',
    'npipe:////./pipe/build kitd',
    'npipe:////./pipe/%COMSPEC%',
    'npipe:////./pipe/',
    'npipe:////./pipe/a/b',
    'npipe://./pipe/buildkitd',
    'tcp://0.0.0.0',
    'tcp://0.0.0.0:0',
    'tcp://0.0.0.0:65536',
    'tcp://host:1234/path',
    'tcp://user@host:1234',
    'tcp://host:1234\n',
    'tcp://host:12|34',
    'unix:///run/buildkit/buildkitd.sock',
    'docker-container://buildkitd',
    '',
])
def test_anything_else_is_refused_naming_addr(addr):
    assert address_problem(addr) is not None
    with pytest.raises(InvalidArgument, match='^addr: '):
        check_addr(addr)


def test_no_addr_is_buildctls_default():
    check_addr(None)
