#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/win_release_archive.py.

DOCUMENTATION = r'''
---
module: win_release_archive
short_description: Install a checksum-verified release archive (.tar.gz or .zip) on Windows
version_added: 0.1.0
description:
  - Installs the files of a release archive, such as containerd's, BuildKit's or the CNI plugins', into a directory
    on a Windows host, after checking the archive's SHA-256.
  - The archive is downloaded by the host from O(url) (or from O(mirror)), or sent from the controller with O(src)
    for hosts without access to the download server.
  - The host downloads or receives the archive into a staging directory inside O(dest), compares its SHA-256, and
    extracts it there with C(tar.exe), which Windows Server 2019, Windows 10 1803 and later ship in C(System32) and
    which reads both C(.tar.gz) and C(.zip) (C(Expand-Archive) reads zip only and cannot strip path components).
    Only then are files moved into O(dest). A checksum mismatch or a download error leaves O(dest) as it was.
  - Each new or changed file is moved in place of the old one. The old file is renamed aside first, because a
    running program cannot be overwritten but can be renamed; it is deleted at once, or, while still in use, by a
    later run that changes something.
  - A manifest, C(<dest>\.wcow-<name>.manifest.json), records the archive's SHA-256, the settings and the SHA-256 of
    every installed file. When it records the wanted archive and every file still matches, nothing is downloaded or
    written. A file changed or deleted by hand is reported in check mode and restored by the next run.
  - Upgrading to another archive replaces changed files and removes files of the previous install that the new
    archive no longer has, only if the manifest recorded them and they are unchanged since. Files the module did not
    install are never removed.
  - When it replaces an installed version, it keeps a copy of that version's files and manifest in
    C(<dest>\.wcow-<name>.previous) (O(keep_previous)), a folder no PATH entry sees. O(state=previous) puts that
    version back, for example after an upgrade whose new version does not start.
  - O(state=absent) removes the files the manifest lists, the kept previous version and the manifest, and O(dest)
    when it is then empty.
  - O(dest) is on the machine PATH and holds what SYSTEM services run, so only SYSTEM and Administrators may change
    it. It gets a protected DACL, owner Administrators, SYSTEM and Administrators full control, Users read and
    execute (users run C(buildctl) from the PATH), nothing inherited, and what it holds inherits that. A missing
    O(dest) is created with it, before the staging directory and the kept previous version are made inside it. A
    folder created in C(C:\) otherwise lets every signed-in user change what it holds.
  - An existing O(dest) whose DACL is not protected is drift, reported in check mode (RV(unprotected), and the
    diff) and given the protected DACL, without downloading the archive when the files are as wanted. A new DACL
    reaches everything below O(dest), so it is only set when it is missing or loosened.
  - When the owner or DACL of O(dest) lets non-administrators write, or an installed file, or a folder between O(dest)
    and it, is owned by another account or has ACEs of its own that let non-administrators write, nothing in
    O(dest) is trusted, the manifest included. Every file of the archive is then installed again, the folders it
    goes into get the protected DACL, the previous version kept there is removed, and a warning says so.
    O(state=previous) refuses to restore from such a folder. Files the module did not install are left alone;
    review what else such a folder holds.
options:
  url:
    description:
      - URL of the archive, downloaded by the host with C(Invoke-WebRequest). Its file name (the last segment of the
        path) must end in C(.tar.gz), C(.tgz) or C(.zip).
      - Exactly one of O(url) and O(src) is required with O(state=present); ignored otherwise.
      - Mutually exclusive with O(src).
      - The URL is downloaded as given. In the manifest written to the host, in results and in messages, the values
        of query parameters that may hold a secret (names with C(token), C(sig), C(key), C(secret), C(passw),
        C(credential) or C(auth), such as an Azure SAS C(sig) or S3's C(X-Amz-Signature)) show as C(REDACTED).
    type: str
  src:
    description:
      - Path of the archive on the controller, for hosts that cannot reach the download server. It is read into
        memory and sent to the host over the connection, base64-encoded on the standard input of the operation.
      - A relative path is looked up in the role's or playbook's C(files) directory, as M(ansible.windows.win_copy)
        does.
      - Mutually exclusive with O(url).
    type: path
  mirror:
    description:
      - Base URL of an internal mirror. The archive is downloaded from the mirror under the file name of O(url), so
        that playbooks keep the upstream URL and switch O(mirror) per site.
      - Requires O(url) and O(checksum), since a checksum file served by the mirror beside its own archive would prove
        nothing, so O(checksum_url) and O(allow_unverified) are refused with a mirror.
    type: str
  proxy:
    description:
      - Proxy URL for the host's downloads (the archive and O(checksum_url)), such as C(http://proxy.example:3128).
        Without it, the machine's WinHTTP proxy applies (C(netsh winhttp set proxy), bypass list included); when
        none is set, the connecting user's Internet Options (WinINet) apply, as Invoke-WebRequest reads them.
    type: str
  url_username:
    description:
      - User name for the download server. Sent when the server asks for credentials (HTTP 401).
      - Requires O(url_password).
    type: str
  url_password:
    description:
      - Password for O(url_username).
      - Requires O(url_username), and an C(https://) O(url) (or O(mirror)), since the host answers the server's 401
        challenge with Basic authentication, readable by anyone on the path of a plain C(http://) download.
      - With credentials the host follows no redirect (C(Invoke-WebRequest) would answer the challenge of any host a
        redirect names with them), so O(url) must name the archive's final location.
      - The value is hidden in task output and logs (C(no_log)).
    type: str
  checksum:
    description:
      - Expected SHA-256 of the archive, as C(sha256:<64 hexadecimal digits>). Compared without regard to case.
      - Or C(provenance), for BuildKit's release archives, which have no checksum file beside them but a provenance
        (an in-toto statement) named after the archive without C(.tar.gz) or C(.zip) and ending in
        C(.provenance.json), as in C(buildkit-v0.23.2.windows-amd64.provenance.json). The host fetches it from
        beside O(url) at every run (check mode included), in the read that looks at the installed files, so a run
        fails while the release cannot be reached, as with O(checksum_url); the SHA-256 of its one subject named
        after the archive's file name is the expected checksum, reported in RV(archive_sha256) and kept in the
        manifest. A provenance that is missing, names the archive in no subject or in several, or gives no valid
        SHA-256 fails the task before anything is downloaded or changed. It vouches for the archive as much as the
        HTTPS server of the release does; a pinned C(sha256:) checksum also catches a release asset replaced later.
      - C(provenance) needs an C(https://) O(url) and is refused with O(mirror), an C(http://) O(url) and O(src),
        where the provenance would come from the same place as the archive or from nowhere; a mirror needs a pinned
        checksum.
      - One of O(checksum) and O(checksum_url) is required with O(state=present) unless O(allow_unverified=true).
      - A C(sha256:) value is required, whatever O(allow_unverified) says, with O(mirror) and with an C(http://)
        O(url), since anyone who can change the archive there can change a checksum file beside it.
      - Mutually exclusive with O(checksum_url).
    type: str
  checksum_url:
    description:
      - URL of a checksum file, fetched by the host, such as the C(.sha256sum) file containerd publishes beside each
        release archive. Lines are C(<sha256>  <file name>) as C(sha256sum) prints them; the line naming the archive's
        file name is used. A file holding a single hash and no file name is accepted too.
      - Refused over C(http://) and with O(mirror); use O(checksum) there.
      - Mutually exclusive with O(checksum).
    type: str
  allow_unverified:
    description:
      - Install without O(checksum) or O(checksum_url), with a warning. Not with O(mirror) nor an C(http://) O(url).
      - With O(url), the archive installed from the same URL (with the same O(version)) is then considered current;
        change O(url) or O(version) to install another one.
    type: bool
    default: false
  dest:
    description:
      - Directory to install the files into, created when missing, such as C(C:\Program Files\containerd) or
        C(%ProgramFiles%\containerd) (environment variables are expanded on the host).
      - Must be an absolute path below a drive root.
      - With O(state=present) and O(state=previous), must not be a link (junction or symbolic link) to another folder;
        a link has a DACL of its own, and whoever may replace it decides what the PATH entry runs.
    type: str
    required: true
  strip_components:
    description:
      - Number of leading path components removed from each member's path, as C(tar --strip-components) does.
        Members with fewer components are not installed.
    type: int
    default: 0
  include:
    description:
      - Paths of members to install, as they are after O(strip_components), with C(/) or C(\). A path naming a
        directory installs every file below it. Compared without regard to case.
      - A path the archive does not have fails the task, and nothing is installed.
      - When omitted, every file of the archive is installed.
    type: list
    elements: str
  version:
    description:
      - Version of the release, recorded in the manifest and returned as given. A different O(version) installs
        the archive again.
    type: str
  name:
    description:
      - Name of the install, which names its manifest. Use a distinct name for each archive installed into the same
        O(dest); two installs must not share files.
      - Letters, digits, C(.), C(_) and C(-).
    type: str
    default: archive
  state:
    description:
      - V(present) installs the archive.
      - V(absent) removes what the manifest says this install put into O(dest), namely each listed file that still has
        the SHA-256 recorded for it, files renamed aside earlier, the kept previous version, and the manifest.
        Folders left empty go, O(dest) too; anything else in them stays. A listed file that is already gone is
        fine. A listed file replaced since (another SHA-256) is not the module's any more, so it is kept, with a
        warning. A file in use, such as the executable of a running service, is renamed aside and deleted by a
        later run; the manifest then stays, listing only those files, until they are gone. When nothing is
        installed, nothing changes.
      - V(previous) puts the previous version kept in C(<dest>\.wcow-<name>.previous) back in place, with its
        manifest, and returns its version in RV(version). The copy stays, so a second run changes nothing. Fails,
        changing nothing, when no previous version is kept or its copy changed. Files of the replaced version that
        the previous one does not have are removed when unchanged since they were installed.
      - With V(absent) and V(previous), only O(dest) and O(name) are used.
    type: str
    choices: [present, absent, previous]
    default: present
  keep_previous:
    description:
      - With O(state=present), when another version is installed (the manifest records another archive or
        settings), first keep a copy of the installed files and manifest in C(<dest>\.wcow-<name>.previous),
        replacing the copy kept before, so that O(state=previous) can restore it.
      - The copy is staged and moved in as a whole, so the folder holds a complete version or none. When the
        installed files changed by hand, no copy is kept (a warning says so) and an older copy is removed.
      - V(false) keeps no copy and removes an older one when another version is installed.
    type: bool
    default: true
  allow_downgrade:
    description:
      - With O(state=present), whether the archive may replace an install whose manifest records a newer O(version).
      - V(false) fails the task, in check mode too and before anything changes, when both versions read as
        C(major.minor.patch) (with or without a leading C(v)) and O(version) is the lower one; the message names both.
        Versions that do not read so are not compared.
      - The roles of this collection set it from C(wcow_allow_downgrade) (default V(false)), so a run with an older
        version than an upgrade installed does not silently go back.
    type: bool
    default: true
notes:
  - Check mode does not download the archive. When the archive is not the one the manifest records, RV(files),
    RV(changed_files) and RV(removed_files) are only known in advance for O(src), whose archive the controller
    reads.
  - Only regular files are installed. The archive is listed before anything is extracted (on the controller for
    O(src), with C(tar.exe -t) on the host otherwise) and refused whole when an entry is a symbolic link, a hard link
    or a special file, or when its path is absolute or has a drive, a colon (an alternate data stream) or a C(..)
    element. tar.exe on Windows Server 2022, 2025 and Windows 11 creates the links it extracts.
extends_documentation_fragment:
  - wcow.buildkit.attributes
  - wcow.buildkit.attributes.full
seealso:
  - module: ansible.windows.win_get_url
  - name: BuildKit on Windows
    description: The guide whose install steps this module makes verifiable and idempotent.
    link: https://github.com/moby/buildkit/blob/master/docs/windows.md
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Install containerd, verified with the checksum file published beside the archive
  wcow.buildkit.win_release_archive:
    url: https://github.com/containerd/containerd/releases/download/v2.1.4/containerd-2.1.4-windows-amd64.tar.gz
    checksum_url: https://github.com/containerd/containerd/releases/download/v2.1.4/containerd-2.1.4-windows-amd64.tar.gz.sha256sum
    dest: '%ProgramFiles%\containerd'
    name: containerd
    version: 2.1.4

- name: Install buildctl and buildkitd, verified with the provenance published beside the release archive
  wcow.buildkit.win_release_archive:
    url: https://github.com/moby/buildkit/releases/download/v0.23.2/buildkit-v0.23.2.windows-amd64.tar.gz
    checksum: provenance
    dest: C:\Program Files\buildkit
    strip_components: 1
    include:
      - buildctl.exe
      - buildkitd.exe
    name: buildkit
    version: v0.23.2

- name: Install buildctl and buildkitd from an internal mirror, keeping the upstream URL
  wcow.buildkit.win_release_archive:
    url: https://github.com/moby/buildkit/releases/download/v0.24.0/buildkit-v0.24.0.windows-amd64.tar.gz
    mirror: https://artifacts.example.internal/buildkit
    checksum: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    dest: C:\Program Files\buildkit
    strip_components: 1
    include:
      - buildctl.exe
      - buildkitd.exe
    name: buildkit
    version: v0.24.0

- name: Install the CNI plugins on a host without internet access, from the controller
  wcow.buildkit.win_release_archive:
    src: windows-container-networking-cni-amd64-v0.3.1.zip
    checksum: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    dest: C:\Program Files\containerd\cni\bin
    name: cni-plugins
    version: v0.3.1

- name: Put back the BuildKit version that the last upgrade replaced
  wcow.buildkit.win_release_archive:
    dest: C:\Program Files\buildkit
    name: buildkit
    state: previous
  register: restored

- name: Remove what the containerd install put in place
  wcow.buildkit.win_release_archive:
    dest: '%ProgramFiles%\containerd'
    name: containerd
    state: absent
'''

RETURN = r'''
dest:
  description: O(dest) with environment variables expanded by the host.
  returned: always
  type: str
  sample: C:\Program Files\containerd
manifest:
  description: Path of the manifest on the host.
  returned: always
  type: str
  sample: C:\Program Files\containerd\.wcow-containerd.manifest.json
state:
  description: O(state).
  returned: always
  type: str
  sample: present
version:
  description:
    - O(version) as given; with O(state=previous), the version restored (C(sha256:<hex>) of its archive when it was
      installed without a version); with O(state=absent), the version that was installed, null when none.
  returned: always
  type: str
  sample: 2.1.4
previous_version:
  description:
    - The version kept in C(<dest>\.wcow-<name>.previous) after the task, which O(state=previous) would restore
      (C(sha256:<hex>) of its archive when it was installed without a version); null when none is kept.
  returned: always
  type: str
  sample: 2.0.6
kept_files:
  description: With O(state=absent), files of the install that were replaced by hand since and therefore kept.
  returned: when O(state=absent)
  type: list
  elements: str
  sample: [bin/ctr.exe]
dest_removed:
  description: With O(state=absent), whether O(dest) is gone (removed, being empty, or missing before).
  returned: when O(state=absent)
  type: bool
  sample: true
archive_sha256:
  description:
    - SHA-256 of the installed archive, lower case. In check mode, the wanted one; null when unknown
      (O(allow_unverified) with O(url)). With O(state=absent), the removed one, null when none.
    - With O(checksum=provenance), the digest the provenance gives.
  returned: always
  type: str
  sample: 9c5bbf6ea5e1d3b0a6c8fd0d7a1b6e4c3e1f0a2b4c6d8e0f1a3b5c7d9e1f3a5b
files:
  description:
    - Paths of the installed files relative to O(dest), with C(/).
    - In check mode, when the archive is not the recorded one and comes from O(url), the files installed now.
    - Empty with O(state=absent).
  returned: always
  type: list
  elements: str
  sample: [bin/containerd.exe, bin/ctr.exe]
changed_files:
  description:
    - Files written by this run (in check mode, that would be written). Null in check mode when the archive comes
      from O(url) and is not the recorded one, since its content is only known once downloaded.
  returned: always
  type: list
  elements: str
  sample: [bin/containerd.exe]
removed_files:
  description:
    - Files of the previous install that the new archive no longer has, removed by this run (in check mode, that
      would be removed; null when unknown, as for RV(changed_files)).
    - With O(state=absent), the files removed (in check mode, that would be removed).
  returned: always
  type: list
  elements: str
  sample: [bin/containerd-stress.exe]
unprotected:
  description:
    - With O(state=present) and O(state=previous), O(dest), installed files and the folders between them whose owner
      or DACL let non-administrators change them, as found before this run corrected them; each with the reasons.
  returned: when O(state) is V(present) or V(previous)
  type: list
  elements: dict
  contains:
    path:
      description: The path on the host.
      type: str
    problems:
      description: Why non-administrators may change it.
      type: list
      elements: str
  sample: [{path: C:\buildkit, problems: ["inherits its parent folder's permissions", "Authenticated Users may write"]}]
up_to_date:
  description:
    - "With O(state=present), whether the installed files already are the wanted archive's, unchanged (the opposite
      of C(changed), which C(changed_when) may override, unless only permissions change). A read-only plan runs the
      task in check mode with C(changed_when: false) and reads this value."
  returned: when O(state=present)
  type: bool
  sample: true
'''
