"""Release archives for the demo, served on loopback while it runs.

Builds fake containerd, BuildKit and CNI plugin archives laid out as their
releases are (the binaries made with winsim.programs.fake_binary, so the
simulated hosts can run them), serves them over HTTP on 127.0.0.1, and writes
the extra variables pointing the roles at them:

    python tests/demo/artifacts.py DIR

writes DIR/files/..., starts the server, then writes DIR/extra-vars.json (its
presence means the server answers) and serves until it is stopped. Tests use
archives() and extra_vars() with their own server.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import sys
import tarfile
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'winsim' / 'src'))

from winsim.programs import fake_binary  # noqa: E402

# The versions the roles pin (roles/*/defaults/main.yml).
CONTAINERD = '2.1.4'
BUILDKIT = 'v0.23.2'
CNI = '0.3.1'

CONTAINERD_ARCHIVE = 'v%s/containerd-%s-windows-amd64.tar.gz' % (CONTAINERD, CONTAINERD)
BUILDKIT_ARCHIVE = '%s/buildkit-%s.windows-amd64.tar.gz' % (BUILDKIT, BUILDKIT)
CNI_ARCHIVE = 'v%s/windows-container-networking-cni-amd64-v%s.zip' % (CNI, CNI)


def _tar_gz(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def archives():
    """{path under the server root: content}: the three archives and containerd's .sha256sum beside its archive."""
    containerd = _tar_gz({
        'bin/containerd.exe': fake_binary('containerd', 'v' + CONTAINERD),
        'bin/ctr.exe': b'ctr ' + CONTAINERD.encode(),
        'bin/containerd-shim-runhcs-v1.exe': b'containerd-shim-runhcs-v1 ' + CONTAINERD.encode(),
    })
    buildkit = _tar_gz({
        'bin/buildctl.exe': fake_binary('buildctl', BUILDKIT),
        'bin/buildkitd.exe': fake_binary('buildkitd', BUILDKIT),
    })
    cni = _zip({name: fake_binary('cni-plugin', 'v' + CNI) for name in ('nat.exe', 'sdnbridge.exe', 'sdnoverlay.exe')})
    checksum_line = '%s  %s\n' % (hashlib.sha256(containerd).hexdigest(), CONTAINERD_ARCHIVE.rsplit('/', 1)[1])
    return {
        CONTAINERD_ARCHIVE: containerd,
        CONTAINERD_ARCHIVE + '.sha256sum': checksum_line.encode(),
        BUILDKIT_ARCHIVE: buildkit,
        CNI_ARCHIVE: cni,
    }


def extra_vars(base_url, published):
    """The roles' variables pointing at `published` (archives()) under `base_url`."""
    def url(path):
        return '%s/%s' % (base_url.rstrip('/'), path)

    def sha256(path):
        return 'sha256:' + hashlib.sha256(published[path]).hexdigest()

    return {
        'wcow_containerd_url': url(CONTAINERD_ARCHIVE),
        'wcow_containerd_checksum': sha256(CONTAINERD_ARCHIVE),
        'wcow_buildkit_url': url(BUILDKIT_ARCHIVE),
        'wcow_buildkit_checksum': sha256(BUILDKIT_ARCHIVE),
        'wcow_cni_plugins_url': url(CNI_ARCHIVE),
        'wcow_cni_plugins_checksum': sha256(CNI_ARCHIVE),
    }


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        sys.stderr.write('%s\n' % (format % args))


def serve(directory):
    directory = Path(directory)
    root = directory / 'files'
    published = archives()
    for path, data in published.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    server = ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_QuietHandler, directory=str(root)))
    base_url = 'http://127.0.0.1:%d' % server.server_address[1]
    staged = directory / 'extra-vars.json.tmp'
    staged.write_text(json.dumps(extra_vars(base_url, published), indent=2) + '\n')
    staged.replace(directory / 'extra-vars.json')
    print('serving the demo archives on %s' % base_url, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: artifacts.py DIR')
    serve(sys.argv[1])
