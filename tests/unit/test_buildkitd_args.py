"""plugin_utils/_daemons/buildkitd.py: option checks, the daemon arguments and their comparison."""

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons import buildkitd as bk

LOG = 'C:\\ProgramData\\buildkitd\\buildkitd.log'
OPTIONS = dict(log_file=bk.DEFAULT_LOG_FILE, debug=False, containerd_address=bk.DEFAULT_CONTAINERD_ADDRESS,
               cni_config_path=bk.DEFAULT_CNI_CONFIG, cni_binary_dir=bk.DEFAULT_CNI_BINARY_DIR, groups=[],
               extra_args=[], tlscert=None, tlskey=None, tlscacert=None)
TLS = dict(tlscert='C:\\certs\\server.pem', tlskey='C:\\certs\\server-key.pem', tlscacert='C:\\certs\\ca.pem')


def options(**changes):
    return dict(OPTIONS, **changes)


def test_default_arguments_spell_out_every_path():
    assert bk.daemon_arguments(options(), None) == [
        '--log-file', LOG,
        '--containerd-worker-addr', '\\\\.\\pipe\\containerd-containerd',
        '--containerd-cni-config-path', 'C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf',
        '--containerd-cni-binary-dir', 'C:\\Program Files\\containerd\\cni\\bin']


def test_groups_become_one_comma_separated_flag_and_extra_args_come_last():
    arguments = bk.daemon_arguments(options(groups=['buildkit-users', 'CORP\\Build Team'], debug=True, log_file='',
                                            extra_args=['--containerd-worker-gc-keepstorage=20000']),
                                    'C:\\ProgramData\\buildkitd\\buildkitd.toml')
    assert arguments[:3] == ['--debug', '--config', 'C:\\ProgramData\\buildkitd\\buildkitd.toml']
    assert arguments[-3:] == ['--group', 'buildkit-users,CORP\\Build Team', '--containerd-worker-gc-keepstorage=20000']
    assert '--log-file' not in arguments


@pytest.mark.parametrize('extra, message', [
    (['--no-such-flag'], 'flag provided but not defined: -no-such-flag'),
    (['--root'], 'flag needs an argument: -root'),
    (['--group=x'], '--group is set by the option groups'),
    (['-log-file', 'C:\\x.log'], '--log-file is set by the option log_file'),
    (['--debug=false'], '--debug is set by the option debug'),
    (['--service-name', 'x'], '--service-name is for the service registration'),
    (['--run-service'], '--run-service is for the service registration'),
    (['--version'], '--version is for the service registration'),
    (['--root', 'D:\\bk', 'serve'], "'serve' is not a flag"),
])
def test_extra_args_that_buildkitd_refuses_or_the_module_sets_fail_naming_the_option(extra, message):
    with pytest.raises(InvalidArgument) as raised:
        bk.check_extra_args(extra)
    assert str(raised.value).startswith('extra_args: ')
    assert message in str(raised.value)


def test_known_extra_args_pass():
    bk.check_extra_args(['--root', 'D:\\buildkit', '--containerd-worker-gc-keepstorage=20000', '--trace',
                         '--allow-insecure-entitlement', 'network.host'])


@pytest.mark.parametrize('name', ['buildkit-users', 'Build Users', 'CORP\\Build Users', 'BUILTIN\\Users', 'x'])
def test_good_group_names(name):
    assert bk.group_problem(name) is None


@pytest.mark.parametrize('name, words', [
    ('', 'must not be empty'),
    ('a,b', 'does not allow'),
    ('team;x', 'does not allow'),
    ('x.', 'ends with a period'),
    (' x', 'leading or trailing'),
    ('\\x', 'NAME or DOMAIN'),
    ('CORP\\', 'the group name must not be empty'),
    ('A\\B\\C', 'NAME or DOMAIN'),
    ('CORP\\a*b', 'does not allow'),
])
def test_bad_group_names(name, words):
    assert words in bk.group_problem(name)


def test_a_group_listed_twice_is_refused():
    assert bk.group_list_problem(['a', 'B', 'b']) == ('groups[2]', "'b' is listed twice")
    assert bk.group_list_problem(['a', 'b,c'])[0] == 'groups[1]'
    assert bk.group_list_problem(['a', 'b']) is None


@pytest.mark.parametrize('path, directory, words', [
    ('C:\\ProgramData\\buildkitd\\x.log', False, None),
    ('\\\\server\\share\\x.toml', False, None),
    ('C:\\Program Files\\containerd\\cni\\bin\\', True, None),
    ('C:\\Program Files\\containerd\\cni\\bin\\', False, 'names a folder'),
    ('%ProgramData%\\buildkitd\\x.log', False, 'environment variable'),
    ('C:/ProgramData/x.log', False, 'not an absolute Windows path'),
    ('relative\\x.log', False, 'not an absolute Windows path'),
    ('C:\\a"b', False, 'double quote'),
    ('', False, 'must not be empty'),
])
def test_paths(path, directory, words):
    problem = bk.path_problem(path, directory)
    assert problem is None if words is None else words in problem


WANTED = ['--log-file', LOG, '--debug', '--group', 'buildkit-users']


@pytest.mark.parametrize('registered, same', [
    (['--run-service', '--service-name', 'buildkitd'] + WANTED, True),
    # BuildKit's guide registers without --service-name: the default name.
    (['--run-service', '--debug', '--group=buildkit-users', '--log-file=' + LOG], True),
    (['--run-service', '--service-name=BuildKitD', '-debug', '-group', 'buildkit-users', '--log-file', LOG], True),
    (WANTED, False),
    (['--run-service', '--service-name', 'other'] + WANTED, False),
    (['--run-service'] + WANTED + ['--trace'], False),
    (['--run-service', '--log-file', LOG, '--group', 'buildkit-users'], False),
    (['--run-service', '--log-file', LOG, '--debug', '--group', 'buildkit-users,others'], False),
    (['--run-service', '--no-such-flag'] + WANTED, False),
])
def test_registered_arguments_compare_as_buildkitd_reads_them(registered, same):
    assert bk.same_daemon_arguments(WANTED, registered, 'buildkitd') is same


def test_other_service_names_need_their_service_name_flag():
    assert not bk.same_daemon_arguments(WANTED, ['--run-service'] + WANTED, 'buildkitd-2')
    assert bk.same_daemon_arguments(WANTED, ['--run-service', '--service-name', 'buildkitd-2'] + WANTED, 'buildkitd-2')


@pytest.mark.parametrize('version, warned', [('v0.13.2', True), ('v0.14.0', False), ('v0.23.2', False), (None, False)])
def test_groups_with_buildkit_before_0_14_warn(version, warned):
    assert bool(bk.version_warnings(version, ['buildkit-users'])) is warned
    assert bk.version_warnings(version, []) == []


@pytest.mark.parametrize('name, good', [('buildkitd', True), ('buildkitd-2', True), ('', False), ('a/b', False),
                                        ('a\\b', False), (' x', False), ('x' * 257, False)])
def test_service_names(name, good):
    assert (bk.service_name_problem(name) is None) is good


@pytest.mark.parametrize('extra_args, config', [
    (['--addr', 'tcp://0.0.0.0:1234'], None),
    (['--addr=TCP://10.0.0.5:1234'], None),
    ([], {'grpc': {'address': ['npipe:////./pipe/buildkitd', 'tcp://0.0.0.0:1234']}}),
    ([], {'grpc': {'address': 'tcp://127.0.0.1:1234'}}),
])
def test_a_tcp_listener_without_mutual_tls_is_refused_naming_the_options(extra_args, config):
    with pytest.raises(InvalidArgument) as raised:
        bk.check_tls(options(extra_args=extra_args), config)
    assert str(raised.value).startswith('tlscert: ')
    assert 'tlscert, tlskey and tlscacert' in str(raised.value) and 'tcp://' in str(raised.value).lower()
    # A certificate without the client CA is TLS, not mutual TLS.
    with pytest.raises(InvalidArgument, match='missing: tlscacert'):
        bk.check_tls(options(extra_args=extra_args, tlscert=TLS['tlscert'], tlskey=TLS['tlskey']), config)
    bk.check_tls(options(extra_args=extra_args, **TLS), config)


@pytest.mark.parametrize('extra_args, config', [
    ([], None),
    (['--addr', 'npipe:////./pipe/buildkitd'], {'grpc': {'address': ['npipe:////./pipe/other']}}),
])
def test_pipes_need_no_tls(extra_args, config):
    bk.check_tls(options(extra_args=extra_args), config)


def test_tls_options_become_flags_that_extra_args_may_not_set():
    arguments = bk.daemon_arguments(options(**TLS), None)
    assert arguments[-6:] == ['--tlscert', TLS['tlscert'], '--tlskey', TLS['tlskey'], '--tlscacert', TLS['tlscacert']]
    with pytest.raises(InvalidArgument, match='--tlscacert is set by the option tlscacert'):
        bk.check_extra_args(['--tlscacert', 'C:\\ca.pem'])
