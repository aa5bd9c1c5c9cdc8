# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Config files rendered from a built-in or a user's Jinja2 template.

Templates render in a sandboxed, strict environment on the controller, so a
template that does not compile or render fails naming its option before the
host is touched.
"""

from __future__ import annotations

import functools
import os
import typing as t

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import InvalidArgument

# plugin_utils/templates/: the built-in templates, beside this package.
TEMPLATES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'templates')


class ConfigTemplate:
    def __init__(self, builtin_name: str, filters: dict[str, t.Callable[..., t.Any]] | None = None) -> None:
        self.builtin_name = builtin_name
        self.environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True,
                                                         lstrip_blocks=True, keep_trailing_newline=True,
                                                         autoescape=False)
        self.environment.filters.update(filters or {})
        self.compile = functools.lru_cache(maxsize=8)(self._compile)

    @functools.cached_property
    def builtin(self) -> str:
        with open(os.path.join(TEMPLATES_DIR, self.builtin_name), encoding='utf-8') as handle:
            return handle.read()

    def _compile(self, source: str, option: str) -> Template:
        try:
            return self.environment.from_string(source)
        except TemplateError as error:
            raise InvalidArgument(option, 'is not a valid Jinja2 template: %s' % error)

    def render(self, variables: dict[str, t.Any], source: str | None, option: str) -> str:
        """The text, ending with a newline: the built-in template when source is None."""
        template = self.compile(self.builtin if source is None else source, option)
        try:
            text = template.render(**variables)
        except (TemplateError, TypeError, ValueError) as error:
            raise InvalidArgument(option, 'cannot be rendered: %s' % error)
        return text if text.endswith('\n') else text + '\n'
