# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every problem with the role variables of some entry points, found at once.

- required variables that are not set;
- values of the wrong type, converted as ansible-core's role argument spec
  validation converts them (so "false" is a boolean, "maybe" is not);
- values the module they go to would refuse (value_checks.py), alone or
  together (a checksum with its source; the daemons' Defender exclusions with
  the install folder they are made of);
- `wcow_*` variables no role knows, with the closest known name.
"""

from __future__ import annotations

import difflib
import re
import typing as t

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from .._windows.defender_exclusions import entry_problem
from .role_specs import PREFIX, entry_point_options, known_names
from .value_checks import combination_problems, value_problem

_MARKUP = re.compile(r'\b[A-Z]\(([^)]*)\)')
# ansible-core's words for a value it cannot convert (module_utils/common/parameters.py).
_TYPE_ERROR = re.compile(r"argument '(?P<name>[^']+)' is of type .+? and we were unable to convert to (?P<type>\w+): "
                         r"(?P<why>.*)", re.DOTALL)


def _first_sentence(description: t.Any) -> str:
    text = ' '.join(description) if isinstance(description, list) else str(description or '')
    return _MARKUP.sub(r'\1', text).split('. ')[0].rstrip('.')


def merged_options(entry_points: t.Iterable[tuple[str, str]]) -> dict[str, dict[str, t.Any]]:
    options: dict[str, dict[str, t.Any]] = {}
    for role, entry_point in entry_points:
        for name, option in entry_point_options(role, entry_point).items():
            merged = dict(options.get(name, {}), **option)
            merged['required'] = bool(options.get(name, {}).get('required') or option.get('required'))
            options[name] = merged
    return options


def unknown_variable_problems(names: t.Iterable[str]) -> list[str]:
    known = sorted(known_names())
    problems = []
    for name in sorted(n for n in names if n.startswith(PREFIX) and n not in known):
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        problems.append('%s: no role of wcow.buildkit reads this variable%s'
                        % (name, '; did you mean %s?' % close[0] if close else ''))
    return problems


# The executables wcow_defender_exclusions excludes, by full path, made of the install folders.
DEFENDER_PROCESSES = (('wcow_containerd_install_dir', 'bin\\containerd.exe'), ('wcow_buildkit_install_dir', 'buildkitd.exe'))


def defender_process_problems(values: dict[str, t.Any]) -> list[str]:
    """With wcow_defender_exclusions, an install folder the process exclusion (a plain full path) cannot be made of."""
    if values.get('wcow_defender_exclusions') is not True:
        return []
    problems = []
    for name, executable in DEFENDER_PROCESSES:
        folder = values.get(name)
        # As the role tasks write it: "{{ <install dir> }}\\<executable>".
        problem = entry_problem(folder + '\\' + executable, process=True) if isinstance(folder, str) else None
        if problem:
            problems.append('%s: with wcow_defender_exclusions, the executable is excluded by its full path, and %s'
                            % (name, problem))
    return problems


def variable_problems(entry_points: t.Iterable[tuple[str, str]], values: dict[str, t.Any]) -> list[str]:
    """The problems of `values` (variable name: templated value) for the entry points, in words."""
    options = merged_options(entry_points)
    problems = []
    for name, option in sorted(options.items()):
        if option.get('required') and values.get(name) in (None, ''):
            problems.append('%s: required, and not set (%s)' % (name, _first_sentence(option.get('description'))))
    spec = dict((name, dict(option, required=False)) for name, option in options.items())
    given = dict((name, values[name]) for name in options if values.get(name) is not None)
    result = ArgumentSpecValidator(spec).validate(given)
    wrong_type = set()
    for error in result.errors:
        # ArgumentTypeError and friends name the variable as "argument 'name'".
        message = str(error)
        named = _TYPE_ERROR.match(message)
        if named:
            wrong_type.add(named.group('name'))
            message = '%s: must be a %s (%s)' % (named.group('name'), named.group('type'), named.group('why'))
        problems.append(message)
    for name in sorted(given):
        if name in wrong_type or (options[name].get('required') and given[name] == ''):
            continue
        problem = value_problem(name, result.validated_parameters.get(name))
        if problem:
            problems.append('%s: %s' % (name, problem))
    problems.extend(combination_problems(dict((name, result.validated_parameters.get(name)) for name in given
                                              if name not in wrong_type)))
    problems.extend(defender_process_problems(result.validated_parameters))
    problems.extend(unknown_variable_problems(values))
    return problems
