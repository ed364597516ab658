"""How many of a checkout's public functions the code_tests checks can reach: linked to a test or a docstring example.

`link_share(repo)` -> {"public": n, "linked": n, "by_tests": n, "by_doctest": n, "share": linked / public,
"unlinked": ["module.function", ...]}. Public: a top-level function without a leading underscore
that a module or package without a leading underscore exports (its static `__all__`, else its
public names, re-exports from private modules included), outside setup/docs/examples/benchmark
files. Linked: at least one test of the repo uses
it (factory.sources.repo.read_test_pairs: imports, aliases, star re-exports, unittest classes,
parametrize values), or its docstring holds doctest examples. Nothing is run: a linked function's
tests may still need fixtures the sandbox does not give (seed selection decides that).
"""

from __future__ import annotations

import os

from factory.record import Rejected
from factory.sources.repo import (
    MAX_SOURCE_BYTES,
    CodeIndex,
    open_checkout,
    read_code,
    read_test_pairs,
)
from pipelines.code_tests.behaviour import has_examples

NOT_LIBRARY = {
    "setup",
    "conftest",
    "noxfile",
    "fabfile",
    "docs",
    "doc",
    "examples",
    "example",
    "benchmarks",
    "bench",
    "scripts",
    "tools",
}


def _public_module(module: str) -> bool:
    parts = module.split(".")
    return not (set(parts) & NOT_LIBRARY) and not any(
        p.startswith("_") and p != "__init__" for p in parts
    )


def public_functions(repo: str | os.PathLike, items: list[dict]) -> list[dict]:
    """Top-level functions a user of the package reaches: what each public module (and package) exports, by its
    static `__all__` or else its public names, re-exports from private modules (`from ._impl import f`) included."""
    index = CodeIndex(open_checkout(repo), items, MAX_SOURCE_BYTES)
    modules = {item["module"] for item in items}
    modules |= {".".join(m.split(".")[:n]) for m in modules for n in range(1, m.count(".") + 1)}
    found: dict[tuple[str, str], dict] = {}
    for module in sorted(m for m in modules if _public_module(m)):
        for name in index.star_names(module):
            item = index.resolve(f"{module}.{name}")
            if item is not None and item["kind"] == "function" and not item["name"].startswith("_"):
                found.setdefault((item["module"], item["qualname"]), item)
    return list(found.values())


def link_share(repo: str | os.PathLike) -> dict:
    items = [item for item in read_code(repo) if not isinstance(item, Rejected)]
    public = public_functions(repo, items)
    tested = {
        (t["module"], t["qualname"])
        for pair in read_test_pairs(repo, code=items)
        if not isinstance(pair, Rejected)
        for t in pair["targets"]
    }
    by_tests = {
        (i["module"], i["qualname"]) for i in public if (i["module"], i["qualname"]) in tested
    }
    by_doctest = {(i["module"], i["qualname"]) for i in public if has_examples(i["docstring"])}
    linked = by_tests | by_doctest
    return {
        "public": len(public),
        "linked": len(linked),
        "by_tests": len(by_tests),
        "by_doctest": len(by_doctest),
        "share": len(linked) / len(public) if public else 0.0,
        "unlinked": sorted(
            f"{i['module']}.{i['qualname']}"
            for i in public
            if (i["module"], i["qualname"]) not in linked
        ),
    }
