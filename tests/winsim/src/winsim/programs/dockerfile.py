"""Dockerfiles as BuildKit's dockerfile.v0 frontend reads them, for the instructions a sample
build uses (moby/buildkit frontend/dockerfile/parser and instructions).

`parse(text)` returns the instructions as (line number, keyword, arguments)
and raises ParseError with the frontend's message for what it refuses.
"""

from __future__ import annotations

import json
import re

# The instructions the frontend knows (frontend/dockerfile/command/command.go).
KNOWN = {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
         "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}
# The default shell of a Windows stage (frontend/dockerfile/dockerfile2llb, defaultShell on windows).
WINDOWS_SHELL = ["cmd", "/S", "/C"]


class ParseError(Exception):
    pass


def parse(text: str) -> list:
    instructions = []
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _unused, rest = line.partition(" ")
        if keyword.upper() not in KNOWN:
            # parser.go: "dockerfile parse error on line %d: unknown instruction: %s".
            raise ParseError(f"dockerfile parse error on line {number}: unknown instruction: {keyword}")
        instructions.append((number, keyword.upper(), rest.strip()))
    if not instructions:
        # dockerfile2llb: "the Dockerfile cannot be empty".
        raise ParseError("the Dockerfile cannot be empty")
    first = next((i for i in instructions if i[1] != "ARG"), None)
    if first is None or first[1] != "FROM":
        # instructions/parse.go: "no build stage in current context".
        raise ParseError("no build stage in current context")
    return instructions


def base_of(argument: str) -> str:
    """FROM [--platform=...] <image> [AS <name>]: the image."""
    words = [w for w in argument.split() if not w.startswith("--")]
    return words[0] if words else ""


def copy_sources(argument: str) -> list:
    """COPY [--flags] <src>... <dest> (or the JSON form): the sources."""
    argument = argument.strip()
    if argument.startswith("["):
        try:
            words = json.loads(argument)
        except ValueError:
            words = argument.split()
    else:
        words = [w for w in argument.split() if not w.startswith("--")]
    return words[:-1]


def run_arguments(argument: str) -> list:
    """RUN in shell form runs in the stage's shell; the exec (JSON) form as written."""
    if argument.startswith("["):
        try:
            return [str(word) for word in json.loads(argument)]
        except ValueError:
            pass
    return WINDOWS_SHELL + [argument]


def described(keyword: str, argument: str) -> str:
    """How a step names itself in the progress output: the instruction with its arguments."""
    return keyword + " " + re.sub(r"[ \t]+", " ", argument)
