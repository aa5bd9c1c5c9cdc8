# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The flags of containerd and buildkitd, as their parsers define them."""

from __future__ import annotations

import typing as t

from .flags import FlagSpec


def _spec(values: t.Iterable[str], bools: t.Iterable[str], repeatable: t.Iterable[str] = (),
          aliases: t.Iterable[tuple[str, str]] = ()) -> FlagSpec:
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
