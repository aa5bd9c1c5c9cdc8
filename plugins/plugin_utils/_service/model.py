# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows services as the collection models them.

- Command lines: `split_command_line` reads an ImagePath as Windows hands it
  to a program (CommandLineToArgvW rules, which Go's os.Args follow), and
  `join_command_line` writes one that reads back to the same argv.
- `ServiceConfig` / `ServiceState` and `service_from_read()`: one entry of
  the service_read operation as Python values; `differences()` compares a
  wanted configuration with the host's.
- Daemon flags: `FlagSpec`, `parse_flags()`, `flags_equal()` compare flag
  lists the way the daemons read them (`--flag=value` is `--flag value`).
- Service registration as `containerd.exe --register-service` and
  `buildkitd.exe --register-service` do it: `registration_command()`,
  `registered_image_path()`, `split_registered_arguments()`.
- Recovery actions: the REG_BINARY FailureActions value, `decode_failure_actions()`.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import struct
import subprocess

from .._core.differences import DifferenceTracker

START_TYPES = ('auto', 'delayed', 'manual', 'disabled')
STATES = ('Running', 'Stopped', 'Start Pending', 'Stop Pending', 'Continue Pending', 'Pause Pending', 'Paused')
RECOVERY_TYPES = ('none', 'restart', 'reboot', 'run')

# Service flags of containerd and buildkitd (cmd/containerd/command/service_windows.go,
# cmd/buildkitd/service_windows.go): handled by the registration, not daemon options.
RUN_SERVICE = '--run-service'
REGISTER_SERVICE = '--register-service'
SERVICE_NAME = '--service-name'

_LOCAL_SYSTEM = frozenset(('localsystem', '.\\localsystem', 'nt authority\\system'))


# --- command lines ------------------------------------------------------------

def split_command_line(text):
    """The argv Windows gives a program started with command line `text`.

    argv[0] is read as CommandLineToArgvW reads the program name: up to the
    next double quote when it starts with one, else up to white space; no
    backslash escapes. The other arguments follow the documented rules:
    2n backslashes before a quote give n backslashes and a delimiter, 2n+1
    give n backslashes and a literal quote; other backslashes are literal; a
    doubled quote inside a quoted part is a literal quote that ends the quoted
    part (the pre-2008 rule, which Go's os.Args uses too).
    """
    if not text:
        return []
    if text[0] == '"':
        end = text.find('"', 1)
        if end < 0:
            return [text[1:]]
        program, rest = text[1:end], text[end + 1:]
    else:
        match = re.match(r'[^ \t]*', text)
        program, rest = match.group(0), text[match.end():]
    return [program] + _split_arguments(rest)


def _split_arguments(text):
    args, i, n = [], 0, len(text)
    while True:
        while i < n and text[i] in ' \t':
            i += 1
        if i >= n:
            return args
        arg, in_quotes, slashes = [], False, 0
        while i < n:
            char = text[i]
            if char == '\\':
                slashes += 1
            elif char == '"':
                arg.append('\\' * (slashes // 2))
                if slashes % 2:
                    arg.append('"')
                elif in_quotes and i + 1 < n and text[i + 1] == '"':
                    arg.append('"')
                    i += 1
                    in_quotes = False
                else:
                    in_quotes = not in_quotes
                slashes = 0
            else:
                arg.append('\\' * slashes)
                slashes = 0
                if char in ' \t' and not in_quotes:
                    break
                arg.append(char)
            i += 1
        arg.append('\\' * slashes)
        args.append(''.join(arg))


def join_command_line(argv):
    """A command line that split_command_line reads back as `argv`.

    The arguments are quoted by subprocess.list2cmdline, whose rules are those
    of Go's syscall.EscapeArg (golang.org/x/sys windows/svc/mgr CreateService
    writes ImagePath with it): quotes only around arguments holding a space or
    a tab (or empty), backslashes doubled only before a quote. The program
    name is only ever quoted: CommandLineToArgvW reads no escapes in it.
    """
    if not argv:
        raise ValueError('a command line needs at least the program name')
    program = argv[0]
    if '"' in program or not program:
        raise ValueError('a program name cannot be empty or contain a double quote: %r' % program)
    head = '"%s"' % program if (' ' in program or '\t' in program) else program
    rest = subprocess.list2cmdline([str(arg) for arg in argv[1:]])
    return head + (' ' + rest if rest else '')


def parse_image_path(image_path):
    """(binary, arguments) of an ImagePath; (None, []) when it is empty."""
    argv = split_command_line(image_path or '')
    if not argv:
        return None, []
    return argv[0], argv[1:]


# --- registration as containerd/buildkitd --register-service does it -----------

def registration_command(binary, name, arguments):
    """argv registering service `name` with the daemon's own --register-service."""
    return [binary, REGISTER_SERVICE, SERVICE_NAME, name] + list(arguments)


def registered_arguments(name, arguments):
    """The service's arguments after registration: --run-service, then the
    registering command line without --register-service (containerd and
    buildkitd registerService)."""
    return [RUN_SERVICE, SERVICE_NAME, name] + list(arguments)


def registered_image_path(binary, name, arguments):
    return join_command_line([binary] + registered_arguments(name, arguments))


def split_registered_arguments(arguments):
    """(service_name, daemon_arguments): the service flags taken out.

    `--run-service`, `--register-service`, `--unregister-service` and
    `--service-name X` (or `--service-name=X`, one or two dashes) are removed;
    every other argument stays, in order.
    """
    service_name, rest, i = None, [], 0
    arguments = list(arguments)
    while i < len(arguments):
        arg = arguments[i]
        name, has_value, value = _flag_parts(arg)
        if name in ('run-service', 'register-service', 'unregister-service') and not has_value:
            i += 1
            continue
        if name == 'service-name':
            if has_value:
                service_name = value
                i += 1
            else:
                service_name = arguments[i + 1] if i + 1 < len(arguments) else ''
                i += 2
            continue
        rest.append(arg)
        i += 1
    return service_name, rest


# --- daemon flags ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class FlagSpec:
    """The flags of one daemon, as its urfave/cli (Go flag package) parser knows them.

    value_flags take a value (`--root X` or `--root=X`); bool_flags do not
    (`--debug`, `--debug=false`); repeatable flags keep every value (string
    slices such as `--addr`); aliases map short names to canonical ones.
    """
    value_flags: frozenset
    bool_flags: frozenset
    repeatable: frozenset = frozenset()
    aliases: tuple = ()

    def canonical(self, name):
        return dict(self.aliases).get(name, name)

    def knows(self, name):
        name = self.canonical(name)
        return name in self.value_flags or name in self.bool_flags


class FlagError(ValueError):
    """An argument list the daemon would refuse; names the flag."""


def _flag_parts(arg):
    """(name, has_value, value) of `-name`, `--name`, `--name=value`; (None, ...) for others."""
    if not arg.startswith('-') or arg in ('-', '--'):
        return None, False, None
    body = arg[2:] if arg.startswith('--') else arg[1:]
    name, sep, value = body.partition('=')
    return name, bool(sep), value if sep else None


def parse_flags(arguments, spec):
    """[(canonical_name, value)] in order, as Go's flag package reads them.

    Bool flags read as 'true' unless given `=false`/`=0` etc.; parsing stops at
    `--` or at the first argument that is not a flag, and those remaining
    arguments come back as (None, argument). Raises FlagError for an unknown
    flag or a missing value.
    """
    parsed, i, arguments = [], 0, list(arguments)
    while i < len(arguments):
        arg = arguments[i]
        if arg == '--':
            parsed.extend((None, rest) for rest in arguments[i + 1:])
            break
        name, has_value, value = _flag_parts(arg)
        if name is None:
            parsed.extend((None, rest) for rest in arguments[i:])
            break
        if not name or name.startswith('-') or name.startswith('='):
            raise FlagError('bad flag syntax: %s' % arg)
        canonical = spec.canonical(name)
        if canonical in spec.bool_flags:
            parsed.append((canonical, _bool_text(value, arg) if has_value else 'true'))
        elif canonical in spec.value_flags:
            if not has_value:
                if i + 1 >= len(arguments):
                    raise FlagError('flag needs an argument: -%s' % name)
                i += 1
                value = arguments[i]
            parsed.append((canonical, value))
        else:
            raise FlagError('flag provided but not defined: -%s' % name)
        i += 1
    return parsed


def _bool_text(value, arg):
    # strconv.ParseBool, which Go's flag package uses for bool flags.
    if value in ('1', 't', 'T', 'TRUE', 'true', 'True'):
        return 'true'
    if value in ('0', 'f', 'F', 'FALSE', 'false', 'False'):
        return 'false'
    raise FlagError('invalid boolean value %r for %s' % (value, arg))


def normalise_flags(arguments, spec):
    """A comparable form: flags sorted by name, each with its values in order.

    `--flag=value` and `--flag value`, `-flag` and `--flag`, aliases, and the
    order of different flags do not matter; repeated flags (`--addr a --addr
    b`) keep every value in order. Arguments after the flags stay in order.
    """
    values, positional = {}, []
    for name, value in parse_flags(arguments, spec):
        if name is None:
            positional.append(value)
        else:
            values.setdefault(name, []).append(value)
    return tuple(sorted((name, tuple(vals)) for name, vals in values.items())), tuple(positional)


def flags_equal(left, right, spec):
    return normalise_flags(left, spec) == normalise_flags(right, spec)


def _spec(values, bools, repeatable=(), aliases=()):
    return FlagSpec(frozenset(values), frozenset(bools), frozenset(repeatable), tuple(aliases))


# cmd/containerd/command/main.go (global flags) and service_windows.go.
CONTAINERD_FLAGS = _spec(
    values=('config', 'log-level', 'address', 'root', 'state', 'service-name', 'log-file'),
    bools=('register-service', 'unregister-service', 'run-service', 'version', 'help'),
    aliases=(('c', 'config'), ('l', 'log-level'), ('a', 'address'), ('v', 'version'), ('h', 'help')),
)

# cmd/buildkitd/main.go, main_containerd_worker.go and service_windows.go.
BUILDKITD_FLAGS = _spec(
    values=('config', 'root', 'addr', 'log-format', 'group', 'debugaddr', 'tlscert', 'tlskey', 'tlscacert',
            'allow-insecure-entitlement', 'otel-socket-path', 'containerd-worker', 'containerd-worker-addr',
            'containerd-worker-labels', 'containerd-worker-platform', 'containerd-worker-namespace',
            'containerd-worker-runtime', 'containerd-worker-net', 'containerd-cni-config-path',
            'containerd-cni-binary-dir', 'containerd-cni-pool-size', 'containerd-worker-snapshotter',
            'containerd-worker-apparmor-profile', 'containerd-worker-gc-keepstorage', 'service-name',
            'log-file'),
    bools=('debug', 'trace', 'rootless', 'containerd-worker-selinux', 'containerd-worker-rootless',
           'containerd-worker-gc', 'register-service', 'unregister-service', 'run-service', 'version', 'help'),
    repeatable=('addr', 'allow-insecure-entitlement', 'containerd-worker-labels', 'containerd-worker-platform'),
    aliases=(('v', 'version'), ('h', 'help')),
)


# --- recovery actions -------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class RecoveryAction:
    type: str
    delay_ms: int


@dataclasses.dataclass(frozen=True)
class Recovery:
    reset_period_s: int
    actions: tuple

    def to_params(self):
        """The service_apply `recovery` parameter."""
        return {'reset_period_s': self.reset_period_s,
                'actions': [{'type': a.type, 'delay_ms': a.delay_ms} for a in self.actions]}

    @classmethod
    def from_params(cls, params):
        return cls(int(params['reset_period_s']),
                   tuple(RecoveryAction(a['type'], int(a['delay_ms'])) for a in params['actions']))


# What --register-service sets: restart after 15 s, restart after 15 s, then
# nothing; reset after 24 h (wcow-facts.md "buildkitd on Windows").
REGISTER_SERVICE_RECOVERY = Recovery(86400, (RecoveryAction('restart', 15000), RecoveryAction('restart', 15000),
                                             RecoveryAction('none', 0)))

# Display names and descriptions --register-service sets
# (cmd/containerd/command/service_windows.go, cmd/buildkitd/service_windows.go).
REGISTERED_DISPLAY = {
    'containerd': ('Containerd', 'Container runtime'),
    'buildkitd': ('Buildkitd', 'Container image build engine'),
}

_SC_ACTION_TYPES = {0: 'none', 1: 'restart', 2: 'reboot', 3: 'run'}


def decode_failure_actions(encoded):
    """Recovery from the base64 of the FailureActions REG_BINARY; None when empty.

    Layout (SERVICE_FAILURE_ACTIONS as the SCM stores it): DWORD reset period
    in seconds, two DWORD placeholders (reboot message, command), DWORD count,
    DWORD placeholder (actions pointer), then per action DWORD type and DWORD
    delay in ms, little-endian.
    """
    if not encoded:
        return None
    data = base64.b64decode(encoded)
    if len(data) < 20:
        raise ValueError('FailureActions is %d bytes, shorter than its 20-byte header' % len(data))
    reset, _reboot, _command, count, _pointer = struct.unpack_from('<5I', data, 0)
    if len(data) < 20 + 8 * count:
        raise ValueError('FailureActions holds %d bytes, too few for %d actions' % (len(data), count))
    actions = tuple(RecoveryAction(_SC_ACTION_TYPES.get(kind, 'unknown(%d)' % kind), delay)
                    for kind, delay in (struct.unpack_from('<2I', data, 20 + 8 * i) for i in range(count)))
    return Recovery(reset, actions)


def encode_failure_actions(recovery):
    """The inverse of decode_failure_actions (tests and fixtures)."""
    codes = dict((name, code) for code, name in _SC_ACTION_TYPES.items())
    data = struct.pack('<5I', recovery.reset_period_s, 0, 0, len(recovery.actions), 20 if recovery.actions else 0)
    for action in recovery.actions:
        data += struct.pack('<2I', codes[action.type], action.delay_ms)
    return base64.b64encode(data).decode('ascii')


# --- configuration and state --------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ServiceConfig:
    """A service's configuration. In a wanted config, None means "do not manage"."""
    name: str
    binary: str = None
    arguments: tuple = None
    start_type: str = None
    dependencies: tuple = None
    display_name: str = None
    description: str = None
    account: str = None
    recovery: Recovery = None


@dataclasses.dataclass(frozen=True)
class ServiceState:
    state: str
    pid: int
    exit_code: int = 0
    delete_pending: bool = False
    dependents: tuple = ()  # ((name, state), ...)


def start_type_of(start, delayed):
    """The collection's start type from registry Start (2/3/4) and DelayedAutostart."""
    if start == 2:
        return 'delayed' if delayed else 'auto'
    return {3: 'manual', 4: 'disabled', 0: 'boot', 1: 'system'}.get(start, 'unknown(%s)' % start)


def service_from_read(entry):
    """(ServiceConfig, ServiceState) of one service_read entry; (None, None) when absent."""
    if not entry['exists']:
        return None, None
    binary, arguments = parse_image_path(entry['image_path'])
    config = ServiceConfig(
        name=entry['service_name'],
        binary=binary,
        arguments=tuple(arguments),
        start_type=start_type_of(entry['start'], entry['delayed_auto_start']),
        dependencies=tuple(entry['dependencies']),
        display_name=entry['display_name'],
        description=entry['description'],
        account=entry['object_name'],
        recovery=decode_failure_actions(entry['failure_actions']),
    )
    state = ServiceState(
        state=entry['state'],
        pid=entry['process_id'],
        exit_code=entry['exit_code'],
        delete_pending=entry['delete_pending'],
        dependents=tuple((d['name'], d['state']) for d in entry['dependents']),
    )
    return config, state


def same_path(left, right):
    """Windows paths compare case-insensitively, `/` being `\\`."""
    def norm(path):
        return path.replace('/', '\\').rstrip('\\').casefold()
    return norm(left) == norm(right)


def same_account(left, right):
    left, right = (left or 'LocalSystem').casefold(), (right or 'LocalSystem').casefold()
    return left == right or (left in _LOCAL_SYSTEM and right in _LOCAL_SYSTEM)


def same_dependencies(left, right):
    """Dependencies compare as sets of case-insensitive names (the SCM's names are)."""
    return sorted(set(d.casefold() for d in left)) == sorted(set(d.casefold() for d in right))


def differences(wanted, actual, flag_spec=None):
    """What differs between a wanted ServiceConfig and the host's (None when absent).

    Only the fields set in `wanted` are compared. Arguments compare exactly,
    or with `flag_spec` as flags_equal does, the service flags left out of the
    wanted side and required on the host's (`--run-service` and
    `--service-name <wanted.name>`, as --register-service writes them).
    """
    tracker = DifferenceTracker()
    if actual is None:
        tracker.add('exists', True, False)
        return tracker
    checks = (
        ('binary', same_path),
        ('arguments', lambda w, a: _same_arguments(w, a, flag_spec, wanted.name)),
        ('start_type', lambda w, a: w == a),
        ('dependencies', same_dependencies),
        ('display_name', lambda w, a: w == a),
        ('description', lambda w, a: w == a),
        ('account', same_account),
        ('recovery', lambda w, a: w == a),
    )
    for field, same in checks:
        want, have = getattr(wanted, field), getattr(actual, field)
        if want is None:
            continue
        if have is None or not same(want, have):
            tracker.add(field, _shown(want), _shown(have))
    return tracker


def _same_arguments(wanted, actual, flag_spec, name):
    """Exact, or with a flag spec: the same daemon flags, and the registration's
    own `--run-service --service-name <name>` present (containerd runs as a
    service only with --run-service; cmd/containerd/command/service_windows.go)."""
    if flag_spec is None:
        return list(wanted) == list(actual)
    actual_name, actual_rest = split_registered_arguments(actual)
    if RUN_SERVICE not in actual or (actual_name or '').casefold() != name.casefold():
        return False
    try:
        return flags_equal(split_registered_arguments(wanted)[1], actual_rest, flag_spec)
    except FlagError:
        return False


def _shown(value):
    if isinstance(value, Recovery):
        return value.to_params()
    if isinstance(value, tuple):
        return list(value)
    return value


VERSION_LINE = re.compile(r'^(?P<program>\S+) (?P<package>\S+) (?P<version>v?\d+\.\d+\.\d+\S*)(?: (?P<revision>\S+))?\s*$')


def parse_version_output(text):
    """(program, package, version) of `containerd --version`, `buildkitd --version`,
    `buildctl --version`, e.g. 'containerd github.com/containerd/containerd/v2 v2.1.4 <rev>'
    (wcow-facts.md "Tool output"); None when the text does not look like one."""
    for line in (text or '').splitlines():
        match = VERSION_LINE.match(line.strip())
        if match:
            return match.group('program'), match.group('package'), match.group('version')
    return None


def version_tuple(version):
    """(major, minor, patch) of 'v1.7.28' or '2.1.4-rc.1'."""
    match = re.match(r'^v?(\d+)\.(\d+)\.(\d+)', version or '')
    if not match:
        raise ValueError('not a version: %r' % version)
    return tuple(int(part) for part in match.groups())
