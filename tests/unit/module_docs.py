"""Print the DOCUMENTATION of module files as JSON, loaded as ansible-doc loads it.

    python tests/unit/module_docs.py COLLECTIONS_PATH FILE...

ansible-core's own loader does the work: `get_docstring` reads the file and
merges the doc fragments it extends, found by the plugin loader in the
collections under COLLECTIONS_PATH. test_argument_spec_docs.py runs this in a
process of its own, because the collection loader must be the first to import
the collection (it reads the collection's metadata then), which the other unit
tests have already done in theirs.
"""

from __future__ import annotations

import json
import os
import sys

from ansible.plugins.loader import fragment_loader, init_plugin_loader
from ansible.utils.plugin_docs import get_docstring


def main(collections_path: str, *files: str) -> None:
    init_plugin_loader([collections_path])
    docs = {}
    for path in files:
        # ansible-core 2.19+ records where each value came from, by absolute path.
        docs[path] = get_docstring(os.path.abspath(path), fragment_loader, collection_name='wcow.buildkit',
                                   plugin_type='module')[0]
    json.dump(docs, sys.stdout)


if __name__ == '__main__':
    main(*sys.argv[1:])
