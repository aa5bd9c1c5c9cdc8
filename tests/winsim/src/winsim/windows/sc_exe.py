"""sc.exe: the service commands modelled (create, config, description, failure, delete), with their output and exit codes.

`run(state, argv) -> (exit_code, output)` for argv after "sc.exe": create,
config, description, failure, delete. Options are `name=` followed by the
value as the next argument (docs/windows-facts.md#windows-services: `sc.exe config NAME depend= A/B`,
"space after =", several dependencies joined by `/`). Success prints
`[SC] <Api> SUCCESS`; failure prints `[SC] <Api> FAILED <code>:`, a blank
line and the system message, and sc.exe exits with the Win32 error code
(docs/windows-facts.md#windows-services).
"""

from __future__ import annotations

from . import scm

# sc.exe start= values (sc.exe create /?; "delayed-auto" sets auto start with
# the delayed flag, "auto" clears the flag: Automox's "Set Service Startup
# Type" worklet switches between them with sc.exe config and re-reads qc).
_START = {"boot": (0, None), "system": (1, None), "auto": (2, False), "delayed-auto": (2, True),
          "demand": (3, None), "disabled": (4, None)}
# sc.exe failure actions= words (learn.microsoft.com "sc failure": run, restart,
# reboot; an empty word is "take no action").
_ACTIONS = {"": 0, "restart": 1, "reboot": 2, "run": 3}


def _success(api: str) -> tuple:
    return 0, f"[SC] {api} SUCCESS\r\n"


def _failed(api: str, code: int) -> tuple:
    return code, f"[SC] {api} FAILED {code}:\r\n\r\n{scm.MESSAGES.get(code, f'Win32 error {code}')}\r\n\r\n"


class _Usage(Exception):
    """A command line sc.exe does not accept. sc.exe prints its help text then;
    the simulator answers "FAILED 87" instead (not Windows' text: the
    collection never sends such lines, so only the failure matters)."""


def _options(words: list) -> dict:
    options = {}
    if len(words) % 2:
        raise _Usage()
    for name, value in zip(words[::2], words[1::2]):
        if not name.endswith("="):
            raise _Usage()
        options[name.lower()] = value
    return options


def _dependencies(text: str) -> list:
    return [name for name in text.split("/") if name]


def run(state: dict, argv: list) -> tuple:
    if len(argv) < 2:
        return _failed("OpenService", 87)
    command, name, rest = argv[0].lower(), argv[1], argv[2:]
    handler = {"create": _create, "config": _config, "description": _description, "failure": _failure,
               "delete": _delete}.get(command)
    if handler is None:
        # Approximated: sc.exe prints its command list for an unknown command.
        return 1639, "ERROR:  Unrecognized command\r\n"
    try:
        return handler(state, name, rest)
    except _Usage:
        return _failed(command.capitalize(), 87)


def _start_of(options: dict):
    text = options.get("start=")
    if text is None:
        return None, None
    if text.lower() not in _START:
        raise _Usage()
    return _START[text.lower()]


def _create(state: dict, name: str, rest: list) -> tuple:
    options = _options(rest)
    if "binpath=" not in options:
        raise _Usage()
    start, delayed = _start_of(options)
    try:
        scm.create_service(state, name, options["binpath="], start=3 if start is None else start,
                           display_name=options.get("displayname=", ""),
                           dependencies=_dependencies(options.get("depend=", "")),
                           object_name=options.get("obj=", ""), delayed=bool(delayed))
    except scm.Win32Error as error:
        return _failed("CreateService", error.code)
    return _success("CreateService")


def _open(state: dict, name: str) -> int:
    return 0 if scm.find(state, name) is not None else 1060


def _config(state: dict, name: str, rest: list) -> tuple:
    options = _options(rest)
    start, delayed = _start_of(options)
    if _open(state, name):
        return _failed("OpenService", 1060)
    try:
        scm.change_config(
            state, name,
            image_path=options.get("binpath="),
            start=start,
            delayed=delayed,
            dependencies=_dependencies(options["depend="]) if "depend=" in options else None,
            display_name=options.get("displayname="),
            object_name=options.get("obj="),
        )
    except scm.Win32Error as error:
        return _failed("ChangeServiceConfig", error.code)
    return _success("ChangeServiceConfig")


def _description(state: dict, name: str, rest: list) -> tuple:
    if len(rest) > 1:
        raise _Usage()
    if _open(state, name):
        return _failed("OpenService", 1060)
    try:
        scm.set_description(state, name, rest[0] if rest else "")
    except scm.Win32Error as error:
        return _failed("ChangeServiceConfig2", error.code)
    return _success("ChangeServiceConfig2")


def _failure(state: dict, name: str, rest: list) -> tuple:
    options = _options(rest)
    # "reset= ... requires the actions= parameter" and the other way round.
    if ("reset=" in options) != ("actions=" in options):
        raise _Usage()
    words = options.get("actions=", "")
    parts = words.split("/") if words else []
    if len(parts) % 2 or any(kind.lower() not in _ACTIONS or not delay.isdigit()
                             for kind, delay in zip(parts[::2], parts[1::2])):
        raise _Usage()
    if not options.get("reset=", "0").isdigit():
        raise _Usage()
    if _open(state, name):
        return _failed("OpenService", 1060)
    actions = [(_ACTIONS[kind.lower()], int(delay)) for kind, delay in zip(parts[::2], parts[1::2])]
    try:
        scm.set_failure_actions(state, name, int(options.get("reset=", "0")), actions)
    except scm.Win32Error as error:
        return _failed("ChangeServiceConfig2", error.code)
    return _success("ChangeServiceConfig2")


def _delete(state: dict, name: str, rest: list) -> tuple:
    if rest:
        raise _Usage()
    if _open(state, name):
        return _failed("OpenService", 1060)
    try:
        scm.delete_service(state, name)
    except scm.Win32Error as error:
        return _failed("DeleteService", error.code)
    return _success("DeleteService")
