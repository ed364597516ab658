"""How many of a checkout's public functions the code_tests checks can reach: linked to a test or a docstring example.

`link_share(repo)` -> {"public": n, "linked": n, "by_tests": n, "by_doctest": n, "share": linked / public,
"unlinked": ["module.function", ...]}. Public: a top-level function whose name and module path
have no leading underscore (`__init__` aside), listed in its module's static `__all__` when it
has one, outside setup/docs/examples/benchmark files. Linked: at least one test of the repo uses
it (factory.sources.repo.read_test_pairs: imports, aliases, star re-exports, unittest classes,
parametrize values), or its docstring holds doctest examples. Nothing is run: a linked function's
tests may still need fixtures the sandbox does not give (seed selection decides that).
"""

from __future__ import annotations

import ast
import os

from factory.sources.base import Skipped
from factory.sources.repo import read_code, read_test_pairs, static_all
from pipelines.code_tests.behaviour import has_examples

NOT_LIBRARY = {"setup", "conftest", "noxfile", "fabfile", "docs", "doc", "examples", "example", "benchmarks", "bench",
               "scripts", "tools"}


def _public_module(module: str) -> bool:
    parts = module.split(".")
    return not (set(parts) & NOT_LIBRARY) and not any(p.startswith("_") and p != "__init__" for p in parts)


def link_share(repo: str | os.PathLike) -> dict:
    items = [item for item in read_code(repo) if not isinstance(item, Skipped)]
    exported: dict[str, list[str] | None] = {}
    public = []
    for item in items:
        if item["kind"] != "function" or item["name"].startswith("_") or not _public_module(item["module"]):
            continue
        if item["path"] not in exported:
            try:
                text = open(os.path.join(repo, item["path"]), encoding="utf-8").read()
                exported[item["path"]] = static_all(ast.parse(text))
            except (OSError, SyntaxError, ValueError):
                exported[item["path"]] = None
        names = exported[item["path"]]
        if names is None or item["name"] in names:
            public.append(item)
    tested = {(t["module"], t["qualname"]) for pair in read_test_pairs(repo, code=items) if not isinstance(pair, Skipped)
              for t in pair["targets"]}
    by_tests = {(i["module"], i["qualname"]) for i in public if (i["module"], i["qualname"]) in tested}
    by_doctest = {(i["module"], i["qualname"]) for i in public if has_examples(i["docstring"])}
    linked = by_tests | by_doctest
    return {"public": len(public), "linked": len(linked), "by_tests": len(by_tests), "by_doctest": len(by_doctest),
            "share": len(linked) / len(public) if public else 0.0,
            "unlinked": sorted(f"{i['module']}.{i['qualname']}" for i in public
                               if (i["module"], i["qualname"]) not in linked)}
