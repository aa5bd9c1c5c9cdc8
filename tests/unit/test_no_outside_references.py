"""Nothing in the repository refers to a file outside it, and every cited section of docs/windows-facts.md exists.

A tracked file must not point a reader (or a program) at something that only
exists on one machine:

- the name of the private facts sheet the code used to cite (its facts are in
  docs/windows-facts.md now);
- an absolute path under a developer machine's folders (`/work`, `/root`,
  `/tmp`, `/home/...`, `/Users/...`), also as a `file://` URL;
- a relative path that climbs out of the repository and names something there
  (`../shared/...` from the top of the tree). Relative paths that stay inside
  (the Molecule scenarios' `../shared/converge.yml`) and a path that names
  nothing (the Makefile's symlink target `../../../..`) are fine.

Paths that only look like paths are left alone: test data such as `a/../../evil`
or `/etc/x` (no developer folder, no `../` at the start), `~/.ansible/tmp/`,
URLs, Windows paths.

Every `windows-facts.md#<anchor>` cited anywhere, and every `(#<anchor>)` link
inside docs/windows-facts.md, must be a heading of docs/windows-facts.md, with
the anchor GitHub gives it.

The planted examples below are built from pieces, so that this file does not
break its own rule.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
FACTS = 'docs/windows-facts.md'
SHEET = 'wcow' + '-facts.md'

SHEET_NAME = re.compile(r'(?<![\w-])' + re.escape(SHEET))
# A developer machine's folders, at the start of a path (not inside another
# path, a URL or a word), or after file://.
MACHINE_PATH = re.compile(r'(?:(?<=file://)|(?<![\w.~/:\\-]))/(?:work|root|tmp|home/[^/\s]+|Users/[^/\s]+)/[^\s\'"`)\]>]*')
# A relative path that starts by going up.
CLIMBING_PATH = re.compile(r'(?<![\w./\\-])(?:\.\./)+[^\s\'"`)\]>,;]*')
CITED_ANCHOR = re.compile(r'windows-facts\.md#([\w-]+)')
LOCAL_LINK = re.compile(r'\]\(#([\w-]+)\)')
NOT_TEXT = {'.png', '.jpg', '.gif', '.ico', '.gz', '.zip', '.whl', '.pyc'}
UNTRACKED_FOLDERS = {'.git', '.build', '.venv', '.venv-oldest', '.venv-quality', '.venv-bench', '__pycache__',
                     '.pytest_cache', '.hypothesis', '.ansible', 'output'}


def tracked_files(root: Path) -> list[str]:
    """The files git tracks under root; every file but build output when root is no checkout."""
    try:
        listed = subprocess.run(['git', '-C', str(root), 'ls-files', '-z'], capture_output=True, check=True).stdout
        return sorted(name for name in listed.decode('utf-8').split('\0') if name)
    except (OSError, subprocess.CalledProcessError):
        found = []
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d not in UNTRACKED_FOLDERS]
            found.extend(os.path.relpath(os.path.join(folder, name), root) for name in names)
        return sorted(found)


def text_of(root: Path, name: str) -> str | None:
    if Path(name).suffix in NOT_TEXT:
        return None
    try:
        text = (root / name).read_text(encoding='utf-8')
    except (UnicodeDecodeError, OSError):
        return None
    return None if '\0' in text else text


def outside_references(name: str, text: str, root: Path = REPO) -> list[str]:
    """What in `text` (the content of `name`, relative to root) refers to something outside root."""
    found = []
    folder = (root / name).parent
    for number, line in enumerate(text.splitlines(), 1):
        for match in SHEET_NAME.finditer(line):
            found.append('%s:%d: the private facts sheet %s (cite %s or the upstream source)'
                         % (name, number, match.group(0), FACTS))
        for match in MACHINE_PATH.finditer(line):
            found.append('%s:%d: a path of a developer machine: %s' % (name, number, match.group(0)))
        for match in CLIMBING_PATH.finditer(line):
            path = match.group(0).rstrip('.:')
            if not re.search(r'[^./]', path):
                continue  # names nothing, such as a symlink target ../../..
            target = Path(os.path.normpath(folder / path))
            if target != root and root not in target.parents:
                found.append('%s:%d: a path outside the repository: %s' % (name, number, match.group(0)))
    return found


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r'[^\w\- ]', '', heading.strip().lower()).replace(' ', '-')


def anchors_of(markdown: str) -> set[str]:
    anchors: set[str] = set()
    in_fence = False
    for line in markdown.splitlines():
        if line.startswith('```'):
            in_fence = not in_fence
            continue
        match = None if in_fence else re.match(r'#{1,6}\s+(.+?)\s*#*\s*$', line)
        if match:
            anchor, base, number = slug(match.group(1)), slug(match.group(1)), 0
            while anchor in anchors:
                number += 1
                anchor = '%s-%d' % (base, number)
            anchors.add(anchor)
    return anchors


def missing_anchors(name: str, text: str, anchors: set[str]) -> list[str]:
    """Sections of docs/windows-facts.md that `text` cites and that have no heading."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        cited = CITED_ANCHOR.findall(line) + (LOCAL_LINK.findall(line) if name == FACTS else [])
        found.extend('%s:%d: %s has no section #%s' % (name, number, FACTS, anchor)
                     for anchor in cited if anchor not in anchors)
    return found


def test_no_tracked_file_refers_outside_the_repository():
    problems = []
    for name in tracked_files(REPO):
        text = text_of(REPO, name)
        if text is not None:
            problems.extend(outside_references(name, text))
    assert not problems, '\n'.join(problems)


def test_every_cited_section_of_the_windows_facts_exists():
    anchors = anchors_of((REPO / FACTS).read_text(encoding='utf-8'))
    assert len(anchors) > 10, 'docs/windows-facts.md has too few sections: %s' % sorted(anchors)
    problems = []
    for name in tracked_files(REPO):
        text = text_of(REPO, name)
        if text is not None:
            problems.extend(missing_anchors(name, text, anchors))
    assert not problems, '\n'.join(problems)


WORK, TMP, ROOT, UP = '/wo' + 'rk/', '/tm' + 'p/', '/ro' + 'ot/', '..' + '/'
PLANTED = [
    ('plugins/plugin_utils/_x.py', '# HNS v1 type names (%s, "HNS API details").' % SHEET),
    ('tests/winsim/x.py', '"""Modelled as %s says."""' % SHEET),
    ('docs/x.md', 'See [the sheet](%sshared/%s).' % (UP * 2, SHEET)),
    ('README.md', 'Facts: `%sshared/notes.md`.' % UP),
    ('roles/x/defaults/main.yml', '# from %sshared/ps51/desktop.json' % WORK),
    ('tests/unit/test_x.py', "STATE = '%swcow/state.json'" % TMP),
    ('Makefile', '\tcp %s.cache/x .' % ROOT),
    ('docs/y.md', '<file://%sshared/facts.md>' % WORK),
    ('extensions/molecule/default/molecule.yml', 'converge: %soutside/converge.yml' % (UP * 4)),
]
LEGITIMATE = [
    ('extensions/molecule/default/molecule.yml', '    converge: ../shared/converge.yml'),
    ('Makefile', '\t@ln -sfn ../../../.. $@'),
    ('roles/cni/README.md', '[docs/reference/cni_role.rst](../../docs/reference/cni_role.rst)'),
    ('tests/unit/test_archive_listing.py', "list_files(tgz([('a/../../evil', b'1')]), 'tar.gz', 0)"),
    ('tests/unit/test_archive_paths.py', "['', '/', '/etc/x', 'C:\\\\x', 'a/../b', 'a//b', '..', 'a/./b']"),
    ('docs/molecule.md', '`~/.ansible/tmp/`, or in `MOLECULE_EPHEMERAL_DIRECTORY` when that is set.'),
    ('docs/awx.md', 'wcow_drift_report_dir: /srv/wcow-drift/$JOB_ID'),
    ('docs/x.md', 'https://example.com/tmp/x and C:\\tmp\\x'),
    ('plugins/plugin_utils/_x.py', '# %s#hns-networks' % FACTS),
]


@pytest.mark.parametrize('name, line', PLANTED, ids=[name for name, _line in PLANTED])
def test_the_rule_catches_a_planted_reference(name, line):
    assert outside_references(name, line + '\n'), '%s: %r was not caught' % (name, line)


@pytest.mark.parametrize('name, line', LEGITIMATE, ids=[name for name, _line in LEGITIMATE])
def test_the_rule_leaves_legitimate_paths_alone(name, line):
    assert outside_references(name, line + '\n') == []


def test_a_planted_file_in_a_checkout_is_found(tmp_path):
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'ok.md').write_text('Nothing to see.\n', encoding='utf-8')
    (tmp_path / 'docs' / 'bad.md').write_text('Taken from the\n%s sheet.\n' % SHEET, encoding='utf-8')
    subprocess.run(['git', 'init', '-q', str(tmp_path)], check=True)
    subprocess.run(['git', '-C', str(tmp_path), 'add', '-A'], check=True)
    problems = [problem for name in tracked_files(tmp_path)
                for problem in outside_references(name, text_of(tmp_path, name), tmp_path)]
    assert problems == ['docs/bad.md:2: the private facts sheet %s (cite %s or the upstream source)' % (SHEET, FACTS)]


def test_github_anchors():
    assert slug('BuildKit on Windows: the setup steps') == 'buildkit-on-windows-the-setup-steps'
    assert slug('Downloads, archives and hashes') == 'downloads-archives-and-hashes'
    assert slug('Windows PowerShell 5.1') == 'windows-powershell-51'
    assert anchors_of('# A\n## Tool output\n```\n# not a heading\n```\n## Tool output\n') == {
        'a', 'tool-output', 'tool-output-1'}


def test_a_citation_of_a_missing_section_is_caught():
    anchors = anchors_of('# Windows facts\n## HNS networks\nSee [HNS networks](#hns-networks), [API](#hns-api).\n')
    cited = '# %s#hns-networks and %s#no-such-section\n' % (FACTS, FACTS)
    assert missing_anchors('plugins/x.py', cited, anchors) == [
        'plugins/x.py:1: %s has no section #no-such-section' % FACTS]
    assert missing_anchors(FACTS, 'See [API](#hns-api).\n', anchors) == ['%s:1: %s has no section #hns-api' % (FACTS, FACTS)]
