# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install a checksum-verified release archive (see plugins/modules/win_release_archive.py)."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import typing as t
from urllib.parse import unquote, urlsplit

from ansible.errors import AnsibleActionFail, AnsibleError

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.action_base import WcowActionBase
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import InvalidArgument, OperationError
from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive import (
    manifest as manifests,
    paths,
    permissions as acl,
    previous,
    provenance,
    removal,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive.checksum import (
    PROVENANCE,
    ChecksumError,
    parse_module_option,
    pick_from_file,
    trust_problem,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive.diff import diff
from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive.downgrade import downgrade_problem
from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive.listing import ArchiveError, list_files


@dataclasses.dataclass(frozen=True)
class Source:
    """Where the archive comes from: a URL the host downloads (kind url), or a controller file streamed to it
    (kind stream, with its bytes and their SHA-256)."""
    kind: str
    url: str | None
    shown: str
    record: str
    file_name: str
    archive_type: str
    data: bytes | None = None
    sha256: str | None = None


@dataclasses.dataclass(frozen=True)
class WantedArchive:
    """What validate derives at state=present: the source, the include list as paths, and the files a `src`
    archive installs ({path: sha256}; None for a URL, known once the host has downloaded it)."""
    source: Source
    include: list[str] | None
    listing: dict[str, str] | None


class ActionModule(WcowActionBase[WantedArchive | None]):
    ARGUMENT_SPEC = dict(
        url=dict(type='str'),
        src=dict(type='path'),
        mirror=dict(type='str'),
        proxy=dict(type='str'),
        url_username=dict(type='str'),
        url_password=dict(type='str', no_log=True),
        checksum=dict(type='str'),
        checksum_url=dict(type='str'),
        allow_unverified=dict(type='bool', default=False),
        dest=dict(type='str', required=True),
        strip_components=dict(type='int', default=0),
        include=dict(type='list', elements='str'),
        version=dict(type='str'),
        name=dict(type='str', default='archive'),
        state=dict(type='str', default='present', choices=['present', 'absent', 'previous']),
        keep_previous=dict(type='bool', default=True),
        allow_downgrade=dict(type='bool', default=True),
    )
    MUTUALLY_EXCLUSIVE = (('url', 'src'), ('checksum', 'checksum_url'))
    REQUIRED_TOGETHER = (('url_username', 'url_password'),)
    REQUIRED_BY = dict(mirror=('url', 'checksum'))

    # --- before the host is touched ------------------------------------------------

    def validate(self, args: dict[str, t.Any]) -> WantedArchive | None:
        if args['state'] != 'present':
            # Removing or restoring needs only where and which install.
            problems = (('dest', paths.dest_problem(args['dest'])), ('name', paths.name_problem(args['name'])))
            for option, problem in problems:
                if problem:
                    raise InvalidArgument(option, problem)
            return None
        if not args['url'] and not args['src']:
            raise InvalidArgument('url', 'one of url or src is required')
        for option in ('url', 'mirror', 'proxy', 'checksum_url'):
            _check_url(option, args[option])
        if args['checksum'] is not None:
            try:
                parse_module_option(args['checksum'])
            except ChecksumError as error:
                raise InvalidArgument('checksum', str(error))
        problem = trust_problem(args['url'], args['mirror'], args['checksum'], args['checksum_url'])
        if problem:
            raise InvalidArgument(*problem)
        if args['checksum'] is None and args['checksum_url'] is None and not args['allow_unverified']:
            raise InvalidArgument('checksum', 'one of checksum or checksum_url is required; set allow_unverified=true '
                                  'to install an archive nobody vouches for')
        problem = paths.dest_problem(args['dest'])
        if problem:
            raise InvalidArgument('dest', problem)
        if not 0 <= args['strip_components'] <= 64:
            raise InvalidArgument('strip_components', 'must be between 0 and 64, got %d' % args['strip_components'])
        problem = paths.name_problem(args['name'])
        if problem:
            raise InvalidArgument('name', problem)
        include = _include(args['include'])
        source = _url_source(args) if args['url'] else self._src_source(args)
        if args['url_password'] and source.url is not None:
            problem = paths.credentials_problem(source.url)
            if problem:
                raise InvalidArgument('url_password', problem)
        listing = None
        if source.data is not None:
            if args['checksum'] is not None:
                _verify_src(source, parse_module_option(args['checksum']))
            listing = _src_listing(args, source, include)
        return WantedArchive(source, include, listing)

    def _src_source(self, args: dict[str, t.Any]) -> Source:
        try:
            path = self._find_needle('files', args['src'])
        except AnsibleError as error:
            raise InvalidArgument('src', 'cannot be found on the controller: %s' % error)
        file_name = os.path.basename(path)
        kind = paths.archive_type(file_name)
        if kind is None:
            raise InvalidArgument('src', 'the file name %r ends neither in .tar.gz, .tgz nor .zip' % file_name)
        try:
            with open(path, 'rb') as handle:
                data = handle.read()
        except OSError as error:
            raise InvalidArgument('src', 'cannot be read: %s' % error)
        shown = 'src:%s' % file_name
        return Source(kind='stream', url=None, shown=shown, record=shown, file_name=file_name, archive_type=kind,
                      data=data, sha256=hashlib.sha256(data).hexdigest())

    # --- on the host ---------------------------------------------------------------

    def reconcile(self, args: dict[str, t.Any], checked: WantedArchive | None) -> dict[str, t.Any]:
        if checked is None:
            return self._absent(args) if args['state'] == 'absent' else self._restore(args)
        return self._present(args, checked)

    def _read_installed(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        return self._run('release_archive_read', args, dict(dest=args['dest'], name=args['name'], paths=[],
                                                            checksum=None, web=_web(args)))

    def _present(self, args: dict[str, t.Any], archive: WantedArchive) -> dict[str, t.Any]:
        source, warnings = archive.source, []
        web = _web(args)
        checksum_request = self._checksum_request(args, source)
        try:
            read = self._run('release_archive_read', args, dict(
                dest=args['dest'],
                name=args['name'],
                paths=sorted(archive.listing or {}),
                checksum=checksum_request,
                web=web,
            ))
        except OperationError as error:
            if _is_provenance(args) and checksum_request['shown'] in str(error):
                raise AnsibleActionFail('%s. checksum=provenance reads the SHA-256 of %s from %s, which BuildKit '
                                        'publishes beside each release archive; without it, set checksum to a '
                                        'pinned sha256:<hex>.' % (str(error).rstrip('.'), source.file_name,
                                                                  checksum_request['shown']))
            raise
        _refuse_link(read)
        wanted_sha = self._wanted_sha256(args, source, read, warnings)
        manifest, problem = manifests.parse(read['manifest_text'])
        refused = None if args['allow_downgrade'] or manifest is None else downgrade_problem(
            args['name'], read['dest'], manifest['version'], args['version'])
        if refused:
            raise AnsibleActionFail(refused)
        if problem:
            warnings.append('%s %s: the archive is installed again, and no file of the earlier install is removed'
                            % (read['manifest_path'], problem))
        current = _hashes(read['files'])
        wanted = manifests.header(source.record, source.file_name, wanted_sha, args['version'],
                                  args['strip_components'], archive.include)

        access = acl.judge(read['security'])
        keep, warning = previous.plan(args['keep_previous'], manifest, wanted, current, read)
        if access.untrusted:
            # The kept copies were as open to non-administrators as the installed files.
            keep, warning = (previous.DROP if read['previous_dir_exists'] else previous.LEAVE), None
            warnings.append(acl.untrusted_warning(access, read['dest']))
        if warning:
            warnings.append(warning)
        as_wanted = manifest is not None and manifests.same_install(manifest, wanted) \
            and not manifests.drifted(manifest, current)
        if as_wanted and not access.untrusted:
            result = self._result(args, read, manifest['archive_sha256'], manifest['files'], [], [],
                                  changed=access.protect_dest)
            _warn_leftovers(warnings, manifest['leftovers'])
            if access.protect_dest:
                self._protect_only(args, read, access, result)
        elif self.check_mode:
            result = self._predicted(args, archive.listing, read, manifest, wanted, current, access.untrusted)
        else:
            reply = self._run('release_archive_apply', args, dict(
                dest=args['dest'],
                name=args['name'],
                archive_type=source.archive_type,
                source=dict(kind=source.kind, url=source.url, shown=source.shown),
                web=web,
                sha256=wanted_sha,
                strip_components=args['strip_components'],
                include=archive.include,
                previous_files=manifest['files'] if manifest else [],
                previous_leftovers=manifest['leftovers'] if manifest else [],
                manifest=wanted,
                keep=dict(action=keep, manifest=previous.as_manifest(manifest) if keep == previous.COPY else None),
                protect=access.protect_dest,
                replace_unchanged=access.untrusted,
            ), stream=source.data)
            installed = [(f['path'], f['sha256'].lower()) for f in reply['files']]
            result = self._result(args, read, reply['archive_sha256'].lower(), _as_records(installed),
                                  reply['changed_files'], reply['removed_files'], changed=True)
            result['dest'], result['manifest'] = reply['dest'], reply['manifest_path']
            if reply['kept_files']:
                warnings.append('Not removed, since they changed after they were installed and the new archive does '
                                'not have them: %s' % ', '.join(sorted(reply['kept_files'])))
            _warn_leftovers(warnings, reply['leftovers'])
            if self.diff_mode:
                result['diff'] = diff(read, manifest, current, wanted, installed)
        _permissions_result(result, access, self.diff_mode)
        result['previous_version'] = previous.kept_version(keep, manifest, read)
        # Kept apart from "changed", which a read-only plan (check_mode with
        # changed_when: false, as roles/buildkit/tasks/upgrade.yml runs it) overrides;
        # about the files only: permissions are corrected without an upgrade.
        result['up_to_date'] = as_wanted
        if warnings:
            result['warnings'] = warnings
        return result

    # --- state=absent ----------------------------------------------------------------

    def _absent(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        read = self._read_installed(args)
        manifest = _installed_manifest(read)
        current = _hashes(read['files'])
        result = dict(changed=False, state='absent', dest=read['dest'], manifest=read['manifest_path'],
                      version=manifest['version'] if manifest else None,
                      archive_sha256=manifest['archive_sha256'] if manifest else None,
                      files=[], changed_files=[], removed_files=[], kept_files=[], previous_version=None,
                      dest_removed=not read['dest_exists'])
        if not removal.pending(read, manifest):
            return result
        removable, replaced = removal.split(manifest, current)
        warnings = []
        if self.check_mode:
            result.update(changed=True, removed_files=removable, kept_files=replaced)
        else:
            reply = self._run('release_archive_remove', args, dict(
                dest=args['dest'],
                name=args['name'],
                files=manifest['files'] if manifest else [],
                leftovers=manifest['leftovers'] if manifest else [],
                manifest=previous.as_manifest(manifest) if manifest else {},
            ))
            still = reply['leftovers']
            # Only leftovers still in use and nothing else: nothing changed.
            unchanged = (not reply['removed_files'] and not read['previous_dir_exists'] and manifest is not None
                         and not manifest['files'] and sorted(still) == sorted(manifest['leftovers']))
            result.update(changed=not unchanged, removed_files=removal.sort_paths(reply['removed_files']),
                          kept_files=removal.sort_paths(reply['kept_files']), dest_removed=reply['dest_removed'])
            _warn_leftovers(warnings, still)
        if result['kept_files']:
            warnings.append('Kept, since they were replaced after they were installed: %s'
                            % ', '.join(result['kept_files']))
        if self.diff_mode and result['changed']:
            result['diff'] = removal.diff(read, manifest, current)
        if warnings:
            result['warnings'] = warnings
        return result

    # --- state=previous ---------------------------------------------------------------

    def _restore(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        read = self._read_installed(args)
        manifest = _installed_manifest(read)
        kept, problem = previous.parse(read)
        if kept is None:
            raise AnsibleActionFail('There is no previous version of %s to restore in %s%s. A previous version is '
                                    'kept when state=present replaces an installed one with keep_previous=true.'
                                    % (args['name'], read['previous_dir'], ': its manifest %s' % problem
                                       if problem else ''))
        damaged = previous.damaged_copies(kept, read)
        if damaged:
            kept_version = previous.kept_version(previous.LEAVE, None, read)
            raise AnsibleActionFail('The previous version %s kept in %s cannot be restored: %s changed or missing '
                                    'there. Nothing was changed.' % (kept_version, read['previous_dir'], ', '.join(damaged)))
        _refuse_link(read)
        access = acl.judge(read['security'])
        if access.untrusted:
            raise AnsibleActionFail('The previous version kept in %s cannot be restored: %s. Install a version with '
                                    'state=present instead. Nothing was changed.'
                                    % (read['previous_dir'], acl.untrusted_warning(access, read['dest'])))
        current = _hashes(read['files'])
        wanted = previous.header(kept)
        restored = previous.kept_version(previous.LEAVE, None, read)
        records = [(f['path'], f['sha256']) for f in kept['files']]
        if manifest is not None and manifests.same_install(manifest, wanted) and not manifests.drifted(manifest, current):
            result = self._restored(read, kept, records, [], [], changed=access.protect_dest)
            if access.protect_dest:
                self._protect_only(args, read, access, result)
        elif self.check_mode:
            wanted_paths = set(path.lower() for path, _sha in records)
            changed_files = [path for path, sha in records if current.get(path.lower()) != sha]
            removed = [f['path'] for f in (manifest or {}).get('files', [])
                       if f['path'].lower() not in wanted_paths and current.get(f['path'].lower()) == f['sha256']]
            result = self._restored(read, kept, records, changed_files, removed, changed=True)
        else:
            reply = self._run('release_archive_apply', args, dict(
                dest=args['dest'],
                name=args['name'],
                archive_type='previous',
                source=dict(kind='previous', url=None, shown=read['previous_dir'], files=kept['files']),
                web=_web(args),
                sha256=kept['archive_sha256'],
                strip_components=kept['strip_components'],
                include=None,
                previous_files=manifest['files'] if manifest else [],
                previous_leftovers=manifest['leftovers'] if manifest else [],
                manifest=wanted,
                keep=dict(action=previous.LEAVE, manifest=None),
                protect=access.protect_dest,
                replace_unchanged=False,
            ))
            result = self._restored(read, kept, records, reply['changed_files'], reply['removed_files'], changed=True)
            if reply['kept_files']:
                result.setdefault('warnings', []).append(
                    'Not removed, since they changed after they were installed and the previous version does not '
                    'have them: %s' % ', '.join(sorted(reply['kept_files'])))
            _warn_leftovers(result.setdefault('warnings', []), reply['leftovers'])
            if not result['warnings']:
                del result['warnings']
        if result['changed'] and self.diff_mode and 'diff' not in result:
            result['diff'] = diff(read, manifest, current, wanted, records)
        _permissions_result(result, access, self.diff_mode)
        result['version'] = restored
        return result

    def _protect_only(self, args: dict[str, t.Any], read: dict[str, t.Any], access: acl.Permissions,
                      result: dict[str, t.Any]) -> None:
        """The install is as wanted, dest's DACL is not protected (only loosened: nothing in it is untrusted).
        The manifest is written again with the same text, with file_write's protect giving dest the DACL: no
        download for a change of permissions."""
        if self.diff_mode:
            result['diff'] = acl.diff(access)
        if self.check_mode:
            return
        self._run('file_write', args, {
            'path': read['manifest_path'], 'content': read['manifest_text'], 'content_encoding': 'text',
            'backup': False, 'protect': {'users_read': acl.USERS_READ, 'folders': [read['dest']]}})

    def _restored(self, read: dict[str, t.Any], kept: dict[str, t.Any], records: list[tuple[str, str]],
                  changed_files: list[str], removed_files: list[str], changed: bool) -> dict[str, t.Any]:
        return dict(
            changed=changed,
            state='previous',
            dest=read['dest'],
            manifest=read['manifest_path'],
            archive_sha256=kept['archive_sha256'],
            files=[path for path, _sha in sorted(records, key=lambda pair: pair[0].lower())],
            changed_files=removal.sort_paths(changed_files),
            removed_files=removal.sort_paths(removed_files),
            previous_version=previous.kept_version(previous.LEAVE, None, read),
        )

    def _run(self, name: str, args: dict[str, t.Any], params: dict[str, t.Any],
             stream: bytes | None = None) -> dict[str, t.Any]:
        # The parameters are logged (-vvv) only when they hold no secret: no password, no token in a URL.
        urls = [args[option] for option in ('url', 'mirror', 'checksum_url') if args[option]]
        quiet = bool(args['url_password']) or any(paths.redacted_url(url) != url for url in urls)
        return self.operation(name, params, log_params=not quiet, stream=stream)

    def _checksum_request(self, args: dict[str, t.Any], source: Source) -> dict[str, str] | None:
        # validate() refused a checksum_url or provenance with a mirror: each is fetched from where it says,
        # the provenance from beside the archive (the same https:// release).
        if _is_provenance(args):
            url = provenance.provenance_url(source.url)
        elif args['checksum_url'] is not None:
            url = args['checksum_url']
        else:
            return None
        return dict(url=url, shown=paths.redacted_url(url))

    def _wanted_sha256(self, args: dict[str, t.Any], source: Source, read: dict[str, t.Any],
                       warnings: list[str]) -> str | None:
        if _is_provenance(args):
            try:
                wanted = provenance.pick_digest(read['checksum_text'], source.file_name)
            except ChecksumError as error:
                raise AnsibleActionFail('checksum=provenance: %s %s. Nothing was changed.'
                                        % (self._checksum_request(args, source)['shown'], error))
        elif args['checksum'] is not None:
            wanted = parse_module_option(args['checksum'])
        elif args['checksum_url'] is not None:
            try:
                wanted = pick_from_file(read['checksum_text'], source.file_name)
            except ChecksumError as error:
                raise AnsibleActionFail('checksum_url %s %s' % (self._checksum_request(args, source)['shown'], error))
        else:
            warnings.append('%s is installed without a checksum to verify it (allow_unverified=true)' % source.shown)
            return source.sha256
        if source.data is not None:
            _verify_src(source, wanted)
        return wanted

    def _predicted(self, args: dict[str, t.Any], listing: dict[str, str] | None, read: dict[str, t.Any],
                   manifest: dict[str, t.Any] | None, wanted: dict[str, t.Any],
                   current: dict[str, str | None], replace_unchanged: bool) -> dict[str, t.Any]:
        """Check mode: what a run would do, without downloading the archive."""
        if manifest is not None and manifests.same_install(manifest, wanted):
            after = [(f['path'], f['sha256']) for f in manifest['files']]
            changed_files, removed = manifests.drifted(manifest, current), []
            if replace_unchanged:
                changed_files = [path for path, _sha in after]
        elif listing is not None:
            after = sorted(listing.items())
            changed_files = [path for path, sha in after if replace_unchanged or current.get(path.lower()) != sha]
            kept = set(path.lower() for path in listing)
            removed = [f['path'] for f in (manifest or {}).get('files', [])
                       if f['path'].lower() not in kept and current.get(f['path'].lower()) == f['sha256']]
        else:
            after = changed_files = removed = None
        archive_sha = wanted['archive_sha256']
        result = self._result(args, read, archive_sha, _as_records(after or []), changed_files, removed, changed=True)
        if after is None:
            result['files'] = [f['path'] for f in manifest['files']] if manifest else []
        if self.diff_mode:
            result['diff'] = diff(read, manifest, current, wanted, after)
        return result

    def _result(self, args: dict[str, t.Any], read: dict[str, t.Any], archive_sha256: str | None,
                records: list[dict[str, str]],
                changed_files: list[str] | None, removed_files: list[str] | None, changed: bool) -> dict[str, t.Any]:
        return dict(
            changed=changed,
            state='present',
            dest=read['dest'],
            manifest=read['manifest_path'],
            version=args['version'],
            archive_sha256=archive_sha256,
            files=[record['path'] for record in records],
            changed_files=sorted(changed_files, key=str.lower) if changed_files is not None else None,
            removed_files=sorted(removed_files, key=str.lower) if removed_files is not None else None,
        )


def _refuse_link(read: dict[str, t.Any]) -> None:
    """A link's own DACL is not the folder's it points to: whoever may replace the link decides what the PATH
    entry runs (docs/windows-facts.md#install-folders)."""
    if read['dest_link']:
        raise AnsibleActionFail('dest %s is a link (junction or symbolic link) to another folder; install into a '
                                'folder itself. Nothing was changed.' % read['dest'])


def _permissions_result(result: dict[str, t.Any], access: acl.Permissions, diff_mode: bool) -> None:
    """`unprotected` in the result, and the permissions in the diff when the files' diff is there too."""
    result['unprotected'] = acl.summary(access)
    files_diff = result.get('diff')
    if diff_mode and access.unprotected and files_diff and files_diff.get('before_header') != 'permissions':
        permissions = acl.diff(access)
        files_diff['before'] += '# permissions\n' + permissions['before']
        files_diff['after'] += '# permissions\n' + permissions['after']


def _url_source(args: dict[str, t.Any]) -> Source:
    url = paths.mirrored(args['mirror'], args['url']) if args['mirror'] else args['url']
    file_name = unquote(paths.file_name_of_url(url))
    kind = paths.archive_type(file_name)
    if kind is None:
        raise InvalidArgument('url', 'the file name %r ends neither in .tar.gz, .tgz nor .zip' % file_name)
    shown = paths.redacted_url(url)
    return Source(kind='url', url=url, shown=shown, record=shown, file_name=file_name, archive_type=kind)


def _src_listing(args: dict[str, t.Any], source: Source, include: list[str] | None) -> dict[str, str]:
    """{path: sha256} of the files a `src` archive installs; InvalidArgument when it cannot be read or
    `include` names what it does not hold."""
    try:
        listed = list_files(source.data, source.archive_type, args['strip_components'])
    except ArchiveError as error:
        raise InvalidArgument('src', '%s %s' % (source.file_name, error))
    if not listed:
        raise InvalidArgument('strip_components', '%s has no files left after stripping %d leading path '
                              'components' % (source.file_name, args['strip_components']))
    chosen, missing = paths.included(list(listed), include)
    if missing:
        raise InvalidArgument('include', '%s not in %s after stripping %d leading path components; it holds %s'
                              % (', '.join(missing), source.file_name, args['strip_components'],
                                 ', '.join(sorted(listed, key=str.lower)[:20])))
    return dict((path, listed[path]) for path in chosen)


def _is_provenance(args: dict[str, t.Any]) -> bool:
    return args['checksum'] is not None and parse_module_option(args['checksum']) == PROVENANCE


def _web(args: dict[str, t.Any]) -> dict[str, str | None]:
    return dict(proxy=args['proxy'], username=args['url_username'], password=args['url_password'])


def _hashes(records: list[dict[str, t.Any]]) -> dict[str, str | None]:
    return dict((f['path'].lower(), (f['sha256'] or '').lower() or None) for f in records)


def _installed_manifest(read: dict[str, t.Any]) -> dict[str, t.Any] | None:
    manifest, problem = manifests.parse(read['manifest_text'])
    if problem:
        # Without a readable manifest nothing tells which files are this module's.
        raise AnsibleActionFail('%s %s: it does not tell which files win_release_archive installed, so nothing was '
                                'changed' % (read['manifest_path'], problem))
    return manifest


def _verify_src(source: Source, wanted: str) -> None:
    if source.sha256 != wanted:
        raise AnsibleActionFail('Checksum mismatch for %s: expected sha256:%s, got sha256:%s. Nothing was sent to the '
                                'host.' % (source.shown, wanted, source.sha256))


def _check_url(option: str, value: str | None) -> None:
    if value is None:
        return
    if option in ('mirror', 'proxy'):
        parts = urlsplit(value)
        if parts.scheme.lower() not in ('http', 'https') or not parts.netloc:
            raise InvalidArgument(option, 'must be an http:// or https:// URL, got %r' % value)
    else:
        problem = paths.url_problem(value)
        if problem:
            raise InvalidArgument(option, problem)
    if '@' in urlsplit(value).netloc:
        raise InvalidArgument(option, 'must not hold credentials (Invoke-WebRequest ignores them there); use '
                              'url_username and url_password for the download server')


def _include(include: list[str] | None) -> list[str] | None:
    if include is None:
        return None
    if not include:
        raise InvalidArgument('include', 'must not be empty; leave it out to install every file of the archive')
    normalised = []
    for entry in include:
        try:
            path = paths.member_path(entry)
        except paths.PathProblem as error:
            raise InvalidArgument('include', '%r %s' % (entry, error))
        if path.lower() not in (p.lower() for p in normalised):
            normalised.append(path)
    return normalised


def _as_records(pairs: t.Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [dict(path=path, sha256=sha256) for path, sha256 in sorted(pairs, key=lambda pair: pair[0].lower())]


def _warn_leftovers(warnings: list[str], leftovers: list[str]) -> None:
    if leftovers:
        warnings.append('Replaced files still in use were renamed aside and are deleted by a later run that changes '
                        'something: %s' % ', '.join(sorted(leftovers)))
