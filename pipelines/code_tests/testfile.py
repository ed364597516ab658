"""Cut a pytest module down to some of its tests and what they need: a file pytest runs on its own.

`reduce_test_module(text, keep)` keeps the tests named in `keep` (qualnames: "test_f",
"TestX.test_g"), every top-level statement they use, transitively (constants, helpers,
fixtures, the imports, each trimmed to the names used), autouse fixtures, `pytestmark`
and statements that bind no name (e.g. `sys.path.insert(...)`). Other tests, unused
helpers and imports, and the module docstring go. Comments outside the kept statements go
too. It does not check that the result runs (the sandbox does).
"""

from __future__ import annotations

import ast
import re
from typing import Iterable

from factory.sources.repo import collected_tests, definition_source, first_line

Function = (ast.FunctionDef, ast.AsyncFunctionDef)


def _loaded(nodes: Iterable[ast.AST]) -> set[str]:
    return {
        n.id
        for node in nodes
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


def _bound(node: ast.stmt) -> set[str]:
    if isinstance(node, (*Function, ast.ClassDef)):
        return {node.name}
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            names.add(child.id)
        elif isinstance(child, ast.alias):
            names.add(child.asname or child.name.split(".")[0])
        elif isinstance(child, (*Function, ast.ClassDef)):
            names.add(child.name)
    return names


def _fixture(node: ast.stmt) -> bool:
    return isinstance(node, Function) and any(
        "fixture" in ast.unparse(d) for d in node.decorator_list
    )


def _autouse(node: ast.stmt) -> bool:
    return isinstance(node, Function) and any(
        isinstance(d, ast.Call) and any(k.arg == "autouse" for k in d.keywords)
        for d in node.decorator_list
    )


def _import_text(node: ast.Import | ast.ImportFrom, used: set[str]) -> str:
    if isinstance(node, ast.ImportFrom) and node.module == "__future__":
        return ast.unparse(node)
    names = [a for a in node.names if (a.asname or a.name.split(".")[0]) in used or a.name == "*"]
    kind = type(node)
    trimmed = (
        kind(names=names, module=node.module, level=node.level)
        if kind is ast.ImportFrom
        else kind(names=names)
    )
    return ast.unparse(trimmed) if names else ""


def reduce_test_module(text: str, keep: Iterable[str], tree: ast.Module | None = None) -> str:
    tree = tree or ast.parse(text)
    keep = set(keep)
    tests = {id(node): qualname for qualname, node, _ in collected_tests(tree)}
    dropped = {i for i, qualname in tests.items() if qualname not in keep}
    body = [
        n
        for n in tree.body
        if not (
            isinstance(n, ast.Expr)
            and isinstance(n.value, ast.Constant)
            and isinstance(n.value.value, str)
        )
    ]  # docstrings
    kept: dict[int, ast.stmt] = {}
    used: set[str] = set()

    def take(node: ast.stmt) -> None:
        kept[id(node)] = node
        parts = node.body if isinstance(node, ast.ClassDef) else [node]
        used.update(_loaded([p for p in parts if id(p) not in dropped]))
        if isinstance(node, ast.ClassDef):
            used.update(_loaded([*node.decorator_list, *node.bases, *node.keywords]))
        for part in parts:  # the fixtures a test or a fixture asks for
            if (
                isinstance(part, Function)
                and id(part) not in dropped
                and (id(part) in tests or _fixture(part))
            ):
                used.update(a.arg for a in part.args.args)

    def kept_test(node: ast.stmt) -> bool:
        return id(node) in tests and id(node) not in dropped

    for node in body:
        if (
            kept_test(node)
            or isinstance(node, ast.ClassDef)
            and any(kept_test(child) for child in node.body)
        ):
            take(node)
    changed = True
    while changed:  # what the kept statements use, until nothing new is needed
        changed = False
        for node in body:
            test_class = isinstance(node, ast.ClassDef) and node.name.startswith("Test")
            if id(node) in kept or id(node) in dropped or test_class:
                continue
            bound = _bound(node)
            if not bound or bound & used or _autouse(node) or "pytestmark" in bound:
                take(node)
                changed = True
    return _render(text, [n for n in body if id(n) in kept], dropped, used)


def _render(text: str, nodes: list[ast.stmt], dropped: set[int], used: set[str]) -> str:
    imports = [
        t
        for n in nodes
        if isinstance(n, (ast.Import, ast.ImportFrom)) and (t := _import_text(n, used))
    ]
    blocks: list[tuple[bool, str]] = []
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.ClassDef):
            source = definition_source(text, node).splitlines(keepends=True)
            start = first_line(node)
            gone = {
                line - start
                for child in node.body
                if id(child) in dropped
                for line in range(first_line(child), child.end_lineno + 1)
            }
            blocks.append(
                (True, "".join(line for n, line in enumerate(source) if n not in gone).rstrip())
            )
        else:
            segment = (
                definition_source(text, node)
                if isinstance(node, Function)
                else ast.get_source_segment(text, node, padded=True) or ast.unparse(node)
            )
            blocks.append((isinstance(node, Function), segment.rstrip()))
    out = "\n".join(imports)
    for index, (is_definition, block) in enumerate(blocks):
        spacious = is_definition or index == 0 or blocks[index - 1][0]
        out += ("\n\n\n" if spacious and out else "\n" if out else "") + block
    return re.sub(r"\n{4,}", "\n\n\n", out).strip("\n") + "\n"
