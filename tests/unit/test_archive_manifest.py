"""_archive_manifest: parsing what the host wrote, deciding whether it is current, diff text."""

import json

from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive import manifest as manifests

A, B, C = 'a' * 64, 'b' * 64, 'c' * 64


def document(**changes):
    base = dict(manifests.header('http://h/x.tar.gz', 'x.tar.gz', A.upper(), '1.0', 1, None),
                files=[{'path': 'bin/x.exe', 'sha256': B.upper()}, {'path': 'README', 'sha256': C}], leftovers=[])
    base.update(changes)
    return json.dumps(base)


def test_parse_normalises_hashes_and_orders_files():
    manifest, problem = manifests.parse('\ufeff' + document())
    assert problem is None
    assert manifest['archive_sha256'] == A
    assert manifest['files'] == [{'path': 'bin/x.exe', 'sha256': B}, {'path': 'README', 'sha256': C}]


def test_no_manifest():
    assert manifests.parse(None) == (None, None)


def test_damaged_manifests_are_reported_not_trusted():
    for text, problem in [
        ('{', 'not JSON'),
        ('[]', 'not a format 1'),
        (document(format=2), 'not a format 1'),
        (document(files=[{'path': '../../Windows/x', 'sha256': B}]), 'damaged'),
        (document(files=[{'path': 'x', 'sha256': 'nope'}]), 'damaged'),
        (document(strip_components=-1), 'damaged'),
        (document(files=None), 'damaged'),
        (document(leftovers=['C:/x']), 'damaged'),
    ]:
        manifest, found = manifests.parse(text)
        assert manifest is None and problem in found, text


def test_same_install_and_drift():
    manifest, _unused = manifests.parse(document())
    wanted = manifests.header('http://mirror/x.tar.gz', 'x.tar.gz', A, '1.0', 1, None)
    assert manifests.same_install(manifest, wanted), 'the source does not matter when the checksum is known'
    assert not manifests.same_install(manifest, dict(wanted, version='1.1'))
    assert not manifests.same_install(manifest, dict(wanted, strip_components=0))
    assert not manifests.same_install(manifest, dict(wanted, include=['bin']))
    assert not manifests.same_install(manifest, dict(wanted, archive_sha256=B))
    unverified = dict(wanted, archive_sha256=None)
    assert not manifests.same_install(manifest, unverified)
    assert manifests.same_install(manifest, dict(unverified, source='http://h/x.tar.gz'))
    assert manifests.drifted(manifest, {'bin/x.exe': B, 'readme': C}) == []
    assert manifests.drifted(manifest, {'bin/x.exe': C, 'readme': None}) == ['bin/x.exe', 'README']


def test_include_compares_as_a_set_without_case():
    manifest, _unused = manifests.parse(document(include=['bin/X.exe', 'README']))
    wanted = manifests.header('s', 'x', A, '1.0', 1, ['readme', 'bin/x.exe'])
    assert manifests.same_install(manifest, wanted)


def test_listing_is_sha256sum_text():
    assert manifests.listing([('b', B), ('A', None)]) == '(missing)  A\n%s  b\n' % B
    assert manifests.listing([]) == ''


def test_diff_lists_current_hashes_before_and_wanted_ones_after():
    from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive.diff import UNKNOWN_AFTER, diff

    manifest, _unused = manifests.parse(document())
    read = {'manifest_path': 'C:\\x\\.wcow-a.manifest.json'}
    wanted = manifests.header('s', 'x', B, '2.0', 1, None)
    current = {'bin/x.exe': C, 'readme': None}
    shown = diff(read, manifest, current, wanted, [('bin/x.exe', B), ('NEW', A)])
    assert shown['before'] == '%s  bin/x.exe\n(missing)  README\n' % C
    assert shown['after'] == '%s  bin/x.exe\n%s  NEW\n' % (B, A)
    assert shown['before_header'].endswith('(archive sha256:%s)' % A)
    assert shown['after_header'].endswith('(archive sha256:%s)' % B)
    unknown = diff(read, None, {}, dict(wanted, archive_sha256=None), None)
    assert unknown['before'] == '' and unknown['after'] == UNKNOWN_AFTER
    assert unknown['before_header'].endswith('(no manifest)')


# --- cases found by mutation testing (make mutation) ----------------------------------------------------------

def test_strip_components_zero_is_kept_and_a_boolean_is_damage():
    manifest, problem = manifests.parse(document(strip_components=0))
    assert problem is None and manifest['strip_components'] == 0 and manifest['archive_file'] == 'x.tar.gz'
    manifest, problem = manifests.parse(document(strip_components=True))
    assert manifest is None and 'damaged' in problem


def test_without_a_checksum_the_version_still_counts():
    manifest, _unused = manifests.parse(document())
    unverified = manifests.header('http://h/x.tar.gz', 'x.tar.gz', None, '1.0', 1, None)
    assert manifests.same_install(manifest, unverified)
    assert not manifests.same_install(manifest, dict(unverified, version='1.1'))


def test_the_diff_spells_paths_as_the_archive_does():
    from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive.diff import diff

    shown = diff({'manifest_path': 'm'}, None, {'bin/x.exe': C}, manifests.header('s', 'x', B, '2.0', 1, None),
                 [('BIN/X.exe', B)])
    assert shown['before'] == '%s  BIN/X.exe\n' % C
