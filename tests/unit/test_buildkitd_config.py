"""plugin_utils/_daemons/buildkitd_config.py: buildkitd.toml rendered, parsed and compared."""

import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument
from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons import buildkitd_config as bkconf

OPTIONS = dict(containerd_address='\\\\.\\pipe\\containerd-containerd', network_mode='auto',
               cni_config_path='C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf',
               cni_binary_dir='C:\\Program Files\\containerd\\cni\\bin', grpc_addresses=None, registry_mirrors=None)


def rendered(**changes):
    return bkconf.render(bkconf.template_variables(dict(OPTIONS, **changes)))


def test_the_default_config_holds_the_containerd_worker_only():
    text, document = rendered()
    assert document == {'worker': {'containerd': {
        'address': '\\\\.\\pipe\\containerd-containerd', 'networkMode': 'auto',
        'cniConfigPath': 'C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf',
        'cniBinaryPath': 'C:\\Program Files\\containerd\\cni\\bin'}}}
    assert text.startswith('# Written by wcow.buildkit')


def test_addresses_and_mirrors():
    _text, document = rendered(network_mode='cni', grpc_addresses=['npipe:////./pipe/buildkitd', 'tcp://0.0.0.0:1234'],
                               registry_mirrors={'docker.io': ['mirror.example.com:5000'],
                                                 'mcr.microsoft.com': ['m1.example', 'm2.example/proxy']})
    assert document['grpc'] == {'address': ['npipe:////./pipe/buildkitd', 'tcp://0.0.0.0:1234']}
    assert document['registry'] == {'docker.io': {'mirrors': ['mirror.example.com:5000']},
                                    'mcr.microsoft.com': {'mirrors': ['m1.example', 'm2.example/proxy']}}
    assert document['worker']['containerd']['networkMode'] == 'cni'


@given(st.text(st.characters(blacklist_categories=('Cs',)), min_size=1))
def test_any_path_survives_rendering(path):
    _text, document = rendered(cni_binary_dir=path, cni_config_path=path + '\\x.conf')
    assert document['worker']['containerd']['cniBinaryPath'] == path
    assert document['worker']['containerd']['cniConfigPath'] == path + '\\x.conf'


@pytest.mark.parametrize('option, changes', [
    ('grpc_addresses[0]', dict(grpc_addresses=['unix:///run/buildkit.sock'])),
    ('grpc_addresses[1]', dict(grpc_addresses=['npipe:////./pipe/buildkitd', 'tcp://'])),
    ('registry_mirrors', dict(registry_mirrors={'docker io': ['m.example']})),
    ("registry_mirrors['docker.io']", dict(registry_mirrors={'docker.io': []})),
    ("registry_mirrors['docker.io']", dict(registry_mirrors={'docker.io': 'm.example'})),
    ("registry_mirrors['docker.io']", dict(registry_mirrors={'docker.io': ['m .example']})),
])
def test_bad_values_name_the_option(option, changes):
    with pytest.raises(InvalidArgument) as raised:
        bkconf.template_variables(dict(OPTIONS, **changes))
    assert str(raised.value).startswith(option + ': ')


def test_formatting_and_comments_are_no_difference():
    _text, wanted = rendered()
    other = ('[worker]\ncontainerd = { address = "\\\\\\\\.\\\\pipe\\\\containerd-containerd", networkMode = "auto", '
             "cniConfigPath = 'C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf', "
             "cniBinaryPath = 'C:\\Program Files\\containerd\\cni\\bin' }  # by hand\n")
    assert bkconf.same_document(bkconf.existing_document(other.encode()), wanted)
    assert not bkconf.same_document(bkconf.existing_document(b'debug = true\n' + other.encode()), wanted)


def test_unreadable_files_are_written_again():
    _text, wanted = rendered()
    assert bkconf.existing_document(None) is None
    assert bkconf.existing_document(b'[worker.containerd\n') is None
    assert bkconf.existing_document(b'\xff\xfe') is None
    assert not bkconf.same_document(None, wanted)


def test_a_template_of_the_user():
    variables = bkconf.template_variables(OPTIONS)
    source = 'debug = true\n[worker.containerd]\n  address = {{ containerd_address | to_toml }}'
    text, document = bkconf.render(variables, source)
    assert document == {'debug': True, 'worker': {'containerd': {'address': '\\\\.\\pipe\\containerd-containerd'}}}
    assert text.endswith('\n')
    for source, words in (('debug = {{ nope }}', 'cannot be rendered'),
                          ('{% if %}', 'not a valid Jinja2 template'),
                          ('debug = [', 'not valid TOML'),
                          ('x = {{ network_mode | to_toml(1) }}', 'cannot be rendered'),
                          ('{{ [1] | to_toml }}', 'cannot be rendered')):
        with pytest.raises(InvalidArgument) as raised:
            bkconf.render(variables, source)
        assert str(raised.value).startswith('config_template: ') and words in str(raised.value)


@given(st.one_of(st.text(st.characters(blacklist_categories=('Cs',))),
                 st.lists(st.text(st.characters(blacklist_categories=('Cs',))))))
def test_to_toml_reads_back_with_tomllib(value):
    assert tomllib.loads('v = %s' % bkconf.to_toml(value))['v'] == value


def test_to_toml_refuses_what_utf_8_cannot_hold():
    with pytest.raises(ValueError):
        bkconf.to_toml('a\ud800')


# --- gc: moby/buildkit cmd/buildkitd/config/config.go (GCConfig, GCPolicy), gcpolicy.go (the values) ----------

def gc_rendered(gc):
    return rendered(gc=gc)[1]['worker']['containerd']


def test_gc_keys_and_policies_are_written_as_buildkitd_reads_them():
    worker = gc_rendered(dict(enabled=True, reserved_space='10GB', max_used_space='80%', min_free_space=1000000,
                              policies=[dict(all=False, filters=['type==exec.cachemount', 'type==source.local'],
                                             keep_duration='48h', max_used_space='512MB'),
                                        dict(all=True, filters=[], keep_duration=5184000, reserved_space='2GiB')]))
    assert worker['gc'] is True
    assert (worker['reservedSpace'], worker['maxUsedSpace'], worker['minFreeSpace']) == ('10GB', '80%', '1000000')
    assert worker['gcpolicy'] == [
        {'filters': ['type==exec.cachemount', 'type==source.local'], 'keepDuration': '48h', 'maxUsedSpace': '512MB'},
        {'all': True, 'keepDuration': '5184000', 'reservedSpace': '2GiB'}]
    assert worker['networkMode'] == 'auto'


def test_gc_disabled_alone_and_no_gc_at_all():
    assert gc_rendered(dict(enabled=False, policies=None))['gc'] is False
    assert 'gc' not in gc_rendered(dict(enabled=None, policies=[]))
    assert 'gcpolicy' not in gc_rendered(None)


@pytest.mark.parametrize('value', ['0', '512MB', '10GiB', '1.5 gb', '1000000', '100%', '0%', 7, 0])
def test_disk_spaces_buildkitd_reads(value):
    assert gc_rendered(dict(max_used_space=value))['maxUsedSpace'] == str(value)


@pytest.mark.parametrize('value', ['48h', '1h30m', '1.5h', '90s', '0', '3600', 3600])
def test_durations_buildkitd_reads(value):
    assert gc_rendered(dict(policies=[dict(keep_duration=value)]))['gcpolicy'][0]['keepDuration'] == str(value)


@pytest.mark.parametrize('option, gc, words', [
    ('gc.reserved_space', dict(reserved_space=-1), 'must not be negative'),
    ('gc.max_used_space', dict(max_used_space='-10GB'), "is not a size such as 10GB"),
    ('gc.max_used_space', dict(max_used_space='10 gigabytes'), "is not a size such as 10GB"),
    ('gc.min_free_space', dict(min_free_space='101%'), 'more than the whole disk'),
    ('gc.min_free_space', dict(min_free_space='-5%'), 'is not a size'),
    ('gc.min_free_space', dict(min_free_space=True), 'is not a size'),
    ('gc.policies[1].keep_duration', dict(policies=[{}, dict(keep_duration='2 days')]), 'is not a duration such as 48h'),
    ('gc.policies[0].keep_duration', dict(policies=[dict(keep_duration=-60)]), 'must not be negative'),
    ('gc.policies[0].keep_duration', dict(policies=[dict(keep_duration='48d')]), 'is not a duration'),
    ('gc.policies[0].max_used_space', dict(policies=[dict(max_used_space='1XB')]), 'is not a size'),
    ('gc.policies[0].filters[1]', dict(policies=[dict(filters=['type==regular', ' '])]), 'must be a filter'),
])
def test_bad_gc_values_name_the_option_and_what_is_valid(option, gc, words):
    with pytest.raises(InvalidArgument) as raised:
        bkconf.template_variables(dict(OPTIONS, gc=gc))
    assert str(raised.value).startswith(option + ': ')
    assert words in str(raised.value)
