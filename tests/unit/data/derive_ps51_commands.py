"""Derive tests/unit/data/ps51_commands.json from PSScriptAnalyzer's command data.

Input: `Engine/Settings/desktop-5.1.14393.206-windows.json` of
PowerShell/PSScriptAnalyzer (MIT; see NOTICE beside this file): every module
and command Windows PowerShell 5.1 (build 14393) exports, with the syntax
text of its parameter sets (one string, or a list of them). Output: {command name: [parameter names]}, the
common parameters left out, one command a line, sorted.

Usage: derive_ps51_commands.py <desktop-5.1.14393.206-windows.json> > ps51_commands.json
"""

import json
import re
import sys

PARAMETER = re.compile(r'(?<![\w<])-([A-Za-z][\w]*)')


def derive(data: dict) -> dict:
    commands = {}
    for module in data['Modules']:
        exported = module.get('ExportedCommands') or []
        for command in [exported] if isinstance(exported, dict) else exported:
            names = commands.setdefault(command['Name'], set())
            sets = command.get('ParameterSets') or []
            for syntax in [sets] if isinstance(sets, str) else sets:
                names.update(PARAMETER.findall(syntax))
    return {name: sorted(parameters, key=str.lower) for name, parameters in sorted(commands.items(), key=lambda i: i[0].lower())}


def main():
    with open(sys.argv[1], encoding='utf-8-sig') as source:
        commands = derive(json.load(source))
    lines = ['  %s: %s' % (json.dumps(name), json.dumps(parameters)) for name, parameters in commands.items()]
    sys.stdout.write('{\n' + ',\n'.join(lines) + '\n}\n')


if __name__ == '__main__':
    main()
