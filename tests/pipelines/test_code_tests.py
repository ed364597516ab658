"""code_tests: the sandbox (pass, fail, timeout, CPU limit, no network, read-only repo), the validator on hand-made
tester and coder records, seeds from a small git repo and from this project's own checkout, metrics on hand-made
replies, the test-module reducer, and the recipe's config and prompts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from jinja2 import Environment, StrictUndefined

from factory.recipes import load_recipe
from factory.record import Rejected
from factory.stages.validate import schema_validator
from pipelines.code_tests import recipe, sandbox
from pipelines.code_tests.metrics import score
from pipelines.code_tests.testfile import reduce_test_module

ROOT = Path(__file__).resolve().parents[2]
CALC = '''"""Tiny arithmetic."""


def add(a: int, b: int) -> int:
    """Return the sum of a and b."""
    return a + b


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    """Limit value to the range [low, high]."""
    return max(low, min(high, value))
'''
CALC_TESTS = '''"""Tests of mini.calc."""

import pytest

from mini.calc import add, clamp


def test_add():
    assert add(2, 3) == 5


@pytest.mark.parametrize("value, expected", [(-1, 0.0), (0.5, 0.5), (2, 1.0)])
def test_clamp(value, expected):
    assert clamp(value) == expected
'''


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> Path:
    """A git checkout of a two-function package and its tests."""
    repo = tmp_path_factory.mktemp("mini")
    for rel, text in {
        "mini/__init__.py": "",
        "mini/calc.py": CALC,
        "tests/test_calc.py": CALC_TESTS,
    }.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "x"]):
        subprocess.run(
            ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@localhost", *args],
            check=True,
            capture_output=True,
        )
    return repo


@pytest.fixture(scope="module")
def mini_seeds(mini) -> dict[tuple[str, str], dict]:
    found = list(recipe.source_seeds({"paths": [str(mini)]}, 10, 0))
    assert not [s for s in found if isinstance(s, Rejected)]
    return {(s["context"]["agent"], s["context"]["name"]): s for s in found}


def with_code(seed: dict, code: str, **context) -> dict:
    """A record made from a seed, with other code (as the teacher or a student might write it)."""
    return {
        "input": seed["input"],
        "output": {"agent": seed["output"]["agent"], "code": code},
        "labels": seed["labels"],
        "provenance": {**seed["provenance"], "context": {**seed["context"], **context}},
    }


def test_seeds_of_a_small_repo(mini, mini_seeds):
    commit = subprocess.run(
        ["git", "-C", str(mini), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert sorted(mini_seeds) == [
        ("coder", "add"),
        ("coder", "clamp"),
        ("tester", "add"),
        ("tester", "clamp"),
    ]
    tester = mini_seeds[("tester", "add")]
    assert tester["output"] == {
        "agent": "tester",
        "code": "from mini.calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
    }
    assert tester["provenance"] == {"origin": "repo", "source": f"tests/test_calc.py@{commit}:8"}
    assert tester["labels"] == {"agent": "tester", "module": "mini.calc"}
    assert "```python\ndef add(a: int, b: int) -> int:\n" in tester["input"]
    coder = mini_seeds[("coder", "clamp")]
    assert coder["output"]["code"] == CALC.split("\n\n\n")[2]
    assert coder["provenance"]["source"] == f"mini/calc.py@{commit}:9"
    assert coder["context"]["params"] == "clamp(value, low=..., high=...)"
    assert [t["where"] for t in coder["context"]["tests"]] == [f"tests/test_calc.py@{commit}:13"]
    assert (
        "def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:" in coder["input"]
    )
    assert "return max" not in coder["input"]  # the task, not the answer
    assert all(
        recipe.validate(with_code(s, s["output"]["code"])) is None for s in mini_seeds.values()
    )


def test_tester_records(mini_seeds):
    seed = mini_seeds[("tester", "add")]
    good = "from mini.calc import add\n\n\ndef test_sums():\n    assert add(1, 2) == 3\n    assert add(-1, 1) == 0\n"
    assert recipe.validate(with_code(seed, good)) is None
    reason, detail = recipe.validate(with_code(seed, good.replace("== 3", "== 4")))
    assert reason == "code_test_failed" and "assert 3 == 4" in detail and "1 failed" in detail
    assert (
        recipe.one_line(detail) == "FAILED test_generated.py::test_sums - assert 3 == 4"
    )  # how a seed's skip reads
    assert recipe.validate(with_code(seed, "def test_x(:\n    pass\n")) == (
        "code_syntax_error",
        "line 1: invalid syntax",
    )
    assert (
        recipe.validate(with_code(seed, "from mini.calc import add\n\nVALUE = add(1, 1)\n"))[0]
        == "code_no_tests"
    )
    assert recipe.validate(with_code(seed, "def test_x():\n    assert 1 + 2 == 3\n")) == (
        "code_misses_target",
        "the tests never use add",
    )
    assert recipe.validate(
        with_code(seed, "from mini.calc import add\n\n\ndef test_x():\n    assert add\n")
    ) == ("code_test_vacuous", "the tests also pass when add only raises NotImplementedError")
    loop = (
        "from mini.calc import add\n\n\ndef test_forever():\n    while True:\n        add(1, 2)\n"
    )
    reason, detail = recipe.validate(with_code(seed, loop, timeout_s=3))
    assert (reason, detail.splitlines()[0]) == (
        "code_timeout",
        "killed after 3 s of wall-clock time",
    )
    no_context = {**with_code(seed, good), "provenance": {"origin": "teacher"}}
    assert recipe.validate(no_context)[0] == "code_no_context"


def test_coder_records(mini_seeds):
    seed = mini_seeds[("coder", "clamp")]
    rewrite = (
        "def clamp(value, low=0.0, high=1.0):\n    if value < high:\n        high = value\n"
        "    if high > low:\n        return high\n    return low\n"
    )  # max(low, min(high, value)) to the letter
    assert recipe.validate(with_code(seed, rewrite)) is None
    reason, detail = recipe.validate(with_code(seed, rewrite.replace("return low", "return high")))
    assert reason == "code_test_failed" and "test_clamp[-1-0.0]" in detail
    assert recipe.validate(with_code(seed, "def clamp(value, low=0.0):\n    return value\n")) == (
        "code_wrong_signature",
        "def clamp(value, low=...) but the task is def clamp(value, low=..., high=...)",
    )
    assert recipe.validate(with_code(seed, "def limit(value):\n    return value\n")) == (
        "code_wrong_signature",
        "the code defines no top-level function clamp",
    )
    untested = with_code(seed, "def clamp(value, low=0.0, high=1.0):\n    return 42\n", tests=[])
    reason, detail = recipe.validate(
        untested
    )  # without real tests: inputs generated from its annotations
    assert reason == "code_behaviour_differs" and detail.startswith("differs on clamp(")
    reason, _ = recipe.validate(
        with_code(
            seed,
            "def clamp(value, low=0.0, high=1.0):\n    return 42\n",
            tests=[],
            examples=[],
            generated=False,
        )
    )
    assert reason == "code_untested"  # nothing checks it: no claim


NETWORK = """import socket


def test_reaches_out():
    socket.create_connection(("1.1.1.1", 80), timeout=5).close()
"""
LOOPBACK = """import socket
import threading


def test_loopback_works():
    server = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=lambda: server.accept()[0].sendall(b"hi"), daemon=True).start()
    with socket.create_connection(server.getsockname(), timeout=5) as client:
        assert client.recv(2) == b"hi"
"""


@pytest.mark.parametrize(
    "mode, message",
    [
        ("namespaces", "Network is unreachable"),
        ("guard", "sandbox: network access to 1.1.1.1:80 is blocked"),
    ],
)
def test_no_network_but_loopback(mode, message, mini):
    if mode == "namespaces" and sandbox.isolation() != "namespaces":
        pytest.skip("unprivileged user namespaces are not available on this machine")
    outcome = sandbox.run_pytest({"test_net.py": NETWORK}, repo=mini, network=mode)
    assert outcome.status == "failed" and message in outcome.tail
    assert sandbox.run_pytest({"test_lo.py": LOOPBACK}, repo=mini, network=mode).status == "passed"


def test_the_repo_and_the_rest_of_the_disk_are_read_only(mini):
    if sandbox.isolation() != "namespaces":
        pytest.skip("read-only mounts need namespaces")
    code = f"def test_write():\n    open({str(mini / 'mini' / 'planted.py')!r}, 'w').write('x')\n"
    outcome = sandbox.run_pytest({"test_w.py": code}, repo=mini)
    assert outcome.status == "failed" and "Read-only file system" in outcome.tail
    assert not (mini / "mini" / "planted.py").exists()
    scratch = (
        "def test_scratch(tmp_path):\n    (tmp_path / 'f').write_text('ok')\n"
        "    assert (tmp_path / 'f').read_text() == 'ok'\n"
    )
    assert sandbox.run_pytest({"test_s.py": scratch}, repo=mini).ok


def test_cpu_limit_and_environment(mini, monkeypatch):
    spin = "def test_spin():\n    while True:\n        pass\n"
    outcome = sandbox.run_pytest({"test_spin.py": spin}, repo=mini, cpu_seconds=1, timeout=60)
    assert outcome.status == "timeout" and outcome.tail.startswith("killed at the CPU limit of 1 s")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-for-tests")
    env = "import os\n\n\ndef test_env():\n    assert 'OPENAI_API_KEY' not in os.environ\n"
    assert sandbox.run_pytest({"test_env.py": env}, repo=mini).ok


def test_metrics_on_hand_made_replies(mini_seeds):
    validator = schema_validator(load_recipe("code_tests"))
    tester, coder = (
        with_code(seed, seed["output"]["code"])
        for seed in (mini_seeds["tester", "clamp"], mini_seeds["coder", "add"])
    )
    tests = "from mini.calc import clamp\n\n\ndef test_clamp():\n    assert clamp(5) == 1.0\n"
    assert score(f"Here you are:\n```python\n{tests}```\n", tester, validator) == {
        "parse": 1.0,
        "pass": 1.0,
    }
    assert score(tests.replace("== 1.0", "== 5"), tester, validator) == {
        "parse": 1.0,
        "pass": 0.0,
    }  # no fence: parsed
    assert score("```python\ndef test_clamp(:\n```", tester, validator) == {
        "parse": 0.0,
        "pass": 0.0,
    }
    assert score("I cannot write tests.", tester, validator) == {"parse": 0.0, "pass": 0.0}
    assert score(None, tester, validator) == {"parse": 0.0, "pass": 0.0}
    assert score("```python\ndef add(a, b):\n    return b + a\n```", coder, validator) == {
        "parse": 1.0,
        "pass": 1.0,
    }
    assert score("```python\ndef add(a, b):\n    return a - b\n```", coder, validator) == {
        "parse": 1.0,
        "pass": 0.0,
    }
    assert score("```python\ndef add(a):\n    return a\n```", coder, validator) == {
        "parse": 1.0,
        "pass": 0.0,
    }


def test_make_answer_user_seed_and_student_answer(mini, mini_seeds):
    seed = mini_seeds[("coder", "add")]
    shown = {key: seed[key] for key in ("input", "output", "labels", "context")}
    made = recipe.make_answer(
        "Sure.\n```python\ndef add(a, b):\n    return a + b\n```\nDone.", shown
    )
    assert made == {
        "input": seed["input"],
        "output": {"agent": "coder", "code": "def add(a, b):\n    return a + b\n"},
        "labels": {"agent": "coder", "module": "mini.calc"},
    }
    with pytest.raises(ValueError, match="no ```python block"):
        recipe.make_answer("def add(a, b): return a + b", shown)
    assert recipe.student_answer(made) == "```python\ndef add(a, b):\n    return a + b\n```"
    picked = recipe.user_seed(
        {"agent": "tester", "module": "mini.calc", "name": "clamp", "repo": str(mini)}
    )
    assert picked["output"] == mini_seeds[("tester", "clamp")]["output"] and picked["context"][
        "repo"
    ] == str(mini)
    with pytest.raises(ValueError, match="has no coder seed for mini.calc.nope"):
        recipe.user_seed(
            {"agent": "coder", "module": "mini.calc", "name": "nope", "repo": str(mini)}
        )
    with pytest.raises(ValueError, match="each line needs"):
        recipe.user_seed({"agent": "reviewer"})


def test_reduce_test_module_keeps_what_the_test_uses():
    text = (
        '"""Doc."""\nimport os\nimport pytest\nfrom a import b, c\n\nDATA = [1]\nUNUSED = 2\n\n\n'
        "@pytest.fixture(autouse=True)\ndef env(monkeypatch):\n    monkeypatch.setenv('X', '1')\n\n\n"
        "def _helper():\n    return DATA\n\n\ndef test_one():\n    assert b(_helper())\n\n\n"
        "def test_two():\n    assert c(os.sep)\n\n\n"
        "class TestGroup:\n    def test_a(self):\n        assert c(1)\n\n"
        "    def test_b(self):\n        assert b(2)\n"
    )
    assert reduce_test_module(text, ["test_one"]) == (
        "import pytest\nfrom a import b\n\n\nDATA = [1]\n\n\n@pytest.fixture(autouse=True)\ndef env(monkeypatch):\n"
        "    monkeypatch.setenv('X', '1')\n\n\ndef _helper():\n    return DATA\n\n\n"
        "def test_one():\n    assert b(_helper())\n"
    )
    assert reduce_test_module(text, ["TestGroup.test_b"]).endswith(
        "class TestGroup:\n\n    def test_b(self):\n        assert b(2)\n"
    )


def test_recipe_config_and_prompts_render(mini_seeds):
    config = load_recipe("code_tests")
    assert (config.teacher_mode, config.kind, config.pii_policy) == ("answer", "code_pair", "drop")
    assert config.stages == ["seeds", "scrub", "generate", "scrub", "dedup", "validate"]
    env = Environment(undefined=StrictUndefined)
    for seed in mini_seeds.values():
        shown = {
            "input": seed["input"],
            "output": seed["output"],
            "labels": seed["labels"],
            "context": seed["context"],
        }
        prompt = env.from_string(config.prompt.read_text()).render(seed=shown, n=1)
        assert prompt.startswith(seed["input"] + "\n")
        name = seed["context"]["name"]
        assert (f"import it as `from mini.calc import {name}`" in prompt) == (
            seed["output"]["agent"] == "tester"
        )
        assert ("replaces the original in module `mini.calc`" in prompt) == (
            seed["output"]["agent"] == "coder"
        )
    assert "```python" in env.from_string(config.system_prompt.read_text()).render(seed={}, n=1)


@pytest.fixture(scope="module")
def own_seeds() -> list:
    return list(recipe.source_seeds({"paths": [str(ROOT)]}, 10, 0))


def test_ten_seeds_from_this_checkout(own_seeds):
    seeds = [s for s in own_seeds if not isinstance(s, Rejected)]
    assert len(seeds) == 10
    assert {s["output"]["agent"] for s in seeds} == {"tester", "coder"}
    validator = schema_validator(load_recipe("code_tests"))
    for seed in seeds:
        assert seed["provenance"]["origin"] == "repo"
        assert re.fullmatch(r"[\w/.-]+\.py@[0-9a-f]{40}(-dirty)?:\d+", seed["provenance"]["source"])
        assert (
            seed["context"]["repo"] == str(ROOT)
            and seed["labels"]["agent"] == seed["output"]["agent"]
        )
        assert list(validator.iter_errors(seed["output"])) == []
        assert recipe.validate(with_code(seed, seed["output"]["code"])) is None
    for skipped in (
        s for s in own_seeds if isinstance(s, Rejected)
    ):  # a real test that cannot run in the sandbox
        assert skipped.reason.startswith("code_") and re.search(r"@[0-9a-f]{40}", skipped.where)
        assert "\n" not in skipped.detail
