# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image references as BuildKit and containerd read them (the distribution/reference grammar).

- `problem(text, tag=..., digest=...)`: why `text` is not a valid reference
  (None when it is); `tag`/`digest` say whether a tag or digest may follow.
- `registry_of(name)`: the registry host a reference names (docker.io when
  it names none).
- `docker_config(host, username, password)`: a Docker config.json holding one
  registry's credentials, as buildctl reads them (DOCKER_CONFIG).
"""

from __future__ import annotations

import base64
import json
import re

# distribution/reference regexp.go: a domain is DNS labels (or localhost) with an optional port;
# a path component is lower-case alphanumerics joined by '.', '_', '__' or runs of '-'.
_DOMAIN = r'(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*(?::[0-9]+)?'
_COMPONENT = r'[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
_TAG = r'[\w][\w.-]{0,127}'
_DIGEST = r'[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}'
_PATH = re.compile(r'^%s(?:/%s)*$' % (_COMPONENT, _COMPONENT))
_DOMAIN_RE = re.compile(r'^%s$' % _DOMAIN)
TAG_RE = re.compile(r'^%s$' % _TAG)
_DIGEST_RE = re.compile(r'^%s$' % _DIGEST)
# distribution/reference: NameTotalLengthMax.
NAME_MAX = 255
DOCKER_HUB = 'docker.io'
# BuildKit's auth provider looks Docker Hub's credentials up under this key
# (session/auth/authprovider: registry-1.docker.io -> https://index.docker.io/v1/).
DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/'


def split(text: str) -> tuple[str | None, str, str | None, str | None]:
    """(domain or None, path, tag or None, digest or None) of a reference, without checking it."""
    name, _unused, digest = text.partition('@')
    last = name.rsplit('/', 1)[-1]
    tag = None
    if ':' in last:
        name, tag = name.rsplit(':', 1)
    first, slash, rest = name.partition('/')
    # docker's splitDockerDomain: the first component is a registry when it has a '.' or a ':'
    # or is localhost, or has an upper-case letter.
    if slash and ('.' in first or ':' in first or first == 'localhost' or first != first.lower()):
        return first, rest, tag, digest or None
    return None, name, tag, digest or None


def problem(text: str, tag: bool = True, digest: bool = False) -> str | None:
    """Why `text` is not a reference BuildKit accepts; None when it is."""
    if not isinstance(text, str) or not text:
        return 'must be a non-empty image reference'
    if text != text.strip() or any(c.isspace() for c in text) or ',' in text or '"' in text:
        return 'must not hold white space, commas or quotes'
    domain, path, found_tag, found_digest = split(text)
    if domain is not None and not _DOMAIN_RE.match(domain):
        return 'registry %r is not a host name with an optional port' % domain
    if not _PATH.match(path):
        return ('repository %r must be lower-case letters and digits, in components separated by "/" and joined '
                'by ".", "_", "__" or "-"' % path)
    if len(((domain + '/') if domain else '') + path) > NAME_MAX:
        return 'repository name must not be longer than %d characters' % NAME_MAX
    if found_tag is not None:
        if not tag:
            return 'must not carry a tag (":%s")' % found_tag
        if not TAG_RE.match(found_tag):
            return 'tag %r must be up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"' % found_tag
    if found_digest is not None:
        if not digest:
            return 'must not carry a digest ("@%s")' % found_digest
        if not _DIGEST_RE.match(found_digest):
            return 'digest %r is not algorithm:hex' % found_digest
    return None


def registry_of(name: str) -> str:
    domain = split(name)[0]
    return DOCKER_HUB if domain in (None, 'index.docker.io', 'registry-1.docker.io') else domain


def docker_config(host: str, username: str, password: str) -> str:
    """config.json text with `username`/`password` for `host` (docker/cli configfile "auths")."""
    key = DOCKER_HUB_CONFIG_KEY if host == DOCKER_HUB else host
    token = base64.b64encode(('%s:%s' % (username, password)).encode('utf-8')).decode('ascii')
    return json.dumps({'auths': {key: {'auth': token}}}, indent=2, sort_keys=True) + '\n'
