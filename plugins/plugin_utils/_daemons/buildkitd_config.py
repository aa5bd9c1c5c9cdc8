# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""buildkitd.toml: the variables a template sees (checked), rendering, and comparison.

The file is compared as TOML (tomllib, in the standard library since Python
3.11, which every supported ansible-core needs on the controller), so
comments and formatting do not make a change.
"""

from __future__ import annotations

import re
import tomllib
import typing as t

from .._buildctl.options import address_problem
from .buildkitd_gc import gc_keys
from .._core.errors import InvalidArgument
from .._core.templating import ConfigTemplate

if t.TYPE_CHECKING:
    from jinja2 import Template

# util/network/netproviders: "auto" uses CNI when its config exists, else no
# network; "cni" requires it; "host" is refused on Windows (docs/windows-facts.md#buildkitd-networking).
NETWORK_MODES = ('auto', 'cni')
_HOST = re.compile(r'^[A-Za-z0-9.\-_:\[\]]+(?:/[^\s"]*)?$')

_ESCAPES = {'"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r'}


def _toml_string(text: str) -> str:
    """A TOML basic string (toml.io v1.0.0 "String"): quote, backslash and the
    control characters escaped, everything else as it is (the file is UTF-8)."""
    out = []
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif code < 0x20 or code == 0x7f:
            out.append('\\u%04x' % code)
        elif 0xd800 <= code <= 0xdfff:
            raise ValueError('a lone surrogate (U+%04X) cannot be written to a UTF-8 file' % code)
        else:
            out.append(char)
    return '"%s"' % ''.join(out)


def to_toml(value: str | list[str]) -> str:
    """A TOML value for a string or a list of strings."""
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return '[%s]' % ', '.join(_toml_string(v) for v in value)
    raise TypeError('to_toml takes a string or a list of strings, not %r' % (value,))


def template_variables(options: dict[str, t.Any]) -> dict[str, t.Any]:
    """The checked variables a template renders with; InvalidArgument names the option at fault."""
    addresses = []
    for index, address in enumerate(options['grpc_addresses'] or []):
        problem = address_problem(address)
        if problem:
            raise InvalidArgument('grpc_addresses[%d]' % index, problem)
        addresses.append(address)
    mirrors = {}
    for registry, hosts in (options['registry_mirrors'] or {}).items():
        where = 'registry_mirrors[%r]' % (registry,)
        if not isinstance(registry, str) or not _HOST.match(registry):
            raise InvalidArgument('registry_mirrors', '%r is not a registry host name such as docker.io' % (registry,))
        if not isinstance(hosts, list) or not hosts:
            raise InvalidArgument(where, 'must be a non-empty list of mirror hosts')
        for host in hosts:
            if not isinstance(host, str) or not _HOST.match(host):
                raise InvalidArgument(where, '%r is not a mirror host such as mirror.example.com:5000' % (host,))
        mirrors[str(registry)] = [str(h) for h in hosts]
    return dict(
        containerd_address=str(options['containerd_address']),
        network_mode=str(options['network_mode']),
        cni_config_path=str(options['cni_config_path']),
        cni_binary_dir=str(options['cni_binary_dir']),
        grpc_addresses=[str(a) for a in addresses],
        registry_mirrors=mirrors,
        gc=gc_keys(options.get('gc')),
    )


_TEMPLATE = ConfigTemplate('buildkitd.toml.j2', {'to_toml': to_toml})


def builtin_template() -> str:
    return _TEMPLATE.builtin


def compile_template(source: str, option: str = 'config_template') -> Template:
    return _TEMPLATE.compile(source, option)


def render(variables: dict[str, t.Any], source: str | None = None,
           option: str = 'config_template') -> tuple[str, dict[str, t.Any]]:
    """(text, parsed document) of the config: the built-in template when source is None."""
    text = _TEMPLATE.render(variables, source, option)
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidArgument(option, 'renders text that is not valid TOML: %s' % error)


def existing_document(data: bytes | None) -> dict[str, t.Any] | None:
    """The existing file's bytes as TOML, or None when they are not UTF-8 TOML
    (TOML files are UTF-8, toml.io v1.0.0); such a file is written again."""
    if data is None:
        return None
    try:
        return tomllib.loads(data.decode('utf-8'))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def same_document(existing: dict[str, t.Any] | None, wanted: dict[str, t.Any]) -> bool:
    return existing is not None and existing == wanted
