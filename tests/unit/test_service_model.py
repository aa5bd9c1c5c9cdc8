"""plugin_utils/_service/: command lines, flags, registration, recovery actions, versions, differences."""

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.command_line import (
    join_command_line,
    split_command_line,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.daemon_flags import (
    BUILDKITD_FLAGS,
    CONTAINERD_FLAGS,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.flags import (
    FlagError,
    flags_equal,
    normalise_flags,
    parse_flags,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.model import (
    ServiceConfig,
    ServiceState,
    differences,
    same_dependencies,
    service_from_read,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.recovery import (
    Recovery,
    RecoveryAction,
    decode_failure_actions,
    encode_failure_actions,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.registration import (
    REGISTER_SERVICE_RECOVERY,
    registered_image_path,
    registration_command,
    split_registered_arguments,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._service.versions import parse_version_output, version_tuple

BUILDKITD = 'C:\\Program Files\\buildkit\\buildkitd.exe'
CNI_CONF = 'C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf'
IMAGE_PATH = ('"C:\\Program Files\\buildkit\\buildkitd.exe" --run-service --service-name buildkitd '
              '"--containerd-cni-config-path=C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf" --debug')


# --- command lines ------------------------------------------------------------

def test_buildkitd_image_path_round_trips():
    argv = split_command_line(IMAGE_PATH)
    assert argv == [BUILDKITD, '--run-service', '--service-name', 'buildkitd',
                    '--containerd-cni-config-path=' + CNI_CONF, '--debug']
    assert join_command_line(argv) == IMAGE_PATH


def test_registered_image_path_is_what_register_service_writes():
    assert registered_image_path(BUILDKITD, 'buildkitd', ['--containerd-cni-config-path=' + CNI_CONF, '--debug']) \
        == IMAGE_PATH
    assert registration_command(BUILDKITD, 'buildkitd', ['--debug']) == [
        BUILDKITD, '--register-service', '--service-name', 'buildkitd', '--debug']


# "Parsing C command-line arguments" (learn.microsoft.com) examples, after a program
# name; the doubled-quote case follows CommandLineToArgvW / Go (pre-2008 rule).
@pytest.mark.parametrize('rest, expected', [
    ('"a b c" d e', ['a b c', 'd', 'e']),
    ('"ab\\"c" "\\\\" d', ['ab"c', '\\', 'd']),
    ('a\\\\\\b d"e f"g h', ['a\\\\\\b', 'de fg', 'h']),
    ('a\\\\\\"b c d', ['a\\"b', 'c', 'd']),
    ('a\\\\\\\\"b c" d e', ['a\\\\b c', 'd', 'e']),
    ('a"b"" c d', ['ab"', 'c', 'd']),
    ('"a""b" c', ['a"b c']),
    ('""  x', ['', 'x']),
    ('  tail\\', ['tail\\']),
])
def test_split_follows_the_windows_rules(rest, expected):
    assert split_command_line('prog ' + rest) == ['prog'] + expected


def test_program_name_has_no_escapes():
    # CommandLineToArgvW: the program name ends at the next quote, backslashes are literal.
    assert split_command_line('"C:\\dir\\" a') == ['C:\\dir\\', 'a']
    assert split_command_line('C:\\Program Files\\x.exe --flag') == ['C:\\Program', 'Files\\x.exe', '--flag']
    assert split_command_line('') == []


def test_join_refuses_what_no_command_line_can_hold():
    with pytest.raises(ValueError):
        join_command_line([])
    with pytest.raises(ValueError):
        join_command_line(['C:\\a"b.exe'])


def test_join_quotes_only_what_needs_it():
    assert join_command_line(['C:\\x.exe', 'a', '', 'b c', 'd"e', 'f\\', 'g h\\']) == \
        'C:\\x.exe a "" "b c" d\\"e f\\ "g h\\\\"'


_program = st.text(st.characters(blacklist_characters='"\t \x00', blacklist_categories=('Cs',)), min_size=1)
_argument = st.text(st.characters(blacklist_characters='\x00', blacklist_categories=('Cs',)))


@given(_program, st.lists(_argument, max_size=6))
def test_any_argv_round_trips(program, arguments):
    argv = [program] + arguments
    assert split_command_line(join_command_line(argv)) == argv


# --- service flags and daemon flags -------------------------------------------

def test_service_flags_are_split_off():
    args = ['--run-service', '--service-name', 'bk', '--debug', '--log-file=C:\\l.log', '-service-name=x']
    assert split_registered_arguments(args) == ('x', ['--debug', '--log-file=C:\\l.log'])


def test_flag_forms_compare_equal():
    spec = BUILDKITD_FLAGS
    assert flags_equal(['--debug', '--group=a', '--containerd-cni-binary-dir', 'C:\\b'],
                       ['-containerd-cni-binary-dir=C:\\b', '--group', 'a', '--debug=true'], spec)
    assert not flags_equal(['--debug'], ['--debug=false'], spec)
    assert not flags_equal(['--group', 'a'], ['--group', 'b'], spec)


def test_repeated_flags_keep_every_value_in_order():
    spec = BUILDKITD_FLAGS
    assert normalise_flags(['--addr', 'a', '--debug', '--addr', 'b'], spec) == \
        ((('addr', ('a', 'b')), ('debug', ('true',))), ())
    assert not flags_equal(['--addr', 'a', '--addr', 'b'], ['--addr', 'b', '--addr', 'a'], spec)
    assert not flags_equal(['--group', 'a', '--group', 'b'], ['--group', 'b'], spec)


def test_aliases_and_positionals():
    spec = CONTAINERD_FLAGS
    assert flags_equal(['-c', 'C:\\c.toml', '-l', 'debug'], ['--log-level=debug', '--config=C:\\c.toml'], spec)
    assert parse_flags(['--log-level', 'info', 'extra', '--root', 'x'], spec) == [
        ('log-level', 'info'), (None, 'extra'), (None, '--root'), (None, 'x')]
    assert parse_flags(['--', '--root'], spec) == [(None, '--root')]


@pytest.mark.parametrize('args, message', [
    (['--no-such-flag'], 'flag provided but not defined: -no-such-flag'),
    (['--root'], 'flag needs an argument: -root'),
    (['---root=x'], 'bad flag syntax: ---root=x'),
    (['--debug=maybe'], "invalid boolean value 'maybe' for --debug=maybe"),
])
def test_bad_flags_are_named(args, message):
    with pytest.raises(FlagError) as raised:
        parse_flags(args, BUILDKITD_FLAGS)
    assert str(raised.value) == message


# --- recovery actions ---------------------------------------------------------

def test_failure_actions_decode_the_documented_layout():
    # 24 h reset, 3 actions, array placeholder 0x14, then restart/60 s twice and none.
    data = bytes.fromhex(''.join(['80510100', '00000000', '00000000', '03000000', '14000000',
                                  '01000000', '60ea0000', '01000000', '60ea0000', '00000000', '00000000']))
    recovery = decode_failure_actions(base64.b64encode(data).decode())
    assert recovery == Recovery(86400, (RecoveryAction('restart', 60000), RecoveryAction('restart', 60000),
                                        RecoveryAction('none', 0)))
    assert decode_failure_actions('') is None


def test_failure_actions_round_trip_and_refuse_short_data():
    encoded = encode_failure_actions(REGISTER_SERVICE_RECOVERY)
    assert decode_failure_actions(encoded) == REGISTER_SERVICE_RECOVERY
    with pytest.raises(ValueError):
        decode_failure_actions(base64.b64encode(b'\x00' * 12).decode())
    with pytest.raises(ValueError):
        decode_failure_actions(base64.b64encode(bytes(12) + b'\x05\x00\x00\x00' + bytes(4)).decode())


def test_recovery_params_round_trip():
    params = REGISTER_SERVICE_RECOVERY.to_params()
    assert params == {'reset_period_s': 86400, 'actions': [{'type': 'restart', 'delay_ms': 15000},
                                                           {'type': 'restart', 'delay_ms': 15000},
                                                           {'type': 'none', 'delay_ms': 0}]}
    assert Recovery.from_params(params) == REGISTER_SERVICE_RECOVERY


# --- read entries and differences ---------------------------------------------

def read_entry(**changes):
    entry = {
        'name': 'buildkitd', 'exists': True, 'service_name': 'buildkitd', 'image_path': IMAGE_PATH, 'start': 2,
        'delayed_auto_start': False, 'start_mode': 'Auto', 'dependencies': ['containerd'],
        'object_name': 'LocalSystem', 'display_name': 'Buildkitd', 'description': 'Container image build engine',
        'failure_actions': encode_failure_actions(REGISTER_SERVICE_RECOVERY), 'state': 'Running',
        'process_id': 4242, 'exit_code': 0, 'delete_pending': False, 'dependents': [{'name': 'x', 'state': 'Stopped'}],
    }
    entry.update(changes)
    return entry


def test_read_entry_becomes_config_and_state():
    config, state = service_from_read(read_entry())
    assert config.binary == BUILDKITD
    assert config.arguments[:3] == ('--run-service', '--service-name', 'buildkitd')
    assert config.start_type == 'auto' and config.recovery == REGISTER_SERVICE_RECOVERY
    assert state == ServiceState('Running', 4242, 0, False, (('x', 'Stopped'),))
    assert service_from_read(read_entry(exists=False)) == (None, None)
    assert service_from_read(read_entry(delayed_auto_start=True))[0].start_type == 'delayed'
    assert service_from_read(read_entry(start=4))[0].start_type == 'disabled'


def wanted(**changes):
    values = dict(name='buildkitd', binary=BUILDKITD.upper().replace('\\', '/'),
                  arguments=('--debug', '--containerd-cni-config-path', CNI_CONF), start_type='auto',
                  dependencies=('CONTAINERD',), account='NT AUTHORITY\\SYSTEM',
                  recovery=REGISTER_SERVICE_RECOVERY)
    values.update(changes)
    return ServiceConfig(**values)


def test_no_differences_under_windows_comparison_rules():
    actual, _state = service_from_read(read_entry())
    tracker = differences(wanted(), actual, BUILDKITD_FLAGS)
    assert tracker.empty, tracker.describe()


def test_each_difference_is_named():
    actual, _state = service_from_read(read_entry(dependencies=[]))
    tracker = differences(wanted(arguments=('--debug=false',), start_type='delayed', description='x'),
                          actual, BUILDKITD_FLAGS)
    assert tracker.names() == ['arguments', 'start_type', 'dependencies', 'description']
    before, after = tracker.before_after()
    assert before['dependencies'] == [] and after['dependencies'] == ['CONTAINERD']


def test_arguments_compare_exactly_without_a_flag_spec():
    actual, _state = service_from_read(read_entry())
    assert differences(wanted(), actual).names() == ['arguments']
    assert differences(wanted(arguments=('--nope',)), actual, BUILDKITD_FLAGS).names() == ['arguments']


def test_service_flags_are_required_on_the_host():
    # A hand-edited command line without --run-service, or naming another
    # service, differs even when the daemon flags match.
    for image_path in (IMAGE_PATH.replace(' --run-service', ''),
                       IMAGE_PATH.replace('--service-name buildkitd', '--service-name other')):
        actual, _state = service_from_read(read_entry(image_path=image_path))
        assert differences(wanted(), actual, BUILDKITD_FLAGS).names() == ['arguments']


def test_absent_service_differs_by_existence():
    assert differences(wanted(), None).names() == ['exists']


def test_dependencies_are_a_case_insensitive_set():
    assert same_dependencies(['containerd', 'HNS'], ['hns', 'Containerd', 'containerd'])
    assert not same_dependencies(['containerd'], [])


@pytest.mark.parametrize('text, expected', [
    ('containerd github.com/containerd/containerd/v2 v2.1.4 75cb2b7193e4e490e9fbdc236c0e811ccaba3376\n',
     ('containerd', 'github.com/containerd/containerd/v2', 'v2.1.4')),
    ('containerd github.com/containerd/containerd v1.7.28 b98a3aace656320842a23f4a392a33f46af97866',
     ('containerd', 'github.com/containerd/containerd', 'v1.7.28')),
    ('buildctl github.com/moby/buildkit v0.23.2 40b2ed5e', ('buildctl', 'github.com/moby/buildkit', 'v0.23.2')),
    ('something else', None),
])
def test_version_output(text, expected):
    assert parse_version_output(text) == expected


def test_version_tuple():
    assert version_tuple('v1.7.7') == (1, 7, 7) < version_tuple('1.7.28')
    assert version_tuple('v2.0.0-rc.1') == (2, 0, 0)
    with pytest.raises(ValueError):
        version_tuple('latest')
