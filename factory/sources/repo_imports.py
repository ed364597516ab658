"""What the names of a Python module refer to, read with `ast`: its imports, a package's
re-exports and star exports, and the index of a checkout's definitions that resolves them.

- `dotted_name(node)`: `a.b.c` of a Name/Attribute chain.
- `bindings(nodes, package, index)`: local name -> the dotted thing it names, from import
  statements (relative ones resolved against `package`; `*` expanded through `index`).
- `module_imports(tree)`: the module-level import statements (also inside if/try blocks).
- `static_all(tree)`: a module's literal `__all__`, or None.
- `CodeIndex(checkout, items, max_bytes)`: the repo's definitions by (module, qualname);
  `resolve(dotted)` follows re-exports through package imports.
Nothing is imported or run; which test uses what is factory.sources.repo's.
"""

from __future__ import annotations

import ast
from typing import Iterable

from factory.sources.repo_code import Checkout, Function, parse_file


def dotted_name(node: ast.AST) -> str | None:
    """`a.b.c` of a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _import_base(node: ast.ImportFrom, package: str) -> str:
    base = node.module or ""
    if node.level:
        anchor = package.split(".")[: max(len(package.split(".")) - node.level + 1, 0)]
        base = ".".join([*anchor, *([base] if base else [])])
    return base


def bindings(
    nodes: Iterable[ast.AST], package: str, index: CodeIndex | None = None
) -> dict[str, str]:
    """Local name -> the dotted thing it names, from the import statements among `nodes`; a star import is
    expanded through `index` (the names the module exports) when one is given."""
    names: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    names[head] = head
        elif isinstance(node, ast.ImportFrom):
            base = _import_base(node, package)
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = (
                        f"{base}.{alias.name}" if base else alias.name
                    )
                elif index is not None and base:
                    names.update({name: f"{base}.{name}" for name in index.star_names(base)})
    return names


def module_imports(tree: ast.Module) -> list[ast.AST]:
    """Import statements at module level, also inside if/try blocks, not inside functions or classes."""
    found, todo = [], list(tree.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif not isinstance(node, (*Function, ast.ClassDef)):
            todo.extend(
                child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)
            )
    return found


def static_all(tree: ast.Module) -> list[str] | None:
    """A module's `__all__` when it is written as literal lists/tuples of strings (`=`, `+=`), else None."""
    found: list[str] | None = None
    for node in tree.body:
        target = (
            node.targets[0]
            if isinstance(node, ast.Assign) and len(node.targets) == 1
            else node.target
            if isinstance(node, (ast.AugAssign, ast.AnnAssign))
            else None
        )
        if not (isinstance(target, ast.Name) and target.id == "__all__" and node.value is not None):
            continue
        try:
            value = ast.literal_eval(node.value)
        except ValueError:
            return None
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            return None
        found = [*(found or []), *value] if isinstance(node, ast.AugAssign) else list(value)
    return found


def _top_names(tree: ast.Module) -> set[str]:
    """Names a module binds at top level (definitions, assignments, imports)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (*Function, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


class CodeIndex:
    """The repo's definitions by (module, qualname), with re-exports followed through package imports."""

    def __init__(self, checkout: Checkout, items: Iterable[dict], max_bytes: int):
        self.checkout, self.max_bytes = checkout, max_bytes
        self.by_name = {(item["module"], item["qualname"]): item for item in items}
        self.modules = {item["module"]: item["path"] for item in self.by_name.values()}
        self._exports: dict[str, dict[str, str]] = {}
        self._stars: dict[str, list[str]] = {}

    def _path(self, module: str) -> str | None:
        if module in self.modules:
            return self.modules[module]
        base = module.replace(".", "/")
        for rel in (
            f"{base}/__init__.py",
            f"{base}.py",
            f"src/{base}/__init__.py",
            f"src/{base}.py",
        ):
            if (self.checkout.root / rel).is_file():
                return rel
        return None

    def _tree(self, module: str) -> tuple[str | None, ast.Module | None]:
        rel = self._path(module)
        parsed = parse_file(self.checkout, rel, self.max_bytes) if rel else None
        return rel, parsed[1] if isinstance(parsed, tuple) else None

    def _reexports(self, module: str) -> dict[str, str]:
        if module not in self._exports:
            self._exports[module] = {}  # a star-import circle ends here
            rel, tree = self._tree(module)
            package = module if rel and rel.endswith("__init__.py") else module.rpartition(".")[0]
            self._exports[module] = bindings(module_imports(tree), package, self) if tree else {}
        return self._exports[module]

    def star_names(self, module: str) -> list[str]:
        """What `from module import *` binds: its static `__all__`, else its public top-level names."""
        if module not in self._stars:
            self._stars[module] = []
            _, tree = self._tree(module)
            if tree is not None:
                listed = static_all(tree)
                public = sorted({*_top_names(tree), *self._reexports(module)} - {"__all__"})
                self._stars[module] = (
                    listed if listed is not None else [n for n in public if not n.startswith("_")]
                )
        return self._stars[module]

    def resolve(self, dotted: str, hops: int = 4) -> dict | None:
        """The definition a dotted path names: try every split into module + (1 or 2 part) qualname."""
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module, rest = ".".join(parts[:cut]), parts[cut:]
            if len(rest) <= 2 and (module, ".".join(rest)) in self.by_name:
                return self.by_name[(module, ".".join(rest))]
            if hops and rest[0] in self._reexports(module):
                target = self._reexports(module)[rest[0]]
                if target != dotted:
                    return self.resolve(".".join([target, *rest[1:]]), hops - 1)
        return None
