"""The TOML writer and merge of containerd_service's config (plugin_utils/_daemons/containerd_toml.py)."""

from __future__ import annotations

import math
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.wcow.buildkit.plugins.plugin_utils._daemons import containerd_toml as toml

scalars = st.one_of(st.booleans(), st.integers(min_value=-2 ** 63, max_value=2 ** 63 - 1),
                    st.floats(allow_nan=False), st.text())
keys = st.text(min_size=1, max_size=12)
inline = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                      max_leaves=6)
tables = st.recursive(st.dictionaries(keys, inline, max_size=3),
                      lambda inner: st.dictionaries(keys, inline | inner, max_size=3), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(tables)
def test_what_is_written_reads_back_the_same(document):
    assert tomllib.loads(toml.to_toml(document)) == document


def test_windows_paths_are_literal_strings_as_containerd_config_default_prints_them():
    text = toml.to_toml({'root': 'C:\\ProgramData\\containerd\\root', 'grpc': {'address': '\\\\.\\pipe\\x'}})
    assert text == "root = 'C:\\ProgramData\\containerd\\root'\n\n[grpc]\naddress = '\\\\.\\pipe\\x'"


def test_strings_that_cannot_be_literal_are_escaped():
    assert toml.string("it's") == '"it\'s"'
    assert toml.string('a\nb\x7f') == '"a\\nb\\u007F"'
    assert tomllib.loads('v = ' + toml.string('tab\there'))['v'] == 'tab\there'


def test_only_tables_holding_values_get_a_header():
    text = toml.to_toml({'plugins': {'io.containerd.cri.v1.runtime': {'cni': {'conf_dir': 'C:\\c'}}}, 'empty': {}})
    assert text.splitlines() == ['[plugins."io.containerd.cri.v1.runtime".cni]', "conf_dir = 'C:\\c'", '', '[empty]']


@pytest.mark.parametrize('value, where', [
    ({'a': None}, 'a'),
    ({'a': {'b': [1, object()]}}, 'a.b[1]'),
    ({'a': 2 ** 64}, 'a'),
    ({1: 'x'}, '(top)'),
])
def test_values_toml_cannot_hold_are_named(value, where):
    with pytest.raises(toml.TomlValueError) as raised:
        toml.to_toml(value)
    assert str(raised.value).startswith(where + ':')


def test_special_floats():
    assert [toml.value(v) for v in (math.inf, -math.inf, math.nan)] == ['inf', '-inf', 'nan']


def test_merge_adds_keys_and_tables_and_refuses_to_overwrite():
    base = {'version': 3, 'grpc': {'address': 'p'}}
    merged = toml.merge(base, {'grpc': {'max_recv_message_size': 1}, 'debug': {'level': 'info'}})
    assert merged == {'version': 3, 'grpc': {'address': 'p', 'max_recv_message_size': 1}, 'debug': {'level': 'info'}}
    assert base == {'version': 3, 'grpc': {'address': 'p'}}, 'the base is not changed'
    for extra, where in (({'grpc': {'address': 'q'}}, 'grpc.address'), ({'grpc': 'x'}, 'grpc'),
                         ({'version': 2}, 'version')):
        with pytest.raises(toml.TomlValueError) as raised:
            toml.merge(base, extra)
        assert raised.value.where == where


def test_loads_reports_bad_toml_as_value_error():
    with pytest.raises(ValueError):
        toml.loads('[grpc]\n[grpc]\n')
