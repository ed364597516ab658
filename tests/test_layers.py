"""The project's imports obey its floors, and no module imports itself back (no import circle).

Every module of factory/, pipelines/, train/ and annotation/ is parsed with `ast`: imports at
module level and inside functions alike (a function-level import is still a dependency, only a
later one), except those under `if TYPE_CHECKING:` (annotations only, never run).

The floors, lowest first (a module may import its own floor and the ones below, never above):
1. FOUNDATION: errors, processes, the model cache (factory.model_cache: where models live),
   llama.cpp's own server built from its sdist (factory.llama_native), model files split across
   wheels (factory.teacher.model_parts: the 1.5B teacher's and the 0.5B student base's), the
   teacher's spec and the model servers (factory.serving). Both the teacher and the trainer
   stand on it; it imports nothing of the project above itself.
2. the teacher (factory.teacher.*) and the trainer (train/): side by side, neither imports the
   other; the trainer imports nothing of factory but FOUNDATION, the teacher nothing of the
   build that runs it (stages, build, runner) nor of the CLI.
3. the library: records, recipes, stages, the build and its runner, export, eval
   (factory.models, factory.training and factory.evaluate use the trainer).
4. the command line (factory.cli and factory.cli_*) and annotation/ beside it: only the CLI
   imports annotation/, nothing imports the CLI, and factory never imports pipelines/ (recipes
   are found by folder or entry point).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("factory", "pipelines", "train", "annotation")
SKIP_PARTS = {"fixtures", "node_modules", "__pycache__"}

FOUNDATION = {
    "factory.errors",
    "factory.processes",
    "factory.model_cache",
    "factory.llama_native",
    "factory.teacher.model_parts",
    "factory.teacher.spec",
    "factory.serving",
}


def modules(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every .py of the packages (a package is its __init__)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if SKIP_PARTS & set(relative.parts):
                continue
            name = ".".join(relative.with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, int]]:
    """(dotted name, line) of every import that runs, module- or function-level."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.append((base, node.lineno))
            found.extend((f"{base}.{alias.name}", node.lineno) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph(found: dict[str, Path]) -> dict[str, dict[str, int]]:
    """module -> {project module it imports: first line}; imports of its own parent packages
    (e.g. `from factory import PIPELINES_DIR`) are not edges."""
    graph: dict[str, dict[str, int]] = {}
    for module, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: dict[str, int] = {}
        for name, line in _imported_names(tree, module, path.name == "__init__.py"):
            while name and name not in found:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                edges.setdefault(name, line)
        graph[module] = edges
    return graph


def circles(graph: dict[str, dict[str, int]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, {}))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def describe(group: set[str], graph: dict[str, dict[str, int]], found: dict[str, Path]) -> str:
    edges = [
        f"{found[a].relative_to(ROOT) if found[a].is_relative_to(ROOT) else found[a]}:{line} "
        f"{a} -> {b}"
        for a in sorted(group)
        for b, line in sorted(graph[a].items())
        if b in group
    ]
    return f"circle {sorted(group)}:\n    " + "\n    ".join(edges)


def floor_breaches(graph: dict[str, dict[str, int]]) -> list[str]:
    """Every import that goes up a floor (see the module docstring)."""

    def within(name: str, *prefixes: str) -> bool:
        return any(name == p or name.startswith(p + ".") for p in prefixes)

    def is_cli(name: str) -> bool:
        return name == "factory.cli" or name.startswith("factory.cli_")

    rules = [
        (
            lambda a: a in FOUNDATION,
            lambda b: b not in FOUNDATION,
            "the foundation imports only the foundation",
        ),
        (
            lambda a: within(a, "train"),
            lambda b: within(b, "factory") and b not in FOUNDATION,
            "train imports only the foundation of factory",
        ),
        (
            lambda a: within(a, "factory.teacher"),
            lambda b: (
                within(b, "train", "factory.stages", "factory.build", "factory.runner") or is_cli(b)
            ),
            "the teacher imports neither the trainer nor the build that runs it",
        ),
        (
            lambda a: not is_cli(a),
            is_cli,
            "nothing imports the command line",
        ),
        (
            lambda a: within(a, "factory") and not is_cli(a),
            lambda b: within(b, "annotation"),
            "only the command line imports annotation/",
        ),
        (
            lambda a: within(a, "factory"),
            lambda b: within(b, "pipelines"),
            "factory never imports a recipe (pipelines/)",
        ),
    ]
    return [
        f"{a}:{line} imports {b}: {why}"
        for a, edges in sorted(graph.items())
        for b, line in sorted(edges.items())
        for applies, forbidden, why in rules
        if applies(a) and forbidden(b)
    ]


@pytest.fixture(scope="module")
def project():
    found = modules()
    return found, import_graph(found)


def test_there_is_no_import_circle(project):
    found, graph = project
    groups = circles(graph)  # factory.build <-> factory.ray_engine went with factory/runner/
    assert not groups, "\n".join(describe(g, graph, found) for g in groups)


def test_every_import_stays_on_its_floor_or_below(project):
    _, graph = project
    assert set(FOUNDATION) <= set(graph), "a FOUNDATION module was renamed: update the floors"
    assert floor_breaches(graph) == []


def test_the_checks_see_function_level_imports_and_skip_type_checking_ones(tmp_path):
    """The checker itself: a circle closed by an import inside a function is found (with the
    file and line), one closed only under `if TYPE_CHECKING:` is not, and an upward import of
    the trainer is a floor breach."""
    package = tmp_path / "train"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from train import b\n")
    (package / "b.py").write_text("def later():\n    from .a import x\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from train.a import y\n"
        "else:\n    import json\n"
    )
    (package / "d.py").write_text("import train.c\nimport factory.build\n")
    found = modules(tmp_path, ("train",))
    graph = import_graph(found)
    assert graph["train.b"] == {"train.a": 2}
    assert "train.a" not in graph["train.c"]  # only for annotations
    assert circles(graph) == [{"train.a", "train.b"}]
    assert "train/b.py:2 train.b -> train.a" in describe({"train.a", "train.b"}, graph, found)
    graph["train.d"]["factory.build"] = 2  # a project module outside this tree
    assert floor_breaches(graph) == [
        "train.d:2 imports factory.build: train imports only the foundation of factory"
    ]
