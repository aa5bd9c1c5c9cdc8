"""Dotted paths into a host's state document, for changing a host "by hand".

``features.Containers.state`` walks dicts; a numeric segment indexes a list;
a segment in brackets is taken literally, so keys holding dots work:
``files[C:\\Program Files\\containerd\\config.toml].content``.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SEGMENT = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")


class PathError(ValueError):
    pass


def parse_path(text: str) -> list[str]:
    segments: list[str] = []
    pos = 0
    while pos < len(text):
        match = _SEGMENT.match(text, pos)
        if not match:
            raise PathError(f"cannot parse {text!r} at position {pos}")
        segments.append(match.group(1) if match.group(1) is not None else match.group(2))
        pos = match.end()
        if pos < len(text) and text[pos] == ".":
            pos += 1
            if pos == len(text):
                raise PathError(f"{text!r} ends with a dot")
    if not segments:
        raise PathError("empty path")
    return segments


def parse_assignment(text: str) -> tuple[list[str], Any]:
    """``path=JSON`` (the first '=' outside brackets splits them)."""
    depth = 0
    for index, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "=" and depth == 0:
            try:
                value = json.loads(text[index + 1:])
            except json.JSONDecodeError as exc:
                raise PathError(f"the value of {text!r} is not JSON ({exc}); quote strings: 'a.b=\"text\"'") from None
            return parse_path(text[:index]), value
    raise PathError(f"{text!r} has no '=': expected dotted.path=JSON")


def _step(container: Any, segment: str, path: list[str], create: bool) -> Any:
    if isinstance(container, list):
        index = _index(container, segment, path)
        return container[index]
    if not isinstance(container, dict):
        raise PathError(f"{'.'.join(path)}: {segment!r} is inside a {type(container).__name__}, not an object")
    if segment not in container:
        if not create:
            raise PathError(f"{'.'.join(path)}: no key {segment!r}")
        container[segment] = {}
    return container[segment]


def _index(container: list, segment: str, path: list[str]) -> int:
    if not segment.lstrip("-").isdigit() or not -len(container) <= int(segment) < len(container):
        raise PathError(f"{'.'.join(path)}: {segment!r} is not an index of a list of {len(container)}")
    return int(segment)


def set_path(document: dict, path: list[str], value: Any) -> None:
    container: Any = document
    for segment in path[:-1]:
        container = _step(container, segment, path, create=True)
    last = path[-1]
    if isinstance(container, list):
        container[_index(container, last, path)] = value
    elif isinstance(container, dict):
        container[last] = value
    else:
        raise PathError(f"{'.'.join(path)}: cannot set {last!r} inside a {type(container).__name__}")


def delete_path(document: dict, path: list[str]) -> None:
    container: Any = document
    for segment in path[:-1]:
        container = _step(container, segment, path, create=False)
    last = path[-1]
    if isinstance(container, list):
        del container[_index(container, last, path)]
    elif isinstance(container, dict) and last in container:
        del container[last]
    else:
        raise PathError(f"{'.'.join(path)}: nothing to delete")
