"""Make the collection importable as ansible_collections.wcow.buildkit."""

import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collection_root():
    root = tempfile.mkdtemp(prefix='wcow-unit-collections-')
    os.makedirs(os.path.join(root, 'ansible_collections', 'wcow'))
    os.symlink(REPO, os.path.join(root, 'ansible_collections', 'wcow', 'buildkit'))
    return root


if not any(os.path.isdir(os.path.join(p, 'ansible_collections', 'wcow', 'buildkit')) for p in sys.path):
    sys.path.insert(0, _collection_root())
