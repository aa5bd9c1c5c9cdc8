# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sample build of BuildKit's Windows guide (docs/windows.md, "Example Build").

A nanoserver hello-world image: the Dockerfile and hello.txt of the guide,
with the base image tag that the host runs process-isolated (buildkitd cannot
use Hyper-V isolation, so the base image must fit the host build:
plugin_utils/_windows/host_support.py). Pure functions; buildctl_build runs them.
"""

from __future__ import annotations

import json

from .._windows import host_support

NANOSERVER = 'mcr.microsoft.com/windows/nanoserver'
SERVERCORE = 'mcr.microsoft.com/windows/servercore'
# Which host_support.base_images() list holds the tags of each base repository.
KNOWN_BASES = {NANOSERVER: 'nanoserver', SERVERCORE: 'servercore'}

HELLO_TEXT = ('Hello from buildkit!\r\n'
              'This message shows that your installation appears to be working correctly.\r\n')


def dockerfile(base_ref: str) -> str:
    """The guide's Dockerfile on `base_ref`. ContainerAdministrator may write under C:\\
    (the guide's note; moby/buildkit#4731)."""
    return '\r\n'.join([
        'FROM %s' % base_ref,
        'USER ContainerAdministrator',
        'COPY hello.txt C:/',
        'RUN echo "Goodbye!" >> hello.txt',
        'CMD ["cmd", "/C", "type C:\\\\hello.txt"]',
        '',
    ])


def context_files(base_ref: str) -> list[dict[str, str]]:
    """The build context: [{name, content}] for the host, Dockerfile first."""
    return [dict(name='Dockerfile', content=dockerfile(base_ref)), dict(name='hello.txt', content=HELLO_TEXT)]


def fitting_tags(base_image: str, host_build: int) -> list[str] | None:
    """Tags of `base_image` the host runs process-isolated; None when the collection cannot tell."""
    kind = KNOWN_BASES.get(base_image)
    if kind is None:
        return None
    return host_support.base_images(host_build)[kind]


def chosen_tag(base_image: str, host_build: int) -> str | None:
    """The tag to build on: the recommended one of the host's build; None when there is none."""
    kind = KNOWN_BASES.get(base_image)
    recommended = host_support.base_images(host_build)['recommended_tags']
    if kind is None or recommended is None:
        return None
    return recommended[kind]


def output_spec(image_name: str | None, push: bool) -> str:
    """buildctl's --output value (an image exporter; a name is needed to push)."""
    parts = ['type=image']
    if image_name:
        parts.append('name=%s' % image_name)
    parts.append('push=%s' % ('true' if push else 'false'))
    return ','.join(parts)


def command(buildctl_path: str, addr: str | None, output: str, context: str = '<context>',
            metadata: str = '<metadata-file>') -> list[str]:
    """The command line buildctl_build_run runs (the same argument list, built there with the
    temporary folder's paths)."""
    arguments = [buildctl_path] + (['--addr', addr] if addr else [])
    return arguments + ['build', '--frontend=dockerfile.v0', '--local', 'context=%s' % context,
                        '--local', 'dockerfile=%s' % context, '--output', output,
                        '--metadata-file', metadata, '--progress=plain']


def digest_of(metadata_text: str | None) -> str | None:
    """The image digest in buildctl's --metadata-file (key containerimage.digest); None if absent."""
    if not metadata_text:
        return None
    try:
        document = json.loads(metadata_text)
    except ValueError:
        return None
    digest = document.get('containerimage.digest') if isinstance(document, dict) else None
    return digest if isinstance(digest, str) and digest else None


def tail(text: str | None, count: int = 25) -> list[str]:
    """The last `count` non-blank lines of buildctl's progress output."""
    lines = [line.rstrip() for line in (text or '').splitlines() if line.strip()]
    return lines[-count:]


def error_line(stderr: str | None) -> str:
    """buildctl's final `error: ...` line, else the last line it printed."""
    lines = tail(stderr, count=1000)
    for line in reversed(lines):
        if line.startswith('error:') or line.startswith('ERROR:'):
            return line
    return lines[-1] if lines else ''
