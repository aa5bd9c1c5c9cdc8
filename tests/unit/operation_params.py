"""Which `$Params` keys each Python call site of an operation sends, found in the source with `ast`.

A call site is a call of plugin_utils/_core/runner.py's `run_operation(connection,
name, params)` or of a wrapper of it: a function that passes its own
parameters on as the name and the params (`WcowActionBase.operation(name,
params)`), or its own parameter as the params of a fixed operation
(`apply_service(params)` for service_apply); wrappers are found the same way,
until no new one turns up.

The keys of a params expression are resolved through dict literals,
`dict(...)` calls, the variable's assignments, `[key] =` stores and
`.update()` calls in the same function, module-level constants (also for the
operation name), and the
return values of the function called (found by name in plugins/). What cannot
be resolved is reported, never guessed; PRODUCERS names the function that
builds a value kept in an attribute (such as a service plan's params).
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

# run_operation(connection, name, params, ...): the positions of name and params.
RUNNER = ('run_operation', 1, 2)

# Runners handed to an object rather than defined in its file: file -> {attribute: Wrapper}.
INJECTED = {
    # Reboot(run=...) keeps `run(name, params)` as self._run.
    'plugins/plugin_utils/_windows/reboot.py': {'_run': ('_run', None, 0, 1)},
}

# Values passed through attributes of objects, and the function that builds them.
PRODUCERS = {
    'params': 'apply_params',  # ServicePlan.params: plugin_utils/_service/plan.py builds it with apply_params()
}


@dataclasses.dataclass(frozen=True)
class Wrapper:
    name: str
    operation: str | None  # a fixed operation, or None when the name is passed at name_index
    name_index: int | None
    params_index: int
    params_keyword: str = 'params'

    def params_of(self, call: ast.Call) -> ast.expr | None:
        if self.params_index < len(call.args):
            return call.args[self.params_index]
        return next((k.value for k in call.keywords if k.arg == self.params_keyword), None)


@dataclasses.dataclass
class CallSite:
    operation: str
    where: str  # file:line
    keys: frozenset[str] | None  # None: not resolved
    problem: str = ''


class Index:
    """Every function and module-level assignment of the Python files given."""

    def __init__(self, root: Path, files: list[Path]):
        self.root = root
        self.modules = {path: ast.parse(path.read_text(encoding='utf-8')) for path in files}
        self.functions: dict[str, list[tuple[Path, ast.FunctionDef]]] = {}
        self.constants: dict[tuple[Path, str], ast.expr] = {}
        for path, module in self.modules.items():
            for node in ast.walk(module):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.functions.setdefault(node.name, []).append((path, node))
            for node in module.body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    self.constants[(path, node.targets[0].id)] = node.value
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                    self.constants[(path, node.target.id)] = node.value

    def where(self, path: Path, node: ast.AST) -> str:
        return '%s:%d' % (path.relative_to(self.root), node.lineno)


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _argument(call: ast.Call, index: int) -> ast.expr | None:
    return call.args[index] if index < len(call.args) else None


def _parameter_names(function: ast.FunctionDef) -> list[str]:
    return [a.arg for a in function.args.args if a.arg != 'self']


def _enclosing_functions(index: Index):
    for path, module in index.modules.items():
        for function in ast.walk(module):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path, function


class Wrappers:
    """The wrappers found, by file and name: a name with a leading underscore is private to its file."""

    def __init__(self, index: Index):
        self.found: dict[tuple[Path | None, str], Wrapper] = {(None, RUNNER[0]): Wrapper(RUNNER[0], None, RUNNER[1], RUNNER[2])}
        for relative, attributes in INJECTED.items():
            for attribute, fields in attributes.items():
                self.found[(index.root / relative, attribute)] = Wrapper(*fields)

    def add(self, path: Path, wrapper: Wrapper):
        self.found[(path if wrapper.name.startswith('_') else None, wrapper.name)] = wrapper

    def defines(self, path: Path, name: str) -> bool:
        return (path if name.startswith('_') else None, name) in self.found

    def get(self, path: Path, name: str | None) -> Wrapper | None:
        if name is None:
            return None
        return self.found.get((path, name)) or self.found.get((None, name))


def find_wrappers(index: Index) -> Wrappers:
    wrappers = Wrappers(index)
    changed = True
    while changed:
        changed = False
        for path, function in _enclosing_functions(index):
            if wrappers.defines(path, function.name):
                continue
            own = _parameter_names(function)
            for call in ast.walk(function):
                wrapper = wrappers.get(path, _called_name(call)) if isinstance(call, ast.Call) else None
                if wrapper is None:
                    continue
                params = wrapper.params_of(call)
                if not (isinstance(params, ast.Name) and params.id in own):
                    continue
                if wrapper.operation is not None:
                    operation, name_index = wrapper.operation, None
                else:
                    name = _argument(call, wrapper.name_index)
                    if isinstance(name, ast.Constant) and isinstance(name.value, str):
                        operation, name_index = name.value, None
                    elif isinstance(name, ast.Name) and name.id in own:
                        operation, name_index = None, own.index(name.id)
                    else:
                        continue
                wrappers.add(path, Wrapper(function.name, operation, name_index, own.index(params.id), params.id))
                changed = True
                break
    return wrappers


class Resolver:
    def __init__(self, index: Index):
        self.index = index

    def keys(self, node: ast.expr, path: Path, function: ast.FunctionDef | None, depth: int = 0) -> set[str]:
        """The keys of a dict expression; raises LookupError naming what could not be resolved."""
        if depth > 8:
            raise LookupError('too deep')
        if isinstance(node, ast.Dict):
            found = set()
            for key, value in zip(node.keys, node.values):
                if key is None:
                    found |= self.keys(value, path, function, depth + 1)
                elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                    found.add(key.value)
                else:
                    raise LookupError('a computed key at %s' % self.index.where(path, key))
            return found
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'dict':
            found = set()
            for argument in node.args:
                found |= self.keys(argument, path, function, depth + 1)
            for keyword in node.keywords:
                if keyword.arg is None:
                    found |= self.keys(keyword.value, path, function, depth + 1)
                else:
                    found.add(keyword.arg)
            return found
        if isinstance(node, ast.Name):
            return self._variable(node.id, path, function, depth)
        if isinstance(node, ast.Call):
            return self._returned(_called_name(node), depth)
        if isinstance(node, ast.Attribute) and node.attr in PRODUCERS:
            return self._returned(PRODUCERS[node.attr], depth)
        raise LookupError('%s at %s' % (ast.unparse(node), self.index.where(path, node)))

    def _variable(self, name: str, path: Path, function: ast.FunctionDef | None, depth: int) -> set[str]:
        if function is not None:
            found, assigned = set(), False
            for node in ast.walk(function):
                if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                        found |= self.keys(node.value, path, function, depth + 1)
                        assigned = True
                    for target in targets:
                        if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                                and target.value.id == name and isinstance(target.slice, ast.Constant)):
                            found.add(target.slice.value)
                elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == 'update'
                      and isinstance(node.func.value, ast.Name) and node.func.value.id == name):
                    for argument in node.args:
                        if isinstance(argument, ast.Name) and argument.id == (function.args.kwarg and function.args.kwarg.arg):
                            continue  # **values: the function itself refuses keys outside its defaults
                        found |= self.keys(argument, path, function, depth + 1)
                    found |= {k.arg for k in node.keywords if k.arg}
            if assigned:
                return found
            if name in _parameter_names(function):
                raise LookupError('parameter %r of %s at %s' % (name, function.name, self.index.where(path, function)))
        value = self.index.constants.get((path, name))
        if value is None:
            raise LookupError('%r at %s' % (name, path.relative_to(self.index.root)))
        return self.keys(value, path, None, depth + 1)

    def _returned(self, name: str | None, depth: int) -> set[str]:
        candidates = self.index.functions.get(name or '', [])
        if len(candidates) != 1:
            raise LookupError('%d functions named %r' % (len(candidates), name))
        path, function = candidates[0]
        found = set()
        returns = [n for n in ast.walk(function) if isinstance(n, ast.Return) and n.value is not None]
        if not returns:
            raise LookupError('%s returns nothing' % name)
        for node in returns:
            found |= self.keys(node.value, path, function, depth + 1)
        return found


def call_sites(root: Path, files: list[Path]) -> list[CallSite]:
    index = Index(root, files)
    wrappers = find_wrappers(index)
    resolver = Resolver(index)
    sites = []
    for path, function in _enclosing_functions(index):
        if wrappers.defines(path, function.name):
            continue
        for call in ast.walk(function):
            wrapper = wrappers.get(path, _called_name(call)) if isinstance(call, ast.Call) else None
            if wrapper is None:
                continue
            operation = wrapper.operation
            if operation is None:
                name = _argument(call, wrapper.name_index)
                if isinstance(name, ast.Name):  # a module-level constant, such as runner.py's BATCH_OPERATION
                    name = index.constants.get((path, name.id), name)
                if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                    sites.append(CallSite('?', index.where(path, call), None, 'the operation name is not a literal'))
                    continue
                operation = name.value
            params = wrapper.params_of(call)
            if params is None:
                sites.append(CallSite(operation, index.where(path, call), None, 'no params argument'))
                continue
            try:
                keys = frozenset(resolver.keys(params, path, function))
                sites.append(CallSite(operation, index.where(path, call), keys))
            except LookupError as error:
                sites.append(CallSite(operation, index.where(path, call), None, 'cannot resolve the keys: %s' % error))
    return sites
