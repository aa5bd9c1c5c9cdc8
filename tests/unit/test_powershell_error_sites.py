"""Every `throw` and `catch` of the operations has a simulator test reaching its modelled counterpart.

tests/unit/powershell_error_sites.yml maps each site (file, start of its line) to the test that reaches it, or
to `unreachable: <why, with its source>` for a site no host can reach: one entry per occurrence, so that two
`catch {` of a file need two entries. A new or changed throw or catch fails here until it has its entry, a `gap:`
(a reachable site without a test) is refused, and the test named for a `throw` of a message must show a piece of
that message, so that an entry cannot name a test that meets another throw.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
POWERSHELL = REPO / 'plugins' / 'plugin_utils' / 'powershell'
REGISTRY = yaml.safe_load((Path(__file__).with_name('powershell_error_sites.yml')).read_text(encoding='utf-8'))
SITE = re.compile(r'\b(throw|catch)\b', re.IGNORECASE)
# The entry of a site no host reaches, and the least length of its reason (which names its source).
UNREACHABLE = 'unreachable: '
REASON = 60
# Where a test named by its file alone lives.
SIMULATOR_TESTS = 'tests/wcow_winsim/tests'


# An entry keeps this many characters of its line.
KEPT = 110
# A piece of a thrown message counts from this length; the named test must show its first SHOWN characters
# (a shorter window would let "tar.exe could not list" stand for "tar.exe could not extract").
PIECE = 9
SHOWN = 25


def error_sites(path: Path) -> Counter:
    """The stripped lines holding a throw or catch statement (comments and strings-only mentions aside), cut to
    KEPT characters, each with the number of times it occurs."""
    sites = Counter()
    for line in path.read_text(encoding='utf-8').splitlines():
        text = line.strip()
        if text.startswith('#') or not SITE.search(text):
            continue
        code = re.sub(r"'(?:[^']|'')*'|\"(?:[^\"`]|`.)*\"", "''", text)
        if SITE.search(code):
            sites[text[:KEPT]] += 1
    return sites


def message_pieces(site: str) -> list[str]:
    """The literal parts of a `throw ('text {0} text' -f ...)` or `throw ("...")` message, between placeholders."""
    match = re.match(r"""(?:default \{ )?throw \(?(['"])(.*)""", site)
    if match is None:
        return []
    quote, rest = match.groups()
    text = re.split(re.escape(quote) + r'(?: -f|\)|$)', rest)[0]
    text = text.replace("''", "'") if quote == "'" else text.replace('\\"', '"')
    return [piece for piece in re.split(r'\{\d+\}', text) if len(piece.strip()) >= PIECE]


def named_test_source(target: str) -> str:
    """The named test function's source with its decorators, backslashes removed (regex escapes)."""
    path, _sep, name = target.partition('::')
    source = (REPO / (path if '/' in path else '%s/%s' % (SIMULATOR_TESTS, path))).read_text(encoding='utf-8')
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            parts = [ast.get_source_segment(source, item) for item in node.decorator_list + [node]]
            return '\n'.join(parts).replace('\\', '')
    raise AssertionError('%s has no test %s' % (path, name))


def shows_a_piece(message_piece: str, source: str) -> bool:
    return message_piece.replace('\\', '').strip()[:SHOWN] in source


SCRIPTS = sorted(path.relative_to(POWERSHELL).as_posix() for path in POWERSHELL.rglob('*.ps1'))


@pytest.mark.parametrize('script', SCRIPTS)
def test_each_throw_and_catch_has_an_entry(script):
    entries = Counter(entry['site'] for entry in REGISTRY.get(script) or [])
    sites = error_sites(POWERSHELL / script)
    wrong = sorted('%r: %d in the script, %d entries' % (site, sites[site], entries[site])
                   for site in sites if entries[site] != sites[site])
    assert not wrong, '%s: one entry in powershell_error_sites.yml per throw or catch: %s' % (script, wrong)
    for entry in entries:
        assert entry in sites, '%s: the entry %r names no throw or catch (a whole line, or its first %d characters)' \
            % (script, entry, KEPT)


def test_no_entry_names_a_script_that_is_gone():
    assert set(REGISTRY) <= set(SCRIPTS)


def test_each_named_test_exists():
    for script, entries in REGISTRY.items():
        for entry in entries:
            site, target = entry['site'], entry['test']
            if target.startswith(UNREACHABLE):
                assert len(target) > len(UNREACHABLE) + REASON, '%s %r: say why no host reaches it, with the ' \
                    'source' % (script, site)
                continue
            assert '::' in target, '%s %r: %r is no test (file::function); a site a host reaches needs its ' \
                'behaviour modelled and a test, no gap' % (script, site, target)
            path, _sep, name = target.partition('::')
            source = REPO / (path if '/' in path else '%s/%s' % (SIMULATOR_TESTS, path))
            assert source.is_file(), '%s %r: %s does not exist' % (script, site, path)
            assert re.search(r'^def %s\(' % re.escape(name), source.read_text(encoding='utf-8'), re.MULTILINE), \
                '%s %r: %s has no test %s' % (script, site, path, name)


def test_the_test_named_for_a_thrown_message_shows_a_piece_of_it():
    unshown = []
    for script, entries in REGISTRY.items():
        for entry in entries:
            pieces = message_pieces(entry['site'])
            if entry['test'].startswith(UNREACHABLE) or not pieces:
                continue
            source = named_test_source(entry['test'])
            if not any(shows_a_piece(piece, source) for piece in pieces):
                unshown.append('%s %r: %s' % (script, entry['site'], entry['test']))
    assert not unshown, 'tests that show no piece of the message they are named for:\n' + '\n'.join(unshown)


@pytest.mark.parametrize('site, pieces', [
    ("throw ('Group {0} was not found.' -f $name)", [' was not found.']),
    ("throw (\"Service '{0}' stopped while starting ({1}).\" -f $a, $b)", ["Service '", "' stopped while starting ("]),
    ("throw ('It''s {0} here' -f $x)", ["It's "]),
    ("throw", []),
    ("catch {", []),
])
def test_message_pieces(site, pieces):
    assert message_pieces(site) == [piece for piece in pieces if len(piece.strip()) >= PIECE]


def test_a_test_showing_another_message_of_the_same_start_does_not_count():
    source = "    assert error == 'tar.exe could not list the archive (exit code 1)'"
    assert shows_a_piece('tar.exe could not list the archive (exit code ', source)
    assert not shows_a_piece('tar.exe could not extract the archive (exit code ', source)


def test_no_entry_is_a_gap():
    gaps = ['%s %r' % (script, entry['site']) for script, entries in REGISTRY.items() for entry in entries
            if entry['test'].startswith('gap')]
    assert not gaps, 'model the behaviour and write the test that reaches it: ' + ', '.join(gaps)
