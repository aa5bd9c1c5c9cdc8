# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `wcow` facts, made on the controller from one wcow_facts_read result.

`build_facts(read, settings)` turns the host's raw answer into the facts
wcow_facts returns: command lines parsed into flags, `--version` output into
versions, the machine PATH into "is this directory on it", and the host's
build into supported or not, base images and warnings (plugin_utils/_windows/host_support.py).
"""

from __future__ import annotations

import dataclasses
import typing as t

from .._service.command_line import parse_image_path
from .._service.daemon_flags import BUILDKITD_FLAGS, CONTAINERD_FLAGS
from .._service.flags import FlagError, FlagSpec, parse_flags
from .._service.model import start_type_of
from .._service.registration import RUN_SERVICE, split_registered_arguments
from .._service.versions import parse_version_output, version_tuple
from . import host_support
from .path_list import Entry, same_entry, split

PARTS = ('features', 'hns', 'services', 'binaries', 'path', 'reboot')
# Every Hyper-V name: servers have Microsoft-Hyper-V, client SKUs also the -All parent.
FEATURES = ('Containers', 'Microsoft-Hyper-V', 'Microsoft-Hyper-V-All')
# docs/windows-facts.md#containerd-on-windows: containerd 1.6.x breaks BuildKit (moby/buildkit#4826).
MIN_CONTAINERD = (1, 7, 7)
PENDING_INDICATORS = ('component_based_servicing', 'windows_update', 'pending_file_rename_operations')
PENDING_FEATURE_STATES = ('EnablePending', 'DisablePending')

WS2019_WARNING = (
    'Windows Server 2019 (build 17763): BuildKit builds can fail with "attach namespace failed" when HNS reuses an '
    'endpoint (moby/buildkit#5668), and NAT networks created through HNS can vanish at a restart (moby/moby#38358).')


@dataclasses.dataclass(frozen=True)
class Settings:
    """What the task asked for: service names, install directories, the arm64 exception."""
    containerd_service: str = 'containerd'
    buildkitd_service: str = 'buildkitd'
    containerd_dir: str = '%ProgramFiles%\\containerd'
    buildkit_dir: str = '%ProgramFiles%\\buildkit'
    allow_arm64_without_cni: bool = False

    def services(self) -> tuple[tuple[str, str, FlagSpec], ...]:
        """(fact key, service name, flag spec), in the order the read asks for them."""
        return (('containerd', self.containerd_service, CONTAINERD_FLAGS),
                ('buildkitd', self.buildkitd_service, BUILDKITD_FLAGS))

    def programs(self) -> tuple[tuple[str, str], ...]:
        """(fact key, path) of the programs probed in the install directories."""
        return (('containerd', _join(self.containerd_dir, 'containerd.exe')),
                ('buildkitd', _join(self.buildkit_dir, 'buildkitd.exe')),
                ('buildctl', _join(self.buildkit_dir, 'buildctl.exe')))

    def directories(self) -> tuple[tuple[str, str], ...]:
        return (('containerd', self.containerd_dir), ('buildkit', self.buildkit_dir))


def _join(directory: str, name: str) -> str:
    return directory.rstrip('\\/') + '\\' + name


def read_params(settings: Settings, parts: t.Iterable[str]) -> dict[str, t.Any]:
    """The parameters of wcow_facts_read."""
    return dict(
        gather=list(parts),
        features=list(FEATURES),
        services=[name for _key, name, _spec in settings.services()],
        probe_versions=[path for _key, path in settings.programs()],
        directories=[directory for _key, directory in settings.directories()],
    )


def build_facts(read: dict[str, t.Any], settings: Settings, parts: t.Collection[str]) -> dict[str, t.Any]:
    os_facts = _os(read['os'])
    problems = host_support.support_problems(read['os']['build'], read['os']['product_type'], os_facts['architecture'],
                                             settings.allow_arm64_without_cni)
    facts = dict(
        gathered=['os'] + [part for part in PARTS if part in parts],
        os=os_facts,
        supported=not problems,
        unsupported_reasons=problems,
        base_images=host_support.base_images(read['os']['build']),
    )
    if 'features' in parts:
        facts['features'] = dict((f['name'], f['state']) for f in read['features'] if f['state'] is not None)
    if 'hns' in parts:
        facts['hns'] = read['hns']
    if 'services' in parts:
        facts['services'] = dict((key, _service(entry, spec)) for (key, _name, spec), entry
                                 in zip(settings.services(), read['services']))
    if 'binaries' in parts:
        facts['binaries'] = dict((key, _program(probe)) for (key, _path), probe
                                 in zip(settings.programs(), read['binaries']))
    if 'path' in parts:
        facts['path'] = _path(read['path'], settings, read['directories'])
    if 'reboot' in parts:
        facts['reboot'] = _reboot(read['reboot'], facts.get('features'))
    facts['warnings'] = warnings(facts)
    return facts


def _os(raw: dict[str, t.Any]) -> dict[str, t.Any]:
    return dict(
        caption=raw['caption'],
        edition_id=raw['edition_id'],
        build=raw['build'],
        ubr=raw['ubr'],
        version='10.0.%d.%d' % (raw['build'], raw['ubr']),
        display_version=raw['display_version'],
        release=host_support.SUPPORTED_BUILDS.get(raw['build']),
        product_type=host_support.product_kind(raw['product_type']),
        architecture=architecture_of(raw),
    )


def architecture_of(raw: dict[str, t.Any]) -> str:
    """The machine's architecture: the system environment's PROCESSOR_ARCHITECTURE, else
    the WOW64 variable, else the process's (which an emulated x64 process reports as AMD64
    on arm64: DeusData/codebase-memory-mcp#908, microsoft/winml-cli#705)."""
    for name in ('machine_architecture', 'process_architew6432', 'process_architecture'):
        if raw.get(name):
            return host_support.normalise_architecture(raw[name])
    return 'unknown'


def _version(probe: dict[str, t.Any] | None) -> tuple[str | None, str | None]:
    """(version, problem) of a `--version` probe; version None when unknown."""
    if probe is None or not probe['exists']:
        return None, None
    parsed = parse_version_output(probe['stdout'])
    if parsed:
        return parsed[2], None
    detail = probe['error'] or ' '.join((probe['stderr'] or probe['stdout'] or '').split()) or 'no output'
    return None, '%s --version: %s' % (probe['path'], detail)


def _program(probe: dict[str, t.Any]) -> dict[str, t.Any]:
    version, problem = _version(probe)
    return dict(path=probe['path'], exists=probe['exists'], version=version, version_error=problem)


def _service(entry: dict[str, t.Any], spec: FlagSpec) -> dict[str, t.Any]:
    if not entry['exists']:
        return dict(exists=False, name=entry['name'], state=None, start_type=None, start_mode=None,
                    image_path=None, binary=None, program=None, arguments=[], flags={}, flags_error=None,
                    run_service=False, service_name_flag=None, dependencies=[], account=None, process_id=None,
                    version=None, version_error=None)
    binary, arguments = parse_image_path(entry['image_path'])
    service_name_flag, daemon_arguments = split_registered_arguments(arguments)
    flags, flags_error = _flags(daemon_arguments, spec)
    program = _program(entry['program']) if entry['program'] else None
    return dict(
        exists=True,
        name=entry['service_name'],
        state=entry['state'],
        start_type=start_type_of(entry['start'], entry['delayed_auto_start']),
        start_mode=entry['start_mode'],
        image_path=entry['image_path'],
        binary=binary,
        program=program,
        arguments=daemon_arguments,
        flags=flags,
        flags_error=flags_error,
        run_service=RUN_SERVICE in arguments,
        service_name_flag=service_name_flag,
        dependencies=entry['dependencies'],
        account=entry['object_name'],
        process_id=entry['process_id'],
        version=program['version'] if program else None,
        version_error=program['version_error'] if program else None,
    )


def _flags(arguments: list[str], spec: FlagSpec) -> tuple[dict[str, t.Any], str | None]:
    """{flag: value} as the daemon reads them (the last value wins; repeatable flags keep a list)."""
    try:
        parsed = parse_flags(arguments, spec)
    except FlagError as error:
        return {}, str(error)
    flags: dict[str, t.Any] = {}
    for name, value in parsed:
        if name is None:
            continue
        if name in spec.repeatable:
            flags.setdefault(name, []).append(value)
        else:
            flags[name] = value
    return flags, None


def _path(raw: dict[str, t.Any], settings: Settings, directories: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    expanded = dict((d['given'], d['expanded']) for d in directories)
    entries = split(raw['value'], raw['expanded_pieces']) if raw['value'] is not None else []
    facts = dict(kind=raw['kind'])
    for key, directory in settings.directories():
        wanted = Entry(directory, expanded.get(directory, directory))
        count = sum(1 for entry in entries if same_entry(entry, wanted))
        facts[key] = dict(directory=wanted.expanded, present=count > 0, count=count)
    facts['entries'] = [entry.raw for entry in entries
                        if any(word in entry.expanded.lower() for word in ('containerd', 'buildkit'))]
    return facts


def _reboot(raw: dict[str, t.Any], features: dict[str, str] | None) -> dict[str, t.Any]:
    reasons = [name for name in PENDING_INDICATORS if raw[name]]
    pending_features = sorted(name for name, state in (features or {}).items() if state in PENDING_FEATURE_STATES)
    return dict(pending=bool(reasons or pending_features), reasons=reasons, features_pending=pending_features,
                last_boot_time=raw['last_boot_time'])


def warnings(facts: dict[str, t.Any]) -> list[str]:
    """Known problems of this host, as sentences."""
    found = []
    if facts['os']['build'] == 17763:
        found.append(WS2019_WARNING)
    if facts['os']['architecture'] == host_support.ARM64:
        found.append('arm64 host: %s.' % host_support.ARM64_CNI_REASON)
    containerd = _containerd_version(facts)
    if containerd is not None:
        try:
            too_old = version_tuple(containerd) < MIN_CONTAINERD
        except ValueError:
            too_old = False
        if too_old:
            found.append('containerd %s is older than 1.7.7: BuildKit fails with "failed to create scratch layer" on '
                         'containerd 1.6 (moby/buildkit#4826); install 1.7.7 or newer.' % containerd)
    return found


def _containerd_version(facts: dict[str, t.Any]) -> str | None:
    """The version of the containerd the service runs, else of the one in the install directory."""
    service = facts.get('services', {}).get('containerd')
    if service and service['version']:
        return service['version']
    binary = facts.get('binaries', {}).get('containerd')
    return binary['version'] if binary else None
