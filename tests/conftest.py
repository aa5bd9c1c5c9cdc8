"""Shared pytest setup for wcow.buildkit.

`make test` exports WCOW_ANSIBLE_BINDIRS and ANSIBLE_COLLECTIONS_PATH. When
pytest is run directly (`.venv/bin/pytest tests/unit/test_docs.py`), the same
defaults are filled in here from the checkout: `.venv/bin` and
`.venv-oldest/bin` (those that exist), and `.build/collections` holding
`ansible_collections/wcow/buildkit` as a symlink to the checkout.

Every test is also marked after its top-level directory: unit, integration,
contract, and simulator for the simulator's own tests (tests/winsim) and those of this
collection's plug-in for it (tests/wcow_winsim); `pytest -m unit` selects
the unit tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
COLLECTIONS = REPO / '.build' / 'collections'
COLLECTION_LINK = COLLECTIONS / 'ansible_collections' / 'wcow' / 'buildkit'
AREAS = {'unit': 'unit', 'winsim': 'simulator', 'wcow_winsim': 'simulator', 'integration': 'integration',
         'contract': 'contract'}


def _ensure_collection_link():
    """Create .build/collections/ansible_collections/wcow/buildkit -> the checkout."""
    if COLLECTION_LINK.is_symlink() or COLLECTION_LINK.exists():
        return
    COLLECTION_LINK.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.symlink(os.path.join('..', '..', '..', '..'), COLLECTION_LINK)
    except FileExistsError:  # another pytest-xdist worker made it first
        pass


def _default_environment():
    if not os.environ.get('WCOW_ANSIBLE_BINDIRS'):
        bindirs = [REPO / venv / 'bin' for venv in ('.venv', '.venv-oldest')]
        found = [str(bindir) for bindir in bindirs if (bindir / 'ansible-playbook').exists()]
        if found:
            os.environ['WCOW_ANSIBLE_BINDIRS'] = ' '.join(found)
    if not os.environ.get('ANSIBLE_COLLECTIONS_PATH'):
        _ensure_collection_link()
        os.environ['ANSIBLE_COLLECTIONS_PATH'] = str(COLLECTIONS)


_default_environment()


def pytest_collection_modifyitems(config, items):
    tests = REPO / 'tests'
    for item in items:
        try:
            area = Path(str(item.path)).resolve().relative_to(tests).parts[0]
        except ValueError:
            continue
        if area in AREAS:
            item.add_marker(getattr(pytest.mark, AREAS[area]))


@pytest.fixture(scope='session')
def repo_root():
    """The collection root (this checkout)."""
    return REPO
