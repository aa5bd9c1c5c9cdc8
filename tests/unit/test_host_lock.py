"""The host's lock on the controller: which operations take it, how the runner sends it, wcow_host_lock_timeout."""

import base64
import json
from pathlib import Path

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.host_lock import lock_timeout
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.runner import (
    DEFAULT_LOCK_TIMEOUT_S,
    HOST_LOCK_CALL,
    POWERSHELL_DIR,
    changes_host,
    encode_input,
    load_operation,
)

OPERATIONS = sorted(path.stem for path in Path(POWERSHELL_DIR).glob('*.ps1') if path.stem != 'bootstrap')
# Operations that change nothing the collection configures: they read, or run a build in a folder of their own.
UNLOCKED = {'batch_read', 'buildctl_build_run', 'buildctl_debug_info'}


def payload(name, **kwargs):
    return json.loads(base64.b64decode(encode_input(load_operation(name), {}, **kwargs)))


def test_every_operation_that_is_not_a_read_takes_the_lock():
    unlocked = {name for name in OPERATIONS if not changes_host(name)}
    assert unlocked == {name for name in OPERATIONS if name.endswith('_read')} | UNLOCKED
    assert {'file_write', 'service_apply', 'service_data_remove', 'release_archive_apply', 'host_reboot',
            'container_features_enable'} <= set(OPERATIONS) - unlocked


@pytest.mark.parametrize('name', OPERATIONS)
def test_the_lock_is_taken_before_the_operation_body_and_only_by_changes(name):
    operation = load_operation(name)
    lines = operation.script.splitlines()
    if not changes_host(name):
        assert HOST_LOCK_CALL not in lines and payload(name)['lock'] is None
        return
    body = operation.bare_script.splitlines()
    first_statement = next(line for line in body[1:] if line.strip() and not line.startswith('#'))
    assert lines.index(HOST_LOCK_CALL) < lines.index(first_statement)
    assert lines.count('function Enter-WcowHostLock {') == 1
    assert payload(name)['lock'] == {'timeout_s': DEFAULT_LOCK_TIMEOUT_S}
    assert payload(name, lock_timeout_s=7)['lock'] == {'timeout_s': 7}


@pytest.mark.parametrize('value, expected', [(None, DEFAULT_LOCK_TIMEOUT_S), (0, 0), (3600, 3600), ('45', 45)])
def test_lock_timeout_accepts_whole_seconds(value, expected):
    assert lock_timeout(value) == expected


@pytest.mark.parametrize('value', [-1, 3601, True, 1.5, 'soon', '', [30]])
def test_lock_timeout_refuses_anything_else_naming_the_variable(value):
    with pytest.raises(InvalidArgument) as error:
        lock_timeout(value)
    assert error.value.option == 'wcow_host_lock_timeout'
    assert 'whole number of seconds from 0 to 3600' in error.value.message
