"""data_root_apply: each missing data root created protected and recorded as the collection's own (the data_root snippet).

A path with a reparse point along it is left alone, and a folder that exists is
never marked, whoever made it: only what this operation creates is the
collection's (plugins/plugin_utils/powershell/data_root_apply.ps1).
"""

from __future__ import annotations

from . import acl, data_root
from .base import param


def run(state: dict, params) -> dict:
    return {"created": create(state, param(params, "paths", (list,)))}


def create(state: dict, paths: list) -> list:
    """New-WcowDataRoots of the data_root snippet (data_root_apply, and file_write's data_roots)."""
    created = []
    for path in paths:
        if not path:
            continue
        root = data_root.read(state, str(path))
        if root["exists"] or root["link"]:
            continue
        # New-WcowProtectedDirectory: the missing parents too (inheriting), the folder protected.
        acl.protect_directory(state, str(path), users_read=False)
        root = data_root.read(state, str(path))
        if not root["id"]:
            continue
        data_root.marker_set(state, str(path), str(root["id"]))
        created.append(str(path))
    return created
