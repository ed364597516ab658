"""Mutants of a function, made with `ast`: the measure of how much a record's checks would notice.

`mutants(source, name)` -> [(kind, code)]: the definition of `name` in `source` changed in one
place each, of these kinds (at most MAX_PER_KIND of each, in source order):
- constant_return: the whole body replaced by `return None` (after the docstring)
- flipped_comparison: one comparison operator negated (`<` -> `>=`, `==` -> `!=`, `in` -> `not in`)
- off_by_one: one integer constant n (not a bool) -> n + 1
- dropped_branch: one `if` replaced by its `else` part (or by `pass` without one)
A mutant whose text equals the original's is left out. Nothing is run here: the bench
(bench/code_checks.py) runs each mutant through the recipe's checks and counts those caught.
"""

from __future__ import annotations

import ast
import copy
from typing import Callable, Iterator

MAX_PER_KIND = 3
_FLIP = {
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


def _definition(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    found = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            found = node
    return found


def _docstring_kept(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    is_doc = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    return [first] if is_doc else []


def _each(function: ast.AST, select: Callable[[ast.AST], bool]) -> Iterator[int]:
    """Positions (walk order) of the nodes `select` picks inside the function, nested definitions included."""
    for position, node in enumerate(ast.walk(function)):
        if select(node):
            yield position


def _at(function: ast.AST, position: int) -> ast.AST:
    return next(node for index, node in enumerate(ast.walk(function)) if index == position)


def _replace_if(function: ast.AST, target: ast.If) -> None:
    for node in ast.walk(function):
        for field, value in ast.iter_fields(node):
            if isinstance(value, list) and any(child is target for child in value):
                index = next(i for i, child in enumerate(value) if child is target)
                value[index : index + 1] = target.orelse or [ast.Pass()]
                return


def _is_int(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def mutants(source: str, name: str) -> list[tuple[str, str]]:
    tree = ast.parse(source)
    original = _definition(tree, name)
    if original is None:
        return []
    baseline = ast.unparse(original)
    made: list[tuple[str, str]] = []

    def add(kind: str, change: Callable[[ast.AST], None]) -> None:
        function = copy.deepcopy(original)
        change(function)
        code = ast.unparse(ast.fix_missing_locations(function))
        if code != baseline and all(code + "\n" != other for _, other in made):
            made.append((kind, code + "\n"))

    add(
        "constant_return",
        lambda f: setattr(f, "body", [*_docstring_kept(f.body), ast.Return(ast.Constant(None))]),
    )
    for position in list(_each(original, lambda n: isinstance(n, ast.Compare)))[:MAX_PER_KIND]:
        add(
            "flipped_comparison",
            lambda f, p=position: setattr(
                _at(f, p), "ops", [_FLIP[type(op)]() for op in _at(f, p).ops]
            ),
        )
    for position in list(_each(original, _is_int))[:MAX_PER_KIND]:
        add("off_by_one", lambda f, p=position: setattr(_at(f, p), "value", _at(f, p).value + 1))
    for position in list(_each(original, lambda n: isinstance(n, ast.If)))[:MAX_PER_KIND]:
        add("dropped_branch", lambda f, p=position: _replace_if(f, _at(f, p)))
    return made
