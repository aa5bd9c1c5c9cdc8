"""Every `throw` and `catch` of the operations has a simulator test reaching its modelled counterpart.

tests/unit/powershell_error_sites.yml maps each site (file, start of its line) to the test that reaches it, or
to `gap: <why>` when none does yet. A new or changed throw or catch fails here until it has its entry.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
POWERSHELL = REPO / 'plugins' / 'plugin_utils' / 'powershell'
REGISTRY = yaml.safe_load((Path(__file__).with_name('powershell_error_sites.yml')).read_text(encoding='utf-8'))
SITE = re.compile(r'\b(throw|catch)\b', re.IGNORECASE)
# Where a test named by its file alone lives.
SIMULATOR_TESTS = 'tests/wcow_winsim/tests'


def error_sites(path: Path) -> set[str]:
    """The stripped lines holding a throw or catch statement (comments and strings-only mentions aside)."""
    sites = set()
    for line in path.read_text(encoding='utf-8').splitlines():
        text = line.strip()
        if text.startswith('#') or not SITE.search(text):
            continue
        code = re.sub(r"'(?:[^']|'')*'|\"(?:[^\"`]|`.)*\"", "''", text)
        if SITE.search(code):
            sites.add(text)
    return sites


SCRIPTS = sorted(path.relative_to(POWERSHELL).as_posix() for path in POWERSHELL.rglob('*.ps1'))


@pytest.mark.parametrize('script', SCRIPTS)
def test_each_throw_and_catch_has_an_entry(script):
    entries = [entry['site'] for entry in REGISTRY.get(script) or []]
    sites = error_sites(POWERSHELL / script)
    missing = sorted(site for site in sites if not any(site.startswith(entry) for entry in entries))
    assert not missing, '%s: no entry in powershell_error_sites.yml for %s' % (script, missing)
    for entry in entries:
        matched = [site for site in sites if site.startswith(entry)]
        assert matched, '%s: the entry %r names no throw or catch' % (script, entry)
        # An entry shorter than the 110 characters kept is a whole line.
        assert len(entry) >= 110 or entry in sites, '%s: the entry %r is not a whole line' % (script, entry)


def test_no_entry_names_a_script_that_is_gone():
    assert set(REGISTRY) <= set(SCRIPTS)


def test_each_named_test_exists():
    for script, entries in REGISTRY.items():
        for entry in entries:
            site, target = entry['site'], entry['test']
            if target.startswith('gap: '):
                assert len(target) > len('gap: ') + 10, '%s %r: say why there is no test' % (script, site)
                continue
            path, _sep, name = target.partition('::')
            source = REPO / (path if '/' in path else '%s/%s' % (SIMULATOR_TESTS, path))
            assert source.is_file(), '%s %r: %s does not exist' % (script, site, path)
            assert re.search(r'^def %s\(' % re.escape(name), source.read_text(encoding='utf-8'), re.MULTILINE), \
                '%s %r: %s has no test %s' % (script, site, path, name)
