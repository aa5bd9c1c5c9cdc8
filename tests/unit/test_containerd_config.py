"""containerd_service's checks, command line and config.toml (plugin_utils/_daemons/containerd.py)."""

from __future__ import annotations

import tomllib

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons import containerd as ctd


def rendered(version=None, extra=None, settings=None, source=None):
    variables = ctd.template_variables(ctd.check_settings(settings), version, ctd.check_extra(extra))
    return ctd.render(variables, source)


@pytest.mark.parametrize('version, config_version, plugin, bin_key', [
    ('v1.7.7', 2, 'io.containerd.grpc.v1.cri', 'bin_dir'),
    ('v1.7.28', 2, 'io.containerd.grpc.v1.cri', 'bin_dir'),
    ('v2.0.6', 3, 'io.containerd.cri.v1.runtime', 'bin_dir'),
    ('v2.1.4', 3, 'io.containerd.cri.v1.runtime', 'bin_dirs'),
    (None, 3, 'io.containerd.cri.v1.runtime', 'bin_dirs'),
])
def test_config_follows_the_layout_of_the_containerd_version(version, config_version, plugin, bin_key):
    config = tomllib.loads(rendered(version))
    assert config['version'] == config_version
    cni = config['plugins'][plugin]['cni']
    assert set(cni) == {bin_key, 'conf_dir'}
    assert cni[bin_key] in ('C:\\Program Files\\containerd\\cni\\bin', ['C:\\Program Files\\containerd\\cni\\bin'])
    assert config['root'] == 'C:\\ProgramData\\containerd\\root'
    assert config['state'] == 'C:\\ProgramData\\containerd\\state'
    assert config['grpc'] == {'address': '\\\\.\\pipe\\containerd-containerd'}


def test_settings_and_extra_go_into_the_config():
    config = tomllib.loads(rendered('v2.1.4', extra={'debug': {'level': 'debug'}, 'grpc': {'max_recv_message_size': 1}},
                                    settings={'root': 'D:\\containerd\\root', 'state': None}))
    assert config['root'] == 'D:\\containerd\\root' and config['state'] == 'C:\\ProgramData\\containerd\\state'
    assert config['debug'] == {'level': 'debug'}
    assert config['grpc'] == {'address': '\\\\.\\pipe\\containerd-containerd', 'max_recv_message_size': 1}


def test_extra_cannot_overwrite_what_the_module_writes():
    with pytest.raises(InvalidArgument, match=r'^config_extra: root: is written by the module itself'):
        rendered(extra={'root': 'D:\\x'})


def test_a_user_template_gets_the_variables_and_must_render_toml():
    source = ('version = {{ config_version }}\nroot = {{ root | toml_value }}\n'
              '[plugins.{{ cri_runtime_plugin | toml_key }}.cni]\nconf_dir = {{ cni_conf_dir | toml_value }}\n')
    assert tomllib.loads(rendered('v1.7.28', source=source)) == {
        'version': 2, 'root': 'C:\\ProgramData\\containerd\\root',
        'plugins': {'io.containerd.grpc.v1.cri': {'cni': {'conf_dir': 'C:\\Program Files\\containerd\\cni\\conf'}}}}
    with pytest.raises(InvalidArgument, match=r'^config_template: renders text that is not valid TOML'):
        rendered(source='[grpc]\n[grpc]\n')
    with pytest.raises(InvalidArgument, match=r'^config_template: cannot be rendered'):
        rendered(source='{{ no_such_variable }}')


def test_config_compares_as_toml():
    wanted = rendered('v2.1.4')
    assert ctd.same_config(wanted.encode(), wanted)
    assert ctd.same_config(('# by hand\r\n' + wanted.replace('\n', '\r\n')).encode(), wanted)
    assert not ctd.same_config(wanted.replace('version = 3', 'version = 2').encode(), wanted)
    assert not ctd.same_config(b'not toml [', wanted)
    assert not ctd.same_config(b'\xff\xfe', wanted)
    assert not ctd.same_config(None, wanted)


@pytest.mark.parametrize('value, problem', [
    ('C:\\Program Files\\containerd\\bin\\containerd.exe', None),
    ('C:/Program Files/containerd/config.toml', None),
    ('\\\\server\\share\\containerd.exe', None),
    ('%ProgramFiles%\\containerd\\config.toml', 'environment variable'),
    ('containerd.exe', 'not an absolute'),
    ('C:\\containerd\\', 'not an absolute'),
    ('C:\\a|b', 'cannot hold'),
    ('', 'non-empty'),
])
def test_paths_must_be_literal_and_absolute(value, problem):
    found = ctd.path_problem(value)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize('arguments, message', [
    (['--no-such'], 'flag provided but not defined: -no-such'),
    (['--root'], 'flag needs an argument: -root'),
    (['config'], 'subcommand'),
    (['--log-level=debug'], '--log-level is written from the log_level option'),
    (['-c', 'C:\\x.toml'], '--config is written from the config_path option'),
    (['--service-name', 'x'], 'set by the service registration'),
    (['--register-service'], 'set by the service registration'),
])
def test_extra_args_are_checked_as_containerd_reads_them(arguments, message):
    with pytest.raises(InvalidArgument) as raised:
        ctd.check_extra_args(arguments)
    assert str(raised.value).startswith('extra_args: ') and message in str(raised.value)


def test_accepted_extra_args_are_kept_as_given():
    assert ctd.check_extra_args(['--root=D:\\r', '-a', '\\\\.\\pipe\\x']) == ['--root=D:\\r', '-a', '\\\\.\\pipe\\x']


def test_daemon_arguments():
    assert ctd.daemon_arguments('C:\\c.toml', 'C:\\l.log', 'debug', ['--root', 'D:\\r']) == [
        '--config', 'C:\\c.toml', '--log-file', 'C:\\l.log', '--log-level', 'debug', '--root', 'D:\\r']
    assert ctd.daemon_arguments(None, None, None, []) == []


def test_too_old():
    assert ctd.too_old('v1.7.7', '1.7.7') is None and ctd.too_old('2.1.4', '1.7.7') is None
    assert 'moby/buildkit#4826' in ctd.too_old('v1.6.24', '1.7.7')
    stricter = ctd.too_old('v1.7.28', '2.0.0')
    assert stricter == 'containerd v1.7.28 is older than 2.0.0.'


@pytest.mark.parametrize('settings, option', [
    ({'grpc_address': 'npipe:////./pipe/containerd-containerd'}, 'config.grpc_address'),
    ({'root': 'relative\\root'}, 'config.root'),
    ({'cni_conf_dir': '%ProgramFiles%\\containerd\\cni\\conf'}, 'config.cni_conf_dir'),
])
def test_settings_are_checked(settings, option):
    with pytest.raises(InvalidArgument) as raised:
        ctd.check_settings(settings)
    assert str(raised.value).startswith(option + ': ')


@pytest.mark.parametrize('name', ['containerd\n', '', 'a/b', 'a\\b', ' containerd', 'x' * 257])
def test_bad_service_names(name):
    with pytest.raises(InvalidArgument, match='^name: '):
        ctd.check_name(name)


def test_a_line_break_makes_no_pipe_nor_path():
    with pytest.raises(InvalidArgument, match='^config.grpc_address: '):
        ctd.check_settings({'grpc_address': '\\\\.\\pipe\\containerd\n'})
    assert 'cannot hold' in ctd.path_problem('C:\\containerd\n')


@pytest.mark.parametrize('version, config_version, cni_bin_dirs', [
    ('1.7.99', 2, False),
    ('2.0.0', 3, False),
    ('2.0.99', 3, False),
    ('2.1.0', 3, True),
    ('v2.1.0', 3, True),
    (None, 3, True),  # unknown: the newest layout
])
def test_layout_boundaries(version, config_version, cni_bin_dirs):
    found = ctd.layout(version)
    assert (found['config_version'], found['cni_bin_dirs']) == (config_version, cni_bin_dirs)
