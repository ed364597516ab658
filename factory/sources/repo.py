"""Which repo code each test of a checkout exercises, read with `ast` (nothing is imported or run).

- `read_test_pairs(repo)`: each test (pytest: `test_*` functions, `test_*` methods of `Test*`
  classes; unittest: `test*` methods of `*TestCase` subclasses; in test_*.py / *_test.py) with
  the repo code it uses: {"test": {"name", "qualname", "module", "path", "line", "source",
  "where"}, "targets": [{"kind", "name", "qualname", "module", "where", "calls": [the argument
  text of each call, e.g. "1, key=2", once per parametrized case when it uses their names]}], "fixtures": [argument names not bound by parametrize],
  "params": [names bound by parametrize]}.
- `collected_tests(tree)`: the tests of a parsed module, as pytest would collect them.
- the checkout and the code itself: factory.sources.repo_code (re-exported here); what a
  module's names refer to (imports, re-exports, `CodeIndex`): factory.sources.repo_imports.

Uses are resolved through the test module's imports: `from pkg.mod import f`, module aliases
(`import pkg as p` then `p.f()`, `from pkg import mod` then `mod.f()`), re-exports of a
package (`from .mod import f`, and `from .mod import *` honouring the module's `__all__`,
else its public names), `Cls.method()`, `obj = Cls(); obj.method()`; a function counts when
it is called or only named (`map(f, xs)`, `pytest.raises(E, f, x)`, parametrize values), and
through helper functions of the test module. Anything dynamic (getattr, fixtures returning
objects, monkeypatching, `__all__` built at run time) is not followed.
"""

from __future__ import annotations

import ast
import copy
import os
from collections import Counter
from typing import Iterable, Iterator

from factory.record import Rejected
from factory.sources.repo_code import (
    DEFAULT_EXCLUDE,
    DEFAULT_INCLUDE,
    MAX_SOURCE_BYTES,
    NOT_CODE,  # noqa: F401
    NOT_SOURCE,
    TEST_FILES,
    Checkout,
    Function,
    definition_source,
    files_of,
    first_line,  # noqa: F401 - re-exported
    matches,
    module_name,
    open_checkout,
    parse_file,
    read_code,
    signature,  # noqa: F401 - re-exported
)
from factory.sources.repo_imports import CodeIndex, bindings, dotted_name, module_imports

MAX_CALLS = 20  # argument texts kept per test and target


def _calls(node: ast.AST) -> list[ast.Call]:
    return sorted(
        (n for n in ast.walk(node) if isinstance(n, ast.Call)),
        key=lambda n: (n.lineno, n.col_offset),
    )


def _called(call: ast.Call) -> str | None:
    """What a call names: `f`, `m.f`, `Cls.method`; `Cls(...).method(...)` as `Cls.method`."""
    dotted = dotted_name(call.func)
    if (
        dotted is None
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Call)
    ):
        owner = dotted_name(call.func.value.func)
        dotted = f"{owner}.{call.func.attr}" if owner else None
    return dotted


def _named(body: ast.AST) -> list[str]:
    """Dotted names the body loads without calling them (whole chains only): `f` in `map(f, xs)`."""
    called = {id(call.func) for call in ast.walk(body) if isinstance(call, ast.Call)}
    inner = {id(n.value) for n in ast.walk(body) if isinstance(n, ast.Attribute)}
    found = []
    for node in ast.walk(body):
        if (
            isinstance(node, (ast.Name, ast.Attribute))
            and isinstance(node.ctx, ast.Load)
            and id(node) not in called
            and id(node) not in inner
            and (dotted := dotted_name(node))
        ):
            found.append(dotted)
    return found


def argument_text(call: ast.Call) -> str:
    return ", ".join(
        [ast.unparse(a) for a in call.args]
        + [
            f"{k.arg}={ast.unparse(k.value)}" if k.arg else f"**{ast.unparse(k.value)}"
            for k in call.keywords
        ]
    )


class _Substitute(ast.NodeTransformer):
    def __init__(self, row: dict[str, ast.expr]):
        self.row = row

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return (
            copy.deepcopy(self.row[node.id])
            if node.id in self.row and isinstance(node.ctx, ast.Load)
            else node
        )


def parametrize_rows(decorators: list[ast.expr]) -> list[dict[str, ast.expr]]:
    """The argument values of each parametrized case ({name: expression}), at most MAX_CALLS; [{}] when none."""
    rows: list[dict[str, ast.expr]] = [{}]
    for decorator in decorators:
        names = _parametrized([decorator])
        if (
            not names
            or len(decorator.args) < 2
            or not isinstance(decorator.args[1], (ast.List, ast.Tuple))
        ):
            continue
        cases = []
        for value in decorator.args[1].elts:
            if isinstance(value, ast.Call) and (dotted_name(value.func) or "").endswith("param"):
                elements = value.args
            else:
                elements = [value] if len(names) == 1 else getattr(value, "elts", [])
            if len(elements) == len(names):
                cases.append(dict(zip(names, elements)))
        rows = [{**row, **case} for row in rows for case in cases][:MAX_CALLS]
    return rows


def _call_texts(call: ast.Call, rows: list[dict[str, ast.expr]]) -> list[str]:
    """The call's argument text, once per parametrized case when it uses a parametrized name."""
    used = {n.id for n in ast.walk(call) if isinstance(n, ast.Name)}
    if not rows or not used & set(rows[0]):
        return [argument_text(call)]
    return [argument_text(_Substitute(row).visit(copy.deepcopy(call))) for row in rows]


def _instances(body: ast.AST, local: dict[str, str], index: CodeIndex) -> dict[str, str]:
    """`obj = Cls(...)` in the body: obj -> "module.Cls", so that obj.method() names Cls.method."""
    found = {}
    for node in ast.walk(body):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
            and (dotted := dotted_name(node.value.func))
        ):
            head, _, rest = dotted.partition(".")
            item = (
                index.resolve(local[head] + (f".{rest}" if rest else "")) if head in local else None
            )
            if item is not None and item["kind"] == "class":
                found[node.targets[0].id] = f"{item['module']}.{item['qualname']}"
    return found


def _targets(
    test: ast.AST,
    names: dict[str, str],
    helpers: dict[str, ast.AST],
    index: CodeIndex,
    rows: list[dict[str, ast.expr]] | None = None,
) -> list[dict]:
    """Repo definitions the test calls or names, directly or through the test module's helper functions; `rows`:
    the test's parametrized cases, substituted into the argument texts of its own calls."""
    found: dict[tuple[str, str], dict] = {}
    calls: dict[tuple[str, str], list[str]] = {}
    todo, seen = [test], {id(test)}
    while todo:
        body = todo.pop(0)
        imports = (n for n in ast.walk(body) if isinstance(n, (ast.Import, ast.ImportFrom)))
        local = {**names, **bindings(imports, "", index)}
        local.update(_instances(body, local, index))
        uses = [(_called(call) or "", call) for call in _calls(body)] + [
            (name, None) for name in _named(body)
        ]
        for dotted, call in uses:
            head, _, rest = dotted.partition(".")
            if head in helpers and not rest:
                if id(helpers[head]) not in seen:
                    seen.add(id(helpers[head]))
                    todo.append(helpers[head])
            elif head in local and (
                item := index.resolve(local[head] + (f".{rest}" if rest else ""))
            ):
                key = (item["module"], item["qualname"])
                found.setdefault(key, item)
                texts = calls.setdefault(key, [])
                for text in (
                    _call_texts(call, rows if body is test and rows else [{}])
                    if call is not None
                    else []
                ):
                    if len(texts) < MAX_CALLS and text not in texts:
                        texts.append(text)
    return [
        {
            **{key: item[key] for key in ("kind", "name", "qualname", "module", "where")},
            "calls": calls[k],
        }
        for k, item in found.items()
    ]


def _parametrized(decorators: list[ast.expr]) -> list[str]:
    names: list[str] = []
    for decorator in decorators:
        if (
            isinstance(decorator, ast.Call)
            and (dotted_name(decorator.func) or "").endswith("mark.parametrize")
            and decorator.args
        ):
            first = decorator.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names += [n.strip() for n in first.value.split(",") if n.strip()]
            elif isinstance(first, (ast.List, ast.Tuple)):
                names += [
                    e.value
                    for e in first.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                ]
    return names


def _unittest_class(node: ast.ClassDef) -> bool:
    return any((dotted_name(base) or "").endswith("TestCase") for base in node.bases)


def collected_tests(tree: ast.Module) -> Iterator[tuple[str, ast.AST, list[str]]]:
    """(qualname, node, parametrized names) of each test in a module: pytest's and unittest's."""
    for node in tree.body:
        if isinstance(node, Function) and node.name.startswith("test"):
            yield node.name, node, _parametrized(node.decorator_list)
        elif isinstance(node, ast.ClassDef) and (
            node.name.startswith("Test") or _unittest_class(node)
        ):
            for child in node.body:
                if isinstance(child, Function) and child.name.startswith("test"):
                    yield (
                        f"{node.name}.{child.name}",
                        child,
                        _parametrized(node.decorator_list + child.decorator_list),
                    )


def read_test_pairs(
    repo: str | os.PathLike,
    *,
    code: Iterable[dict | Rejected] | None = None,
    include: Iterable[str] = DEFAULT_INCLUDE,
    exclude: Iterable[str] = DEFAULT_EXCLUDE,
    tests: Iterable[str] = TEST_FILES,
    unmapped: bool = False,
    stats: Counter | dict | None = None,
    max_bytes: int = MAX_SOURCE_BYTES,
) -> Iterator[dict | Rejected]:
    """Each test with the repo code it uses (see the module docstring). `code`: read_code's items when
    the caller has them (else they are read here, and their Rejected yielded). A test that uses no repo code is
    yielded only with `unmapped=True`; `stats` counts "tests", "mapped" and "unmapped"."""
    checkout = open_checkout(repo)
    stats = stats if stats is not None else Counter()
    for key in ("tests", "mapped", "unmapped"):
        stats.setdefault(key, 0)
    items: list[dict] = []
    for item in (
        code if code is not None else read_code(checkout.root, include=include, exclude=exclude)
    ):
        if isinstance(item, Rejected):
            if code is None:
                yield item
        else:
            items.append(item)
    index = CodeIndex(checkout, items, max_bytes)
    tests = tuple(tests)
    for rel in files_of(checkout):
        if isinstance(rel, Rejected) or not matches(rel, tests) or matches(rel, NOT_SOURCE):
            continue
        parsed = parse_file(checkout, rel, max_bytes)
        if isinstance(parsed, Rejected):
            yield parsed
            continue
        yield from _pairs(checkout, rel, *parsed, index, unmapped, stats)


def _pairs(
    checkout: Checkout,
    rel: str,
    text: str,
    tree: ast.Module,
    index: CodeIndex,
    unmapped: bool,
    stats: Counter | dict,
) -> Iterator[dict]:
    module = module_name(rel)
    names = bindings(module_imports(tree), module.rpartition(".")[0], index)
    helpers = {
        n.name: n for n in tree.body if isinstance(n, Function) and not n.name.startswith("test")
    }
    classes = {
        f"{n.name}.{c.name}": n
        for n in tree.body
        if isinstance(n, ast.ClassDef)
        for c in n.body
        if isinstance(c, Function)
    }
    for qualname, node, params in collected_tests(tree):
        stats["tests"] += 1
        owner = classes.get(qualname)
        rows = parametrize_rows([*(owner.decorator_list if owner else []), *node.decorator_list])
        targets = _targets(node, names, helpers, index, rows)
        stats["mapped" if targets else "unmapped"] += 1
        if not targets and not unmapped:
            continue
        args = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
        fixtures = [a for a in args if a not in ("self", "cls") and a not in params]
        yield {
            "test": {
                "name": node.name,
                "qualname": qualname,
                "module": module,
                "path": rel,
                "line": node.lineno,
                "source": definition_source(text, node),
                "where": checkout.where(rel, node.lineno),
            },
            "targets": targets,
            "fixtures": fixtures,
            "params": [p for p in params if p in args],
        }
