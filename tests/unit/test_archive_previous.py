"""What win_release_archive does with the kept previous version, and which files state=absent removes."""

from __future__ import annotations

import json

from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive import (
    manifest as manifests,
    previous,
    removal,
)

A, B, C = 'a' * 64, 'b' * 64, 'c' * 64


def installed(version, archive, files):
    return dict(manifests.header('src:x.zip', 'x.zip', archive, version, 0, None),
                files=[dict(path=p, sha256=s) for p, s in files], leftovers=[])


def read(kept=None, copies=(), exists=None):
    text = None
    if kept is not None:
        text = json.dumps(dict(kept, format=1))
    return dict(previous_manifest_text=text, previous_files=[dict(path=p, sha256=s) for p, s in copies],
                previous_dir_exists=kept is not None if exists is None else exists, previous_dir='C:\\x\\.wcow-x.previous',
                manifest_path='C:\\x\\.wcow-x.manifest.json')


V1 = installed('1', A, [('x.exe', B)])
V2 = manifests.header('src:x.zip', 'x.zip', C, '2', 0, None)


def test_a_new_install_or_the_same_one_leaves_the_kept_version():
    assert previous.plan(True, None, V2, {}, read()) == (previous.LEAVE, None)
    same = dict(V2, files=[], leftovers=[])
    assert previous.plan(True, same, V2, {}, read()) == (previous.LEAVE, None)


def test_replacing_a_version_copies_it_unless_already_kept():
    assert previous.plan(True, V1, V2, {'x.exe': B}, read()) == (previous.COPY, None)
    assert previous.plan(True, V1, V2, {'x.exe': 'd' * 64}, read(V1, [('x.exe', B)])) == (previous.LEAVE, None)
    assert previous.kept_version(previous.COPY, V1, read()) == '1'


def test_a_drifted_install_is_not_kept_and_an_older_copy_goes():
    older = installed('0', B, [('x.exe', C)])
    action, warning = previous.plan(True, V1, V2, {'x.exe': C}, read(older, [('x.exe', C)]))
    assert action == previous.DROP and 'x.exe' in warning
    assert previous.plan(False, V1, V2, {'x.exe': B}, read(older, [('x.exe', C)])) == (previous.DROP, None)
    assert previous.plan(False, V1, V2, {'x.exe': B}, read()) == (previous.LEAVE, None)


def test_a_damaged_copy_is_reported():
    assert previous.damaged_copies(V1, read(V1, [('x.exe', None)])) == ['x.exe']
    assert previous.damaged_copies(V1, read(V1, [('x.exe', B)])) == []


def test_absent_removes_unchanged_files_keeps_replaced_ones_and_ignores_missing_ones():
    manifest = installed('1', A, [('a.exe', A), ('b.exe', B), ('c.exe', C)])
    assert removal.split(manifest, {'a.exe': A, 'b.exe': C}) == (['a.exe'], ['b.exe'])
    assert removal.diff(read(), manifest, {'a.exe': A})['after'] == ''
