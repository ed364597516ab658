"""code_tests seed candidates from a Python checkout: tester seeds and coder seeds, not yet checked.

- tester: a top-level function and one real test that calls it and nothing else of the repo,
  needs no fixture but tmp_path, is not async and not marked slow. input: the function's
  source and the task; output: the test module cut down to that test (testfile.py).
- coder: a small (<= MAX_FUNCTION_LINES), documented, pure-ish top-level function (no calls
  to open/print/subprocess/sockets/sleep..., no global or nonlocal, not async, no decorator
  but a cache). input: its signature, docstring and the module's imports; output: its
  source. The context carries up to TESTS_PER_FUNCTION real tests that call it (with any
  other targets), to run against a rewrite, the docstring when it holds doctest examples
  (`doctest`: {"text", "line"}), and up to behaviour.MAX_EXAMPLES argument texts (`examples`) from
  those examples and from every linked test's calls, for the differential check.
`candidates(repo)` returns (tester seeds grouped per function, coder seeds, skipped inputs).
What is not chosen (a function without docstring, a test with fixtures) is selection, not
an error, and is not reported. Running and judging the seeds is recipe.validate's job.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from factory.record import Rejected
from factory.sources.repo import open_checkout, read_code, read_test_pairs
from pipelines.code_tests.behaviour import MAX_EXAMPLES, example_arguments, has_examples
from pipelines.code_tests.testfile import reduce_test_module

MAX_FUNCTION_LINES = 40  # coder: the function to rewrite
MAX_SHOWN_LINES = 80  # tester: the function shown
MAX_TEST_LINES = 150  # tester: the runnable test module
TESTS_PER_FUNCTION = 2  # coder: real tests run against a rewrite
ALLOWED_FIXTURES = {"tmp_path"}
PLAIN_DECORATORS = {
    "cache",
    "lru_cache",
    "lru_cache()",
    "functools.cache",
    "functools.lru_cache",
    "functools.lru_cache()",
}
IMPURE_CALLS = {
    "open",
    "print",
    "input",
    "exec",
    "eval",
    "system",
    "popen",
    "Popen",
    "run",
    "call",
    "check_call",
    "check_output",
    "urlopen",
    "connect",
    "socket",
    "remove",
    "unlink",
    "rmtree",
    "rmdir",
    "mkdir",
    "makedirs",
    "write_text",
    "write_bytes",
    "kill",
    "killpg",
    "sleep",
    "spawn",
    "fork",
}
_ASYNC = re.compile(r"^async\s+def\s", re.M)
_SLOW = re.compile(r"\bmark\.slow\b")


def parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The parameter list without annotations, defaults shown as `=...`: what a rewrite must keep."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    parts = [
        a.arg + ("=..." if d is not None else "") for a, d in zip(positional, defaults, strict=True)
    ]
    if args.posonlyargs:
        parts.insert(len(args.posonlyargs), "/")
    if args.vararg:
        parts.append(f"*{args.vararg.arg}")
    elif args.kwonlyargs:
        parts.append("*")
    parts += [
        a.arg + ("=..." if d is not None else "")
        for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
    ]
    if args.kwarg:
        parts.append(f"**{args.kwarg.arg}")
    prefix = "async " if isinstance(node, ast.AsyncFunctionDef) else ""
    return f"{prefix}{node.name}({', '.join(parts)})"


def function_node(source: str, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The last top-level definition of `name` in `source` (the one a module would keep)."""
    found = None
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            found = node
    return found


def _pure_ish(node: ast.AST) -> bool:
    for child in ast.walk(node):
        if isinstance(child, (ast.Global, ast.Nonlocal)):
            return False
        if isinstance(child, ast.Call):
            func = child.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            if name in IMPURE_CALLS:
                return False
    return True


def _lines(text: str) -> int:
    return len(text.strip().splitlines())


def _test_paths(root: Path, rel: str) -> list[str]:
    """What pytest would put on sys.path for this test file: its folder, and folders above it with a conftest.py."""
    folder = (root / rel).parent
    paths = [str(folder)]
    for parent in folder.parents:
        if parent == root or root not in parent.parents:
            break
        if (parent / "conftest.py").is_file():
            paths.append(str(parent))
    return paths


def _module_imports(root: Path, rel: str, cache: dict[str, str]) -> str:
    if rel not in cache:
        tree = ast.parse((root / rel).read_text(encoding="utf-8"))
        cache[rel] = "\n".join(
            ast.unparse(n)
            for n in tree.body
            if isinstance(n, (ast.Import, ast.ImportFrom))
            and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")
        )
    return cache[rel]


def _shown_imports(imports: str) -> str:
    return (
        f"The module imports:\n```python\n{imports}\n```"
        if imports
        else "The module imports nothing."
    )


def tester_input(item: dict, imports: str) -> str:
    return (
        f"Write pytest tests for the function `{item['name']}` of module `{item['module']}`. "
        f"Import it with `from {item['module']} import {item['name']}`; use plain pytest (tmp_path is the only "
        f"fixture you may use), no network. The tests must pass against this implementation:\n\n"
        f"```python\n{item['source'].rstrip()}\n```\n\n{_shown_imports(imports)}\n\n"
        "Reply with the test module in one ```python block."
    )


def coder_input(item: dict, imports: str) -> str:
    quotes = "'''" if '"""' in item["docstring"] else '"""'
    lines = item["docstring"].splitlines()
    docstring = (
        lines[0]
        if len(lines) == 1
        else "\n".join(f"    {line}".rstrip() for line in lines).strip() + "\n    "
    )
    return (
        f"Implement the function `{item['name']}` of module `{item['module']}`. {_shown_imports(imports)}\n\n"
        f"Keep this signature and do what the docstring says:\n\n"
        f"```python\n{item['signature']}:\n    {quotes}{docstring}{quotes}\n```\n\n"
        "Reply with the function's code in one ```python block."
    )


def _context(agent: str, root: Path, commit: str | None, item: dict, **more) -> dict:
    return {
        "agent": agent,
        "repo": str(root),
        "commit": commit or "",
        "module": item["module"],
        "name": item["name"],
        "qualname": item["qualname"],
        "signature": item["signature"],
        "docstring": item["docstring"],
        "import": f"from {item['module']} import {item['name']}",
        "target_where": item["where"],
        **more,
    }


def _runnable_pairs(
    root: Path, items: list[dict], skipped: list[Rejected], calls: dict[tuple[str, str], list[str]]
) -> list[dict]:
    """Tests that call repo code and can run alone: fixtures tmp_path at most, not async, not marked slow;
    each with `runnable`, its module cut down to it. `calls` collects every test's argument texts per target."""
    pairs, texts = [], {}
    for pair in read_test_pairs(root, code=items):
        if isinstance(pair, Rejected):
            skipped.append(pair)
            continue
        for target in pair["targets"]:
            calls.setdefault((target["module"], target["qualname"]), []).extend(
                target.get("calls", [])
            )
        test = pair["test"]
        if not set(pair["fixtures"]) <= ALLOWED_FIXTURES or _ASYNC.search(test["source"]):
            continue
        texts.setdefault(test["path"], (root / test["path"]).read_text(encoding="utf-8"))
        test["runnable"] = reduce_test_module(texts[test["path"]], [test["qualname"]])
        if not _SLOW.search(test["runnable"]):
            pairs.append(pair)
    return pairs


def _coder_worthy(item: dict, node: ast.AST | None) -> bool:
    return (
        bool(item["docstring"])
        and not item["name"].startswith("test")
        and isinstance(node, ast.FunctionDef)
        and _lines(item["source"]) <= MAX_FUNCTION_LINES
        and _pure_ish(node)
        and all(ast.unparse(d) in PLAIN_DECORATORS for d in node.decorator_list)
    )


def candidates(repo: str | Path) -> tuple[list[list[dict]], list[dict], list[Rejected]]:
    """(tester seeds, one list of alternatives per function; coder seeds, those with real tests first; skipped)."""
    checkout = open_checkout(repo)
    root, commit = checkout.root, checkout.commit
    code = list(read_code(root))
    skipped = [item for item in code if isinstance(item, Rejected)]
    items = [item for item in code if not isinstance(item, Rejected)]
    by_target: dict[tuple[str, str], list[dict]] = defaultdict(list)
    calls: dict[tuple[str, str], list[str]] = {}
    for pair in _runnable_pairs(root, items, skipped, calls):
        for target in pair["targets"]:
            by_target[(target["module"], target["qualname"])].append(pair)
    testers, coders_tested, coders_untested, imports = [], [], [], {}
    for item in (i for i in items if i["kind"] == "function"):
        pairs = by_target.get((item["module"], item["qualname"]), [])
        imported = _module_imports(root, item["path"], imports)
        own = [
            p
            for p in pairs
            if len(p["targets"]) == 1 and _lines(p["test"]["runnable"]) <= MAX_TEST_LINES
        ]
        if own and _lines(item["source"]) <= MAX_SHOWN_LINES and not _ASYNC.search(item["source"]):
            testers.append([_tester(root, commit, item, pair, imported) for pair in own])
        node = function_node(item["source"], item["name"])
        if _coder_worthy(item, node):
            tests = sorted(
                pairs,
                key=lambda p: (
                    len(p["targets"]),
                    _lines(p["test"]["runnable"]),
                    p["test"]["where"],
                ),
            )
            examples = example_arguments(item["docstring"], item["name"])
            examples += [
                t
                for t in dict.fromkeys(calls.get((item["module"], item["qualname"]), []))
                if t not in examples
            ]
            seed = _coder(
                root,
                commit,
                item,
                node,
                tests[:TESTS_PER_FUNCTION],
                imported,
                examples[:MAX_EXAMPLES],
            )
            (coders_tested if tests else coders_untested).append(seed)
    return testers, coders_tested + coders_untested, skipped


def _tester(root: Path, commit: str | None, item: dict, pair: dict, imports: str) -> dict:
    test = pair["test"]
    output = {"agent": "tester", "code": test["runnable"]}
    context = _context(
        "tester",
        root,
        commit,
        item,
        source=item["source"],
        module_imports=imports,
        test_where=test["where"],
        pythonpath=_test_paths(root, test["path"]),
    )
    return {
        "input": tester_input(item, imports),
        "output": output,
        "context": context,
        "labels": {"agent": "tester", "module": item["module"]},
        "provenance": {"origin": "repo", "source": test["where"]},
    }


def _coder(
    root: Path,
    commit: str | None,
    item: dict,
    node: ast.FunctionDef,
    tests: list[dict],
    imports: str,
    examples: list[str],
) -> dict:
    paths: list[str] = []
    for pair in tests:
        paths += [p for p in _test_paths(root, pair["test"]["path"]) if p not in paths]
    context = _context(
        "coder",
        root,
        commit,
        item,
        params=parameters(node),
        module_imports=imports,
        tests=[
            {
                "where": p["test"]["where"],
                "file": f"test_{i}_{Path(p['test']['path']).name}",
                "code": p["test"]["runnable"],
            }
            for i, p in enumerate(tests)
        ],
        pythonpath=paths,
        examples=examples,
        doctest={"text": item["docstring"], "line": item["line"]}
        if has_examples(item["docstring"])
        else None,
    )
    return {
        "input": coder_input(item, imports),
        "output": {"agent": "coder", "code": item["source"] + "\n"},
        "labels": {"agent": "coder", "module": item["module"]},
        "provenance": {"origin": "repo", "source": item["where"]},
        "context": context,
    }
