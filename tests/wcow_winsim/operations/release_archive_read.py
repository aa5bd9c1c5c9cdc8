"""release_archive_read: the manifest, current file hashes, the kept previous version, the checksum file
fetched by the host, and the owner and DACL of dest and of what it holds (the acl snippet's Get-WcowSecurity)."""

from __future__ import annotations

import json
import re

from winsim.windows import files

from . import acl
from .base import param
from .release_archive_common import (destination, download, is_member_path, join_member, manifest_path, previous_dir,
                                     sha256_of)


def run(state: dict, params) -> dict:
    dest = destination(params)
    name = param(params, "name", (str,))
    extra_paths = param(params, "paths", (list,))
    checksum = param(params, "checksum", (dict,), nullable=True)
    manifest_file = manifest_path(dest, name)
    manifest_text = None
    wanted = []
    if files.is_file(state, manifest_file):
        # [IO.File]::ReadAllText detects a UTF-8 byte order mark and drops it.
        manifest_text = files.read_bytes(state, manifest_file).decode("utf-8-sig", errors="replace")
        wanted = _listed(manifest_text)
    wanted += [p for p in extra_paths if p]
    hashes = _hashes(state, dest, wanted)
    security = [acl.security(state, dest)]
    folders = set()
    for record in hashes:
        if record["sha256"] is None:
            continue
        parts = re.split(r"[\\/]", record["path"])
        for index in range(1, len(parts)):
            folder = "/".join(parts[:index])
            # A PowerShell hashtable's keys ignore case.
            if folder.lower() not in folders:
                folders.add(folder.lower())
                security.append(acl.security(state, join_member(dest, folder)))
        security.append(acl.security(state, join_member(dest, record["path"])))
    kept_dir = previous_dir(dest, name)
    kept_manifest = manifest_path(kept_dir, name)
    kept_text, kept_hashes = None, []
    if files.is_file(state, kept_manifest):
        kept_text = files.read_bytes(state, kept_manifest).decode("utf-8-sig", errors="replace")
        kept_hashes = _hashes(state, kept_dir, _listed(kept_text))
    checksum_text = None
    if checksum is not None:
        body = download(state, params, checksum["url"], checksum["shown"])
        # [Text.Encoding]::UTF8.GetString keeps a byte order mark as U+FEFF.
        checksum_text = body.decode("utf-8", errors="replace")
    return {
        "dest": dest,
        "dest_exists": files.is_dir(state, dest),
        # [IO.File]::GetAttributes: FILE_ATTRIBUTE_REPARSE_POINT on a junction or directory link.
        "dest_link": files.is_dir(state, dest) and bool(files.lookup(state, dest).get("link_target")),
        "manifest_path": manifest_file,
        "manifest_text": manifest_text,
        "files": hashes,
        "previous_dir": kept_dir,
        "previous_dir_exists": files.is_dir(state, kept_dir),
        "previous_manifest_text": kept_text,
        "previous_files": kept_hashes,
        "checksum_text": checksum_text,
        "security": security,
    }


def _hashes(state: dict, root: str, paths: list) -> list:
    """Get-WcowMemberHashes: each plain relative path once (a hashtable's keys ignore case)."""
    seen, hashes = set(), []
    for relative in paths:
        if not isinstance(relative, str) or relative.lower() in seen or not is_member_path(relative):
            continue
        seen.add(relative.lower())
        full = join_member(root, relative)
        hashes.append({"path": relative, "sha256": sha256_of(state, full) if files.is_file(state, full) else None})
    return hashes


def _listed(text: str) -> list:
    """The manifest's files[].path, or nothing when ConvertFrom-Json throws (the catch clears the list)."""
    try:
        document = json.loads(text)
    except ValueError:
        return []
    entries = document.get("files") if isinstance(document, dict) else None
    if entries is None:
        return []
    if not isinstance(entries, list):
        entries = [entries]
    return [str(entry["path"]) for entry in entries if isinstance(entry, dict) and entry.get("path")]
