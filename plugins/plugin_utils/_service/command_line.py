# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows command lines: an ImagePath read as the program receives it, and written back.

`split_command_line` reads a command line as Windows hands it to a program
(CommandLineToArgvW rules, which Go's os.Args follow); `join_command_line`
writes one that reads back to the same argv.
"""

from __future__ import annotations

import re
import subprocess
import typing as t


def split_command_line(text: str) -> list[str]:
    """The argv Windows gives a program started with command line `text`.

    argv[0] is read as CommandLineToArgvW reads the program name: up to the
    next double quote when it starts with one, else up to white space; no
    backslash escapes. The other arguments follow the documented rules:
    2n backslashes before a quote give n backslashes and a delimiter, 2n+1
    give n backslashes and a literal quote; other backslashes are literal; a
    doubled quote inside a quoted part is a literal quote that ends the quoted
    part (the pre-2008 rule, which Go's os.Args uses too).
    """
    if not text:
        return []
    if text[0] == '"':
        end = text.find('"', 1)
        if end < 0:
            return [text[1:]]
        program, rest = text[1:end], text[end + 1:]
    else:
        match = re.match(r'[^ \t]*', text)
        program, rest = match.group(0), text[match.end():]
    return [program] + _split_arguments(rest)


def _split_arguments(text: str) -> list[str]:
    args, i, n = [], 0, len(text)
    while True:
        while i < n and text[i] in ' \t':
            i += 1
        if i >= n:
            return args
        arg, in_quotes, slashes = [], False, 0
        while i < n:
            char = text[i]
            if char == '\\':
                slashes += 1
            elif char == '"':
                arg.append('\\' * (slashes // 2))
                if slashes % 2:
                    arg.append('"')
                elif in_quotes and i + 1 < n and text[i + 1] == '"':
                    arg.append('"')
                    i += 1
                    in_quotes = False
                else:
                    in_quotes = not in_quotes
                slashes = 0
            else:
                arg.append('\\' * slashes)
                slashes = 0
                if char in ' \t' and not in_quotes:
                    break
                arg.append(char)
            i += 1
        arg.append('\\' * slashes)
        args.append(''.join(arg))


def join_command_line(argv: t.Sequence[str]) -> str:
    """A command line that split_command_line reads back as `argv`.

    The arguments are quoted by subprocess.list2cmdline, whose rules are those
    of Go's syscall.EscapeArg (golang.org/x/sys windows/svc/mgr CreateService
    writes ImagePath with it): quotes only around arguments holding a space or
    a tab (or empty), backslashes doubled only before a quote. The program
    name is only ever quoted: CommandLineToArgvW reads no escapes in it.
    """
    if not argv:
        raise ValueError('a command line needs at least the program name')
    program = argv[0]
    if '"' in program or not program:
        raise ValueError('a program name cannot be empty or contain a double quote: %r' % program)
    head = '"%s"' % program if (' ' in program or '\t' in program) else program
    rest = subprocess.list2cmdline([str(arg) for arg in argv[1:]])
    return head + (' ' + rest if rest else '')


def parse_image_path(image_path: str | None) -> tuple[str | None, list[str]]:
    """(binary, arguments) of an ImagePath; (None, []) when it is empty."""
    argv = split_command_line(image_path or '')
    if not argv:
        return None, []
    return argv[0], argv[1:]
