# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who may change what win_release_archive installs (docs/windows-facts.md#protected-dacls).

dest gets the protected DACL with Users: read and execute (its binaries are on the PATH and users run
buildctl), and what it holds inherits it. release_archive_read returns the security of dest, then of each
installed file and each folder between dest and it. A dest that is missing or whose DACL is loosened gets
the DACL again. A dest whose owner or DACL let non-administrators write, or an installed file or folder
whose owner or own ACEs do, means that nothing in dest can be trusted, the manifest included: every file
of the archive is installed again, the folders it goes into get the protected DACL, and the kept previous
version is dropped.
"""

from __future__ import annotations

import dataclasses
import typing as t

from .._windows import protected_acl

USERS_READ = True


@dataclasses.dataclass(frozen=True)
class Permissions:
    """unprotected: the entries of release_archive_read's `security` whose descriptor has problems, each with
    them (a missing dest is not one: it is created with the DACL); protect_dest: dest is missing or loosened;
    untrusted: non-administrators could write dest or what it holds."""
    unprotected: list[dict[str, t.Any]]
    protect_dest: bool
    untrusted: bool


def judge(security: list[dict[str, t.Any]]) -> Permissions:
    dest, members = security[0], security[1:]
    unprotected = []
    untrusted = False
    if dest['exists']:
        found = protected_acl.problems(dest['sddl'])
        if found:
            unprotected.append(dict(dest, problems=found))
            untrusted = any(problem != protected_acl.INHERITS for problem in found)
    protect_dest = not dest['exists'] or bool(unprotected)
    for entry in members:
        if not entry['exists']:
            continue
        found = protected_acl.problems(entry['sddl'], member=True)
        if found:
            untrusted = True
            # A file is installed again (it inherits dest's DACL), a folder gets the protected one.
            after = None if entry['directory'] else protected_acl.inherited_sddl(USERS_READ)
            unprotected.append(dict(entry, problems=found, after=after))
    return Permissions(unprotected, protect_dest, untrusted)


def diff(permissions: Permissions) -> dict[str, str]:
    return protected_acl.acl_diff(permissions.unprotected, users_read=USERS_READ)


def summary(permissions: Permissions) -> list[dict[str, t.Any]]:
    """The module's `unprotected` result: each path and why non-administrators may change it."""
    return [dict(path=entry['path'], problems=entry['problems']) for entry in permissions.unprotected]


def untrusted_warning(permissions: Permissions, dest: str) -> str:
    return ('Non-administrators could change %s (%s): nothing in it is trusted, so every file of the archive is '
            'installed again and no previous version kept there is kept'
            % (dest, '; '.join('%s %s' % (entry['path'], ', '.join(entry['problems']))
                               for entry in permissions.unprotected)))
