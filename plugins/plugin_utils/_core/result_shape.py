# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check an operation's result against the JSON Schema it declares.

Only the keywords the operation schemas use are understood (type, required,
properties, items, anyOf, enum): the controller must not need the jsonschema
package, and the tests check the schemas themselves with it.
"""

from __future__ import annotations

import typing as t

_TYPES: dict[str, type] = {
    'object': dict,
    'array': list,
    'string': str,
    'boolean': bool,
    'null': type(None),
}


def _is_type(value: t.Any, name: str) -> bool:
    if name == 'integer':
        return isinstance(value, int) and not isinstance(value, bool)
    if name == 'number':
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def shape_errors(value: t.Any, schema: dict[str, t.Any], where: str = 'result') -> list[str]:
    """Return a list of messages, empty when value fits schema."""
    if 'anyOf' in schema:
        if any(not shape_errors(value, option, where) for option in schema['anyOf']):
            return []
        return ['%s matches none of the allowed shapes' % where]
    errors = []
    wanted = schema.get('type')
    if wanted is not None:
        names = wanted if isinstance(wanted, list) else [wanted]
        if not any(_is_type(value, name) for name in names):
            return ['%s is %s, expected %s' % (where, type(value).__name__, ' or '.join(names))]
    if 'enum' in schema and value not in schema['enum']:
        errors.append('%s is %r, expected one of %r' % (where, value, schema['enum']))
    if isinstance(value, dict):
        errors.extend('%s has no key %r' % (where, key) for key in schema.get('required', ()) if key not in value)
        for key, sub in schema.get('properties', {}).items():
            if key in value:
                errors.extend(shape_errors(value[key], sub, '%s.%s' % (where, key)))
    if isinstance(value, list) and 'items' in schema:
        for index, item in enumerate(value):
            errors.extend(shape_errors(item, schema['items'], '%s[%d]' % (where, index)))
    return errors
