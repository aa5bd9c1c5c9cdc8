# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""buildkitd as a Windows service: its command line from the module's options.

Pure functions for the buildkitd_service action plugin: the checks of the
options that need no host, the daemon arguments the options stand for, and
their comparison with a registered command line.
"""

from __future__ import annotations

import re
import typing as t

from .._core.errors import InvalidArgument
from .._service.daemon_flags import BUILDKITD_FLAGS
from .._service.flags import FlagError, flags_equal, parse_flags
from .._service.registration import RUN_SERVICE, split_registered_arguments
from .._windows.local_groups import group_name_problem

SERVICE_NAME = 'buildkitd'
DEFAULT_BINARY = 'C:\\Program Files\\buildkit\\buildkitd.exe'
# The CNI locations BuildKit v0.22.0 and newer use by default; written out so
# that older releases (which default to C:\ProgramData\buildkitd\...) agree
# (docs/windows-facts.md#buildkitd-defaults).
DEFAULT_CNI_CONFIG = 'C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.conf'
DEFAULT_CNI_BINARY_DIR = 'C:\\Program Files\\containerd\\cni\\bin'
# Without --log-file a service's logs go to NUL (docs/windows-facts.md#buildkitd-as-a-windows-service).
DEFAULT_LOG_FILE = 'C:\\ProgramData\\buildkitd\\buildkitd.log'
# util/appdefaults/appdefaults_windows.go.
DEFAULT_CONFIG = 'C:\\ProgramData\\buildkitd\\buildkitd.toml'
DEFAULT_CONTAINERD_ADDRESS = '\\\\.\\pipe\\containerd-containerd'
# util/appdefaults/appdefaults_windows.go: the data root without --root or a config's root.
DEFAULT_ROOT = 'C:\\ProgramData\\buildkitd\\.buildstate'

# Flags an option writes, which extra_args may not set too.
OPTION_FLAGS = {
    'log-file': 'log_file',
    'debug': 'debug',
    'config': 'config',
    'group': 'groups',
    'containerd-worker-addr': 'containerd_address',
    'containerd-cni-config-path': 'cni_config_path',
    'containerd-cni-binary-dir': 'cni_binary_dir',
    'tlscert': 'tlscert',
    'tlskey': 'tlskey',
    'tlscacert': 'tlscacert',
}
# The certificate, key and client CA of mutual TLS (cmd/buildkitd/main.go: a
# CA makes buildkitd require and verify client certificates).
TLS_OPTIONS = ('tlscert', 'tlskey', 'tlscacert')
# Flags of the registration itself, or that make buildkitd print and exit.
SERVICE_FLAGS = ('register-service', 'unregister-service', 'run-service', 'service-name', 'version', 'help')

# A drive-absolute or UNC path. buildkitd reads its flags as given: no
# environment variable is expanded in them.
_ABSOLUTE = re.compile(r'^(?:[A-Za-z]:\\|\\\\[^\\?.])')


def path_problem(path: str | None, directory: bool = False) -> str | None:
    """Why `path` cannot be given to buildkitd as a file (or folder) path, or None."""
    if not path:
        return 'must not be empty'
    if '%' in path:
        return '%r holds an environment variable; buildkitd does not expand them: give an absolute path' % path
    if '/' in path or not _ABSOLUTE.match(path):
        return '%r is not an absolute Windows path such as C:\\folder\\file (with backslashes)' % path
    if '"' in path or any(ord(c) < 32 for c in path):
        return '%r holds a double quote or a control character' % path
    if not directory and path.endswith('\\'):
        return '%r names a folder, not a file' % path
    return None


def group_problem(name: t.Any) -> str | None:
    """Why `name` cannot name a group for --group (NAME or DOMAIN\\NAME), or None.

    buildkitd splits --group at commas and looks each name up with
    LookupAccountName (docs/windows-facts.md#buildkitd-pipe-access-and-groups); the group name
    rules are those of win_local_group.
    """
    if not isinstance(name, str):
        return '%r is not a string' % (name,)
    domain, sep, account = name.partition('\\')
    if sep:
        if not domain.strip() or domain != domain.strip() or '\\' in account:
            return '%r is not NAME or DOMAIN\\NAME' % name
        problem = group_name_problem(account)
        return '%r: the group name %s' % (name, problem) if problem else None
    problem = group_name_problem(name)
    if problem is None or problem.startswith(repr(name)):
        return problem
    return '%r %s' % (name, problem)


def check_extra_args(extra_args: t.Iterable[str]) -> None:
    """InvalidArgument('extra_args') for what buildkitd would refuse or the module manages."""
    try:
        parsed = parse_flags(extra_args, BUILDKITD_FLAGS)
    except FlagError as error:
        # buildkitd's own words for an unknown flag (Go's flag package).
        raise InvalidArgument('extra_args', '%s (buildkitd would refuse it)' % error)
    for name, value in parsed:
        if name is None:
            raise InvalidArgument('extra_args', '%r is not a flag; buildkitd takes no other arguments' % value)
        if name in OPTION_FLAGS:
            raise InvalidArgument('extra_args', '--%s is set by the option %s' % (name, OPTION_FLAGS[name]))
        if name in SERVICE_FLAGS:
            raise InvalidArgument('extra_args', '--%s is for the service registration, which the module does itself'
                                  % name)


def daemon_arguments(options: dict[str, t.Any], config_path: str | None) -> list[str]:
    """The buildkitd arguments (without the service's own flags) the options stand for."""
    arguments = []
    if options['log_file']:
        arguments += ['--log-file', options['log_file']]
    if options['debug']:
        arguments.append('--debug')
    if config_path:
        arguments += ['--config', config_path]
    arguments += ['--containerd-worker-addr', options['containerd_address'],
                  '--containerd-cni-config-path', options['cni_config_path'],
                  '--containerd-cni-binary-dir', options['cni_binary_dir']]
    for option in TLS_OPTIONS:
        if options[option]:
            arguments += ['--' + option, options[option]]
    if options['groups']:
        # One --group: it is a string flag (the last one would win), and
        # buildkitd splits it at commas, which no group name holds.
        arguments += ['--group', ','.join(options['groups'])]
    return arguments + list(options['extra_args'])


def same_daemon_arguments(wanted: t.Sequence[str], registered: t.Sequence[str] | None, name: str) -> bool:
    """Whether a service's registered arguments run buildkitd as `name` with the wanted flags.

    `--run-service` must be there (without it buildkitd never talks to the
    SCM); `--service-name` may be missing only for the default name.
    Flags compare as buildkitd reads them (order, `=` or space, repeats).
    """
    if registered is None or RUN_SERVICE not in registered:
        return False
    registered_name, rest = split_registered_arguments(registered)
    if (registered_name or SERVICE_NAME).casefold() != name.casefold():
        return False
    try:
        return flags_equal(wanted, rest, BUILDKITD_FLAGS)
    except FlagError:
        return False


def service_name_problem(name: str | None) -> str | None:
    """Service names: 1-256 characters, no slash or backslash (CreateService, learn.microsoft.com)."""
    if not name or len(name) > 256 or '/' in name or '\\' in name or name != name.strip():
        return '%r is not a service name (1 to 256 characters, no / or \\, no surrounding spaces)' % (name,)
    return None


def group_list_problem(groups: t.Iterable[str]) -> tuple[str, str] | None:
    """Why the list cannot be given to --group, or None; names each bad entry."""
    seen = set()
    for index, name in enumerate(groups):
        problem = group_problem(name)
        if problem:
            return 'groups[%d]' % index, problem
        if name.casefold() in seen:
            return 'groups[%d]' % index, '%r is listed twice' % name
        seen.add(name.casefold())
    return None


def version_warnings(version: str | None, groups: t.Sequence[str]) -> list[str]:
    """Warnings about the installed buildkitd for these options."""
    if not version or not groups:
        return []
    match = re.match(r'^v?(\d+)\.(\d+)\.', version)
    if match and (int(match.group(1)), int(match.group(2))) < (0, 14):
        # The pipe's ACL follows --group since v0.14.0; v0.13 let every
        # authenticated user read and write (moby/buildkit#4873).
        return ['groups: buildkitd %s is older than v0.14.0, which does not restrict its pipe to --group: every '
                'authenticated user can use it (moby/buildkit#4873)' % version]
    return []


def tcp_addresses(extra_args: t.Iterable[str], config: dict[str, t.Any] | None) -> list[str]:
    """The tcp:// addresses buildkitd listens on: --addr flags and the config's [grpc] address."""
    addresses = [value for name, value in parse_flags(extra_args, BUILDKITD_FLAGS) if name == 'addr']
    grpc = (config or {}).get('grpc')
    listed = grpc.get('address') if isinstance(grpc, dict) else None
    if isinstance(listed, str):
        listed = [listed]
    addresses += [a for a in listed or [] if isinstance(a, str)]
    return [a for a in addresses if a.strip().lower().startswith('tcp://')]


def check_tls(options: dict[str, t.Any], config: dict[str, t.Any] | None) -> None:
    """InvalidArgument unless every TCP listener is behind mutual TLS.

    buildkitd serves tcp:// in clear text when no certificate is given, and
    only a client CA makes it require client certificates (docs/windows-facts.md#buildkitd-defaults);
    --group guards the named pipe only. On TCP anyone who reaches the port
    would run builds on a daemon running as SYSTEM.
    """
    tcp = tcp_addresses(options['extra_args'], config)
    missing = [option for option in TLS_OPTIONS if not options[option]]
    if tcp and missing:
        raise InvalidArgument(missing[0], 'buildkitd would listen on %s without mutual TLS: set tlscert, tlskey and '
                              'tlscacert (missing: %s), or listen on a named pipe only'
                              % (', '.join(tcp), ', '.join(missing)))
