"""Programs a simulated host runs, and fake release binaries: how it knows what a file would run.

A simulated host has no executables. By convention, a file is a program for
the simulator when its content is a small JSON document naming it:

    {"winsim_program": "buildkitd", "version": "v0.23.2", "revision": "<40 hex>"}

Known programs: "containerd", "buildkitd", "buildctl" (modelled in
winsim.programs.containerd / buildkitd / buildctl) and "cni-plugin" (nat.exe
and the like: only their presence matters). Any other content (a real
binary, random bytes) runs as a program that is not a service and does
nothing the simulator can use.

Tests and archive fixtures make such files with `fake_binary()`; the
simulator reads them with `identify()`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

PROGRAM_KEY = "winsim_program"
KNOWN = ("containerd", "buildkitd", "buildctl", "cni-plugin")


@dataclass(frozen=True)
class Program:
    name: str
    version: str
    revision: str


def default_revision(program: str, version: str) -> str:
    """A stable 40-hex "git commit" for a program version."""
    return hashlib.sha1(f"{program} {version}".encode()).hexdigest()


def fake_binary(program: str, version: str, revision: str | None = None) -> bytes:
    """The content of a fake release binary; `version` as the release tag, e.g. 'v0.23.2'."""
    if program not in KNOWN:
        raise ValueError(f"unknown program {program!r}; known: {', '.join(KNOWN)}")
    document = {PROGRAM_KEY: program, "version": version, "revision": revision or default_revision(program, version)}
    return (json.dumps(document, sort_keys=True) + "\n").encode("utf-8")


def identify(data: bytes) -> Program | None:
    """The program a file's content is, or None when it is no fake binary."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(document, dict) or document.get(PROGRAM_KEY) not in KNOWN:
        return None
    version = document.get("version")
    if not isinstance(version, str):
        return None
    program = document[PROGRAM_KEY]
    return Program(program, version, str(document.get("revision") or default_revision(program, version)))
