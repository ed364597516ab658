"""read_code and read_test_pairs on this project's own checkout and on small git repos made here, bad files included."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest

from factory.record import Rejected
from factory.sources.repo import matches, module_name, read_code, read_test_pairs

ROOT = Path(__file__).resolve().parents[2]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@localhost", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def make_repo(root: Path, files: dict[str, str | bytes], commit: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    if commit:
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "files")
    return root


def where_in_this_repo(rel: str, needle: str) -> str:
    """path@HEAD:line of the first line of `rel` that starts with `needle`, as read_code must say it."""
    line = next(
        n
        for n, text in enumerate((ROOT / rel).read_text().splitlines(), 1)
        if text.startswith(needle)
    )
    dirty = "-dirty" if git(ROOT, "status", "--porcelain", "--", rel) else ""
    return f"{rel}@{git(ROOT, 'rev-parse', 'HEAD')}{dirty}:{line}"


@pytest.fixture(scope="module")
def own_code() -> dict[tuple[str, str], dict]:
    items = list(read_code(ROOT))
    assert not [i for i in items if isinstance(i, Rejected)]
    return {(i["module"], i["qualname"]): i for i in items}


def test_functions_classes_and_methods_of_this_repo(own_code):
    import inspect

    from factory import jsonl

    item = own_code[("factory.jsonl", "read_jsonl")]
    lines = (ROOT / "factory/jsonl.py").read_text().splitlines()
    assert item == {  # what Python itself says of the function, whatever its current text
        "kind": "function",
        "name": "read_jsonl",
        "qualname": "read_jsonl",
        "module": "factory.jsonl",
        "signature": lines[item["line"] - 1].removesuffix(":"),
        "docstring": inspect.getdoc(jsonl.read_jsonl),
        "source": item["source"],
        "path": "factory/jsonl.py",
        "line": item["line"],
        "end_line": item["end_line"],
        "where": where_in_this_repo("factory/jsonl.py", "def read_jsonl("),
    }
    assert (
        item["signature"].startswith("def read_jsonl(path: Path")
        and item["line"] == inspect.getsourcelines(jsonl.read_jsonl)[1]
    )
    assert item["source"] == "\n".join(lines[item["line"] - 1 : item["end_line"]])
    method = own_code[("factory.jsonl", "AtomicWriter.write_json")]
    assert (method["kind"], method["name"], method["signature"]) == (
        "method",
        "write_json",
        "def write_json(self, obj: Any) -> None",
    )
    assert method["source"].startswith(
        "def write_json(self, obj: Any) -> None:\n    self._handle.write("
    )  # dedented
    assert own_code[("factory.jsonl", "AtomicWriter")]["signature"] == "class AtomicWriter"
    record = own_code[("factory.record", "Record")]
    assert record["source"].startswith("@dataclass\nclass Record:\n")  # decorators included
    assert record["where"] == where_in_this_repo(
        "factory/record.py", "class Record"
    )  # the class line, not @dataclass
    assert own_code[("factory.record", "Record.from_dict")]["source"].startswith(
        "@classmethod\ndef from_dict(cls, "
    )
    assert not [key for key, i in own_code.items() if i["path"].startswith(("tests/", ".venv/"))]


def test_bad_files_are_skipped_with_reasons(tmp_path):
    repo = make_repo(
        tmp_path / "repo",
        {
            "pkg/__init__.py": "",
            "pkg/good.py": 'def ok(x: int = 1) -> int:\n    """Fine."""\n    return x\n',
            "pkg/broken.py": "def ok(:\n    pass\n",
            "pkg/latin1.py": "# caf\xe9\n".encode("latin-1"),
            "pkg/blob.py": b"\x00\x01binary",
            "pkg/huge.py": "x = 1\n" * 400,
            "tests/test_good.py": "def test_x():\n    pass\n",  # tests are not code
            "notes.txt": "not python\n",
        },
    )
    (repo / "pkg" / "untracked.py").write_text("def hidden():\n    pass\n")  # not in git ls-files
    commit = git(repo, "rev-parse", "HEAD")
    found = list(read_code(repo, max_bytes=1000))
    skipped = sorted(
        (s.where.removeprefix(f"{repo}/"), s.reason) for s in found if isinstance(s, Rejected)
    )
    assert skipped == [
        ("pkg/blob.py", "source_binary_file"),
        ("pkg/broken.py:1", "code_syntax_error"),
        ("pkg/huge.py", "source_too_large"),
        ("pkg/latin1.py", "source_not_utf8"),
    ]
    items = [i for i in found if not isinstance(i, Rejected)]
    assert [
        (i["module"], i["qualname"], i["signature"], i["docstring"], i["where"]) for i in items
    ] == [("pkg.good", "ok", "def ok(x: int = 1) -> int", "Fine.", f"pkg/good.py@{commit}:1")]
    (repo / "pkg" / "good.py").write_text(
        "\n" + (repo / "pkg" / "good.py").read_text()
    )  # changed since the commit
    assert [i["where"] for i in read_code(repo, max_bytes=1000) if not isinstance(i, Rejected)] == [
        f"pkg/good.py@{commit}-dirty:2"
    ]


def test_a_folder_that_is_not_a_git_checkout_is_walked(tmp_path):
    folder = make_repo(
        tmp_path / "plain",
        {
            "src/lib/util.py": "class Box:\n    def get(self):\n        return 1\n",
            ".venv/lib/site.py": "def no():\n    pass\n",
        },
        commit=False,
    )
    assert [(i["kind"], i["module"], i["qualname"], i["where"]) for i in read_code(folder)] == [
        ("class", "lib.util", "Box", "src/lib/util.py:1"),
        ("method", "lib.util", "Box.get", "src/lib/util.py:2"),
    ]


def test_module_names_and_patterns():
    assert [module_name(p) for p in ("a/b/c.py", "a/__init__.py", "src/a/b.py")] == [
        "a.b.c",
        "a",
        "a.b",
    ]
    assert (
        matches("setup.py", ["**/*.py"])
        and matches("a/b/c.py", ["**/*.py"])
        and not matches("a/b.txt", ["**/*.py"])
    )
    assert matches("x/tests/test_a.py", ["*/tests/*"]) and matches(".venv/lib/x.py", [".venv/*"])


MAPPED = {
    "pkg/__init__.py": "from pkg.core import add\n",
    "pkg/core.py": (
        "def add(a, b):\n    return a + b\n\n\ndef scale(x, k=2):\n    return x * k\n\n\n"
        "class Calc:\n    def total(self, *xs):\n        return sum(xs)\n"
    ),
    "tests/test_core.py": (
        "import pytest\n"
        "import pkg.core as c\n"
        "from pkg import add\n"
        "from pkg.core import Calc\n\n\n"
        "def _twice(x):\n    return c.scale(x)\n\n\n"
        "def test_add_reexported():\n    assert add(1, 2) == 3\n\n\n"
        "@pytest.mark.parametrize('x, y', [(1, 2)])\n"
        "def test_helper_and_params(x, y, tmp_path):\n    assert _twice(x) == y\n\n\n"
        "def test_instances(monkeypatch):\n    calc = Calc()\n"
        "    assert calc.total(1, 2) == 3 and c.Calc().total() == 0\n\n\n"
        "def test_stdlib_only():\n    assert sorted([2, 1]) == [1, 2]\n\n\n"
        "class TestLocalImport:\n    def test_inside(self):\n        from pkg.core import scale\n"
        "        assert scale(2, k=3) == 6\n"
    ),
    "tests/calc_test.py": "from pkg.core import add\n\n\ndef test_other_pattern():\n    assert add(0, 0) == 0\n",
}


def test_tests_map_to_what_they_call(tmp_path):
    repo = make_repo(tmp_path / "repo", MAPPED)
    commit = git(repo, "rev-parse", "HEAD")
    stats = Counter()
    pairs = list(read_test_pairs(repo, stats=stats))

    def target(qualname: str, line: int) -> tuple[str, str, str]:
        return ("pkg.core", qualname, f"pkg/core.py@{commit}:{line}")

    got = {
        p["test"]["qualname"]: (
            [(t["module"], t["qualname"], t["where"]) for t in p["targets"]],
            p["fixtures"],
            p["params"],
        )
        for p in pairs
    }
    assert got == {
        "test_other_pattern": ([target("add", 1)], [], []),
        "test_add_reexported": ([target("add", 1)], [], []),
        "test_helper_and_params": ([target("scale", 5)], ["tmp_path"], ["x", "y"]),
        "test_instances": ([target("Calc", 9), target("Calc.total", 10)], ["monkeypatch"], []),
        "TestLocalImport.test_inside": ([target("scale", 5)], [], []),
    }
    inside = next(p for p in pairs if p["test"]["name"] == "test_inside")["test"]
    assert inside["where"] == f"tests/test_core.py@{commit}:30"
    assert inside["source"].startswith("def test_inside(self):")
    assert stats == {"tests": 6, "mapped": 5, "unmapped": 1}
    unmapped = [p for p in read_test_pairs(repo, unmapped=True) if not p["targets"]]
    assert [p["test"]["qualname"] for p in unmapped] == ["test_stdlib_only"]


def test_known_pairs_of_this_repo():
    stats = Counter()
    pairs = {
        (p["test"]["path"], p["test"]["qualname"]): p for p in read_test_pairs(ROOT, stats=stats)
    }
    assert (
        stats["tests"] == stats["mapped"] + stats["unmapped"] and stats["mapped"] == len(pairs) > 20
    )

    def targets(path: str, test: str) -> list[str]:
        return [f"{t['module']}.{t['qualname']}" for t in pairs[(path, test)]["targets"]]

    # checked by hand against the test files
    nothing_usable = pairs[
        ("tests/teacher/test_extract.py", "test_extract_json_raises_when_nothing_usable")
    ]
    assert targets(
        "tests/teacher/test_extract.py", "test_extract_json_raises_when_nothing_usable"
    ) == ["factory.teacher.extract.extract_json"]
    assert (nothing_usable["fixtures"], nothing_usable["params"]) == ([], ["reply"])
    assert nothing_usable["targets"][0]["where"] == where_in_this_repo(
        "factory/teacher/extract.py", "def extract_json("
    )
    # `from pipelines.rem_queries import rem`, then rem.parse(...)
    assert targets(
        "tests/pipelines/test_rem.py", "test_good_queries_parse_to_exact_parameters"
    ) == ["pipelines.rem_queries.rem.parse"]
    # cache = ResponseCache(...); cache.get(...), cache.put(...): methods through the object
    cache = pairs[("tests/teacher/test_cache.py", "test_cache_roundtrip_persists_and_counts")]
    assert {
        "factory.teacher.cache.ResponseCache",
        "factory.teacher.cache.ResponseCache.get",
        "factory.teacher.cache.ResponseCache.put",
    } <= set(targets("tests/teacher/test_cache.py", "test_cache_roundtrip_persists_and_counts"))
    assert cache["fixtures"] == ["tmp_path"]
    # an import inside the test body
    assert targets(
        "tests/teacher/test_extract.py", "test_lone_surrogate_escapes_become_replacement_characters"
    ) == ["factory.teacher.task.parse_variations"]
