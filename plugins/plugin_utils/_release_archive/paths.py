# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names and paths of win_release_archive: URLs, archive types, members, dest."""

from __future__ import annotations

import posixpath
import re

from urllib.parse import unquote, urlsplit, urlunsplit

ARCHIVE_TYPES = (('.tar.gz', 'tar.gz'), ('.tgz', 'tar.gz'), ('.zip', 'zip'))
_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$')
# A drive-qualified path (C:\...) or one starting with an environment variable
# that the host expands (%ProgramFiles%\...).
_ABSOLUTE = re.compile(r'^(?:[A-Za-z]:\\|%[A-Za-z_][A-Za-z0-9_()]*%\\)')
_WINDOWS_BAD_CHARS = re.compile(r'[<>"|?*\x00-\x1f]')
# Query parameter names whose values are credentials: tokens, signatures (Azure SAS `sig`,
# S3/GCS `X-Amz-Signature`, `X-Goog-Signature`), keys, secrets, passwords.
_SECRET_PARAMETER = re.compile(r'token|sig|secret|passw|key|credential|auth', re.IGNORECASE)
REDACTED = 'REDACTED'


class PathProblem(ValueError):
    pass


def url_problem(url: str | None) -> str | None:
    parts = urlsplit(url or '')
    if parts.scheme.lower() not in ('http', 'https') or not parts.netloc:
        return 'must be an http:// or https:// URL, got %r' % url
    if not file_name_of_url(url):
        return 'has no file name in its path: %r' % url
    return None


def file_name_of_url(url: str) -> str:
    """The last segment of the URL's path, as sent (percent-encoding kept)."""
    return urlsplit(url).path.rstrip('/').rsplit('/', 1)[-1]


def mirrored(mirror: str, url: str) -> str:
    """`url`'s file name under the mirror base URL."""
    return mirror.rstrip('/') + '/' + file_name_of_url(url)


def redacted_url(url: str) -> str:
    """The URL fit for a manifest, a result or a message: no user:password@, and the value of each
    query parameter that may hold a secret (a token, an Azure SAS `sig`, an S3 `X-Amz-Signature`...)
    replaced by REDACTED. The other parameters are kept as they were sent."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit('@', 1)[-1]
    query = '&'.join(_redacted_parameter(parameter) for parameter in parts.query.split('&')) if parts.query else ''
    return urlunsplit((parts.scheme, host, parts.path, query, parts.fragment))


def _redacted_parameter(parameter: str) -> str:
    name, equals, value = parameter.partition('=')
    if equals and value and _SECRET_PARAMETER.search(unquote(name)):
        return '%s=%s' % (name, REDACTED)
    return parameter


def credentials_problem(download_url: str) -> str | None:
    """Why url_username/url_password must not go with this URL, or None.

    Invoke-WebRequest answers a 401 challenge with them in Basic authentication, which is
    readable by anyone on the path of a plain http:// request
    (docs/windows-facts.md#downloads-archives-and-hashes).
    """
    if urlsplit(download_url).scheme.lower() != 'https':
        return ('would be sent over plain http:// to %s, readable by anyone on the path; use an https:// url '
                '(or mirror)' % redacted_url(download_url))
    return None


def archive_type(file_name: str) -> str | None:
    """'tar.gz' or 'zip' from the file name, None when the name tells neither."""
    lowered = file_name.lower()
    for suffix, kind in ARCHIVE_TYPES:
        if lowered.endswith(suffix) and len(lowered) > len(suffix):
            return kind
    return None


def name_problem(name: str | None) -> str | None:
    if not _NAME.match(name or ''):
        return ('must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit, got %r' % name)
    return None


def dest_problem(dest: str | None) -> str | None:
    if not dest or not dest.strip():
        return 'must not be empty'
    if '/' in dest:
        return 'must use backslashes as a Windows path does, got %r' % dest
    if not _ABSOLUTE.match(dest):
        return ('must be an absolute Windows path such as C:\\Program Files\\containerd or '
                '%%ProgramFiles%%\\containerd, got %r' % dest)
    body = dest.rstrip('\\')
    if re.match(r'^[A-Za-z]:$', body):
        return 'must be a directory below a drive root, not the drive root %r' % dest
    segments = body.split('\\')[1:]
    if any(segment in ('.', '..') for segment in segments):
        return 'must not contain "." or ".." segments, got %r' % dest
    if any(segment == '' for segment in segments):
        return 'must not contain empty segments (\\\\), got %r' % dest
    if _WINDOWS_BAD_CHARS.search(body) or ':' in body[2:]:
        return 'holds characters Windows does not allow in a path: %r' % dest
    return None


def member_path(path: str | None) -> str:
    """A relative archive path in the form win_release_archive returns: `a/b/c`.

    Backslashes count as separators (bsdtar on Windows splits on both,
    libarchive tar/util.c strip_components), a leading `./` and a trailing
    `/` are dropped. Absolute paths and `..` are refused.
    """
    text = (path or '').replace('\\', '/').strip()
    while text.startswith('./'):
        text = text[2:]
    text = text.rstrip('/')
    if not text:
        raise PathProblem('is empty')
    if text.startswith('/') or re.match(r'^[A-Za-z]:', text):
        raise PathProblem('must be relative to the archive, got %r' % path)
    segments = text.split('/')
    if any(segment in ('', '.', '..') for segment in segments):
        raise PathProblem('must not contain empty, "." or ".." segments, got %r' % path)
    return posixpath.join(*segments)


def included(paths: list[str], include: list[str] | None) -> tuple[list[str], list[str]]:
    """The paths selected by `include` (None: all), and the include entries that select nothing.

    An entry selects the file of that path, or every file below it when it
    names a directory. Windows compares names without regard to case.
    """
    if include is None:
        return sorted(paths, key=str.lower), []
    chosen, missing = set(), []
    for entry in include:
        key = entry.lower()
        hits = [p for p in paths if p.lower() == key or p.lower().startswith(key + '/')]
        if not hits:
            missing.append(entry)
        chosen.update(hits)
    return sorted(chosen, key=str.lower), missing


def strip(path: str, components: int) -> str | None:
    """`path` after bsdtar --strip-components, or None when it is too short.

    Mirrors libarchive tar/util.c strip_components: N leading elements go,
    then any further separators; a path with nothing left is skipped.
    """
    rest = path.replace('\\', '/')
    if components == 0:
        return rest
    for _component in range(components):
        if '/' not in rest:
            return None
        rest = rest.split('/', 1)[1]
    rest = rest.lstrip('/')
    return rest or None
