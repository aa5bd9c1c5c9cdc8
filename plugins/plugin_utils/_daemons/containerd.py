# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""containerd on Windows as containerd_service manages it: defaults, checks, flags and config.toml.

Facts (docs/windows-facts.md#containerd-on-windows unless said otherwise):
- installed to %ProgramFiles%\\containerd (the release archive's members are
  under bin/), config %ProgramFiles%\\containerd\\config.toml, root
  %ProgramData%\\containerd\\root, state %ProgramData%\\containerd\\state, pipe
  \\\\.\\pipe\\containerd-containerd;
- CNI directories %ProgramFiles%\\containerd\\cni\\bin and ...\\cni\\conf
  (internal/cri/config/config_windows.go);
- config version 2 in containerd 1.x, version 3 from 2.0 (docs/cri/config.md);
  the CNI settings are in plugins."io.containerd.grpc.v1.cri".cni for version 2
  and plugins."io.containerd.cri.v1.runtime".cni for version 3, whose bin_dir
  gave way to the list bin_dirs in 2.1 (containerd/containerd#11311);
- --log-level takes trace, debug, info, warn, error, fatal, panic
  (cmd/containerd/command/main.go);
- 1.6.x breaks BuildKit ("failed to create scratch layer", moby/buildkit#4826):
  1.7.7 or newer is required.

Paths go into the service's command line and the config as they are:
containerd expands no %VARIABLES%, so they must be literal absolute paths.
"""

from __future__ import annotations

import re
import typing as t

from .._core.errors import InvalidArgument
from .._core.templating import ConfigTemplate
from .._service.daemon_flags import CONTAINERD_FLAGS
from .._service.flags import FlagError, parse_flags
from .._service.registration import REGISTERED_DISPLAY
from .._service.versions import version_tuple
from . import containerd_toml as toml

if t.TYPE_CHECKING:
    from jinja2 import Template

DEFAULT_BINARY = 'C:\\Program Files\\containerd\\bin\\containerd.exe'
DEFAULT_CONFIG_PATH = 'C:\\Program Files\\containerd\\config.toml'
DEFAULT_SETTINGS = dict(
    root='C:\\ProgramData\\containerd\\root',
    state='C:\\ProgramData\\containerd\\state',
    grpc_address='\\\\.\\pipe\\containerd-containerd',
    cni_bin_dir='C:\\Program Files\\containerd\\cni\\bin',
    cni_conf_dir='C:\\Program Files\\containerd\\cni\\conf',
)
LOG_LEVELS = ('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'panic')
MIN_VERSION = '1.7.7'
SERVICE_NAME = 'containerd'
DESCRIPTION = REGISTERED_DISPLAY['containerd'][1]
# Flags the module writes from its own options, and the registration's own.
MANAGED_FLAGS = {'config': 'config_path', 'log-file': 'log_file', 'log-level': 'log_level'}
SERVICE_FLAGS = ('register-service', 'unregister-service', 'run-service', 'service-name', 'version', 'help')

_ABSOLUTE = re.compile(r'^(?:[A-Za-z]:\\|\\\\[^\\?.][^\\]*\\[^\\]+)')
_PIPE = re.compile(r'\\\\\.\\pipe\\[^\\\x00-\x1f]+')
_SERVICE_NAME = re.compile(r'[^\\/\x00-\x1f]{1,256}')


# --- checks before the host is touched --------------------------------------------

def path_problem(value: t.Any) -> str | None:
    """Why `value` is not a literal absolute Windows path; None when it is one."""
    if not isinstance(value, str) or not value:
        return 'must be a non-empty path'
    text = value.replace('/', '\\')
    if '%' in text:
        return '%r holds an environment variable, which containerd does not expand: give the path itself' % value
    if not _ABSOLUTE.match(text) or text.endswith('\\'):
        return '%r is not an absolute Windows path (C:\\... or \\\\server\\share\\...)' % value
    if any(c in text for c in '"<>|?*') or ':' in text[2:] or any(ord(c) < 32 for c in text):
        return '%r holds a character Windows paths cannot hold' % value
    return None


def check_path(option: str, value: str) -> str:
    problem = path_problem(value)
    if problem:
        raise InvalidArgument(option, problem)
    return value.replace('/', '\\')


def check_name(name: t.Any) -> str:
    if not isinstance(name, str) or not _SERVICE_NAME.fullmatch(name) or name != name.strip():
        raise InvalidArgument('name', '%r is not a service name (1 to 256 characters, no / or \\, no leading or '
                              'trailing space)' % (name,))
    return name


def check_settings(settings: dict[str, str | None] | None) -> dict[str, str]:
    """The `config` option with defaults filled in, each value checked."""
    checked = dict(DEFAULT_SETTINGS)
    for name, item in (settings or {}).items():
        if item is None:
            continue
        option = 'config.%s' % name
        if name == 'grpc_address':
            if not isinstance(item, str) or not _PIPE.fullmatch(item):
                raise InvalidArgument(option, '%r is not a named pipe path such as \\\\.\\pipe\\containerd-containerd'
                                      % (item,))
            checked[name] = item
        else:
            checked[name] = check_path(option, item)
    return checked


def check_extra(extra: t.Any) -> dict[str, t.Any]:
    """config_extra as plain values, each one TOML can hold."""
    if not extra:
        return {}
    if not isinstance(extra, dict):
        raise InvalidArgument('config_extra', 'must be a dictionary of TOML keys and tables')
    plain = _plain(extra)
    try:
        toml.to_toml(plain)
    except toml.TomlValueError as error:
        raise InvalidArgument('config_extra', str(error))
    return plain


def _plain(item: t.Any) -> t.Any:
    # Ansible hands str/dict/list subclasses: make them plain for the writer and comparisons.
    if isinstance(item, dict):
        return dict((str(k) if isinstance(k, str) else k, _plain(v)) for k, v in item.items())
    if isinstance(item, (list, tuple)):
        return [_plain(v) for v in item]
    if isinstance(item, bool):
        return bool(item)
    if isinstance(item, str):
        return str(item)
    return item


def check_extra_args(extra_args: t.Iterable[t.Any] | None) -> list[str]:
    """extra_args as containerd's flag parser reads them; InvalidArgument('extra_args') otherwise."""
    arguments = [str(a) for a in extra_args or []]
    try:
        parsed = parse_flags(arguments, CONTAINERD_FLAGS)
    except FlagError as error:
        raise InvalidArgument('extra_args', '%s (containerd would refuse it; its flags are %s)'
                              % (error, ', '.join('--' + f for f in _daemon_flags())))
    for name, item in parsed:
        if name is None:
            raise InvalidArgument('extra_args', '%r is not a flag: containerd would read it as a subcommand' % item)
        if name in SERVICE_FLAGS:
            raise InvalidArgument('extra_args', '--%s is set by the service registration, not by extra_args' % name)
        if name in MANAGED_FLAGS:
            raise InvalidArgument('extra_args', '--%s is written from the %s option' % (name, MANAGED_FLAGS[name]))
    return arguments


def _daemon_flags() -> list[str]:
    flags = CONTAINERD_FLAGS
    return sorted(f for f in flags.value_flags | flags.bool_flags if f not in SERVICE_FLAGS and f not in MANAGED_FLAGS)


def check_version(option: str, version: t.Any) -> tuple[int, ...]:
    try:
        return version_tuple(version)
    except ValueError:
        raise InvalidArgument(option, '%r is not a version such as 2.1.4 or v1.7.28' % (version,))


def too_old(version: str, minimum: str) -> str | None:
    """Why containerd `version` cannot serve BuildKit; None when it is new enough."""
    if version_tuple(version) >= version_tuple(minimum):
        return None
    why = ''
    if version_tuple(version) < version_tuple(MIN_VERSION):
        why = (' BuildKit needs containerd %s or newer: with 1.6.x builds fail with "failed to create scratch '
               'layer" (moby/buildkit#4826).' % MIN_VERSION)
    return 'containerd %s is older than %s.%s' % (version, minimum, why)


# --- the command line ------------------------------------------------------------------

def daemon_arguments(config_path: str | None, log_file: str | None, log_level: str | None,
                     extra_args: t.Iterable[str]) -> list[str]:
    """containerd's flags, without the registration's --run-service --service-name."""
    arguments = []
    if config_path:
        arguments += ['--config', config_path]
    if log_file:
        arguments += ['--log-file', log_file]
    if log_level:
        arguments += ['--log-level', log_level]
    return arguments + list(extra_args)


# --- config.toml -------------------------------------------------------------------------

def layout(version: str | None) -> dict[str, t.Any]:
    """How containerd `version` wants its config (newest layout when unknown)."""
    numbers = version_tuple(version) if version else None
    if numbers is not None and numbers < (2, 0, 0):
        return dict(config_version=2, cri_runtime_plugin='io.containerd.grpc.v1.cri', cni_bin_dirs=False)
    return dict(config_version=3, cri_runtime_plugin='io.containerd.cri.v1.runtime',
                cni_bin_dirs=numbers is None or numbers >= (2, 1, 0))


def document(settings: dict[str, str], version: str | None, extra: dict[str, t.Any] | None) -> dict[str, t.Any]:
    """The config as a dict: what the module writes, with config_extra merged in."""
    shape = layout(version)
    cni: dict[str, t.Any] = ({'bin_dirs': [settings['cni_bin_dir']]} if shape['cni_bin_dirs']
                             else {'bin_dir': settings['cni_bin_dir']})
    cni['conf_dir'] = settings['cni_conf_dir']
    base = {
        'version': shape['config_version'],
        'root': settings['root'],
        'state': settings['state'],
        'grpc': {'address': settings['grpc_address']},
        'plugins': {shape['cri_runtime_plugin']: {'cni': cni}},
    }
    try:
        return toml.merge(base, extra or {})
    except toml.TomlValueError as error:
        raise InvalidArgument('config_extra', '%s: set it through the config option, or write the whole file with '
                              'config_template' % error)


def template_variables(settings: dict[str, str], version: str | None,
                       extra: dict[str, t.Any] | None) -> dict[str, t.Any]:
    variables = dict(settings)
    variables.update(layout(version))
    variables.update(containerd_version=version, config_extra=extra, document=document(settings, version, extra))
    return variables


_TEMPLATE = ConfigTemplate('containerd_config.toml.j2', {'to_toml': toml.to_toml, 'toml_value': toml.value, 'toml_key': toml.key})


def builtin_template() -> str:
    return _TEMPLATE.builtin


def compile_template(source: str, option: str) -> Template:
    return _TEMPLATE.compile(source, option)


def render(variables: dict[str, t.Any], source: str | None = None, option: str = 'config_template') -> str:
    """config.toml text; InvalidArgument(option) when it cannot be rendered or is not TOML."""
    text = _TEMPLATE.render(variables, source, option)
    try:
        toml.loads(text)
    except ValueError as error:
        raise InvalidArgument(option, 'renders text that is not valid TOML: %s' % error)
    return text


def same_config(existing: bytes | None, wanted_text: str) -> bool:
    """Whether the file's bytes hold the wanted config: as TOML documents when they can be
    read (formatting and comments do not matter), else as text."""
    if existing is None:
        return False
    try:
        text = existing.decode('utf-8')
    except UnicodeDecodeError:
        return False
    try:
        have, want = toml.loads(text), toml.loads(wanted_text)
    except ValueError:
        return False
    if want is None:
        return text.replace('\r\n', '\n') == wanted_text
    return have == want
