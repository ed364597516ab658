"""code_tests: the tester and coder agents of seed 004, from a real Python checkout and its pytest tests.

A record's output is {"agent": "tester"|"coder", "code": "<python>"}; labels agent and module.
- `source_seeds(config, count, random_seed)`: seeds from the checkouts in config["paths"]
  (default: recipe.yaml `source.repo`, relative to the factory's own checkout), tester and
  coder seeds alternating, each checked with `validate` first: a seed that fails is a
  Rejected with the reason (e.g. a real test that needs the network). Provenance origin
  `repo`, source `path@commit:line`; `context`: what the teacher and the checks need.
- `user_seed(obj)`: {"agent": ..., "module": ..., "name": ..., "repo"?} picks that seed.
- `make_answer(reply, seed)`: the teacher's ```python block as the seed's output.
- `validate(record)`: the code parses (`code_syntax_error`); tester: it uses the function
  (`code_misses_target`), passes against the real one (`code_test_failed`, `code_no_tests`,
  `code_timeout`) and fails when the function only raises (`code_test_vacuous`); coder: it
  defines the function with the same parameters (`code_wrong_signature`), passes the
  function's real tests and its docstring's doctest examples with the rewrite swapped in
  (`code_test_failed`, `code_timeout`), and behaves like the original on the tests' and the
  examples' inputs and on inputs generated from its annotations (behaviour.py:
  `code_behaviour_differs`, with the input). No check, no claim: a coder record that nothing
  but its signature checks is `code_untested` (recipe.yaml `source.untested: label` keeps it);
  a kept record's `checks.validator` names what ran and passed (tests, differential inputs) or
  says "none".
Everything runs in pipelines/code_tests/sandbox.py; nothing here imports the checked code.
"""

from __future__ import annotations

import ast
import copy
import functools
import random
import re
from itertools import zip_longest
from pathlib import Path
from typing import Any, Iterator

from factory import ROOT
from factory.record import Rejected
from factory.sources.repo import open_checkout
from pipelines.code_tests import behaviour, sandbox, seeds

LABELS = ("agent", "module")
# a fence opens and closes at the start of a line: code may hold ``` inside its strings
_BLOCK = re.compile(
    r"^[ \t]*```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:^[ \t]*```[ \t]*$|\Z)", re.S | re.M
)


def extract_code(reply: str | None, *, strict: bool = True) -> str | None:
    """The Python of a reply: its ```python blocks joined (else its unlabelled blocks); without any block, the
    whole reply unless `strict`. None when there is nothing."""
    blocks = [(lang.lower(), body) for lang, body in _BLOCK.findall(reply or "")]
    code = [body for lang, body in blocks if lang in ("python", "py", "python3")] or [
        body for lang, body in blocks if not lang
    ]
    text = (
        "\n\n".join(part.strip("\n") for part in code)
        if code
        else ("" if strict else (reply or ""))
    )
    return text.strip("\n") + "\n" if text.strip() else None


def labels(output: dict) -> dict:
    """agent, and the module a tester's code imports from first (a coder's code names no module: "")."""
    module = ""
    try:
        for node in ast.walk(ast.parse(output["code"])):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and not node.level
                and node.module != "pytest"
            ):
                module = node.module
                break
    except SyntaxError:
        pass
    return {"agent": output["agent"], "module": module if output["agent"] == "tester" else ""}


def _repos(config: dict) -> list[Path]:
    if config.get("paths"):
        return [Path(p).expanduser().resolve() for p in config["paths"]]
    return [(ROOT / str(config.get("repo", "."))).resolve()]


def _ordered(repo: Path, random_seed: int) -> tuple[list[list[dict]], list[Rejected]]:
    """A repo's seeds as lists of alternatives, tester and coder alternating, shuffled by `random_seed`."""
    testers, coders, skipped = seeds.candidates(repo)
    rng = random.Random(random_seed)
    rng.shuffle(testers)
    tested = [
        c
        for c in coders
        if c["context"]["tests"] or c["context"]["doctest"] or c["context"]["examples"]
    ]
    untested = [c for c in coders if c not in tested]
    rng.shuffle(tested)
    rng.shuffle(untested)
    coder_lists = [[c] for c in tested + untested]
    mixed = [group for pair in zip_longest(testers, coder_lists) for group in pair if group]
    return mixed, skipped


UNTESTED = ("reject", "label")


def _seed_problem(seed: dict) -> tuple[str, str] | None:
    """The seed's own code through its checks. A coder seed whose docstring examples or differential inputs fail
    on the original itself (stale docs, randomness) loses those checks, not the seed; its real tests must pass."""
    problem = validate(_as_record(seed))
    context = seed["context"]
    if (
        problem is None
        or context["agent"] != "coder"
        or problem[0] not in ("code_test_failed", "code_behaviour_differs")
    ):
        return problem
    outcome = _sandbox(
        context,
        check_files(context),
        sandbox.Swap(context["module"], context["qualname"], seed["output"]["code"]),
    )
    failing = {test.partition("::")[0] for test, _ in outcome.failures}
    if failing - {behaviour.DOCTEST_FILE, behaviour.DIFFERENTIAL_FILE}:
        return problem
    if behaviour.DOCTEST_FILE in failing:
        context["doctest"] = None
    if behaviour.DIFFERENTIAL_FILE in failing:
        context["examples"], context["generated"] = [], False
    return validate(_as_record(seed))


def source_seeds(config: dict, count: int, random_seed: int) -> Iterator[dict | Rejected]:
    timeout = float(config.get("timeout_s", sandbox.TIMEOUT_S))
    untested = config.get("untested", "reject")
    if untested not in UNTESTED:
        raise ValueError(
            f"recipe.yaml source.untested: {untested!r} is not one of {', '.join(UNTESTED)}"
        )
    queues = []
    for repo in _repos(config):
        if not repo.is_dir():
            yield Rejected.at(
                str(repo),
                "source_missing",
                "no such folder (a checkout of Python code is expected)",
            )
            continue
        groups, skipped = _ordered(repo, random_seed)
        yield from skipped
        queues.append(iter(groups))
    made = 0
    while queues and made < count:  # round-robin over the repos
        for queue in list(queues):
            group = next(queue, None)
            if group is None:
                queues.remove(queue)
                continue
            for seed in group:  # the first alternative that passes its own checks
                seed["context"]["timeout_s"], seed["context"]["untested"] = timeout, untested
                problem = _seed_problem(seed)
                if problem is None:
                    yield seed
                    made += 1
                    break
                yield Rejected.at(seed["provenance"]["source"], problem[0], one_line(problem[1]))
            if made >= count:
                return


def one_line(detail: str) -> str:
    """pytest's output in a line: its first FAILED/ERROR summary, else its first error line, else its last line."""
    lines = [line.strip() for line in detail.splitlines() if line.strip()]
    found = (
        [line for line in lines if line.startswith(("FAILED ", "ERROR "))]
        or [line for line in lines if line.startswith("E ")]
        or lines[-1:]
    )
    return found[0][:300] if found else ""


def _as_record(seed: dict) -> dict:
    return {**seed, "provenance": {**seed["provenance"], "context": seed["context"]}}


@functools.lru_cache(maxsize=8)
def _seeds_of(repo: Path, commit: str | None) -> dict[tuple[str, str, str], list[dict]]:
    testers, coders, _ = seeds.candidates(repo)
    found: dict[tuple[str, str, str], list[dict]] = {}
    for seed in [s for group in testers for s in group] + coders:
        context = seed["context"]
        found.setdefault((context["agent"], context["module"], context["name"]), []).append(seed)
    return found


def user_seed(obj: Any) -> dict:
    """A seed named in a --seeds line: {"agent": "tester"|"coder", "module": "pkg.mod", "name": "f", "repo"?: path}."""
    if (
        not isinstance(obj, dict)
        or obj.get("agent") not in ("tester", "coder")
        or not all(isinstance(obj.get(key), str) for key in ("module", "name"))
    ):
        raise ValueError(
            'each line needs {"agent": "tester"|"coder", "module": "pkg.mod", "name": "function"}'
        )
    repo = _repos({"paths": [obj["repo"]]} if obj.get("repo") else {})[0]
    found = _seeds_of(repo, open_checkout(repo).commit).get(
        (obj["agent"], obj["module"], obj["name"])
    )
    if not found:
        raise ValueError(
            f"{repo} has no {obj['agent']} seed for {obj['module']}.{obj['name']} (a top-level function; "
            "tester: with a test that calls only it; coder: small, documented, pure-ish)"
        )
    seed = copy.deepcopy(found[0])
    return {
        "input": seed["input"],
        "output": seed["output"],
        "labels": seed["labels"],
        "context": seed["context"],
    }


def make_answer(reply: str, seed: dict) -> dict:
    code = extract_code(reply)
    if code is None:
        raise ValueError("no ```python block in the reply")
    agent = seed["output"]["agent"]
    return {
        "input": seed["input"],
        "output": {"agent": agent, "code": code},
        "labels": {"agent": agent, "module": seed["context"]["module"]},
    }


def student_answer(record: dict) -> str:
    return f"```python\n{record['output']['code'].rstrip()}\n```"


def _sandbox(
    context: dict, files: dict[str, str], swap: sandbox.Swap | None = None
) -> sandbox.Outcome:
    return sandbox.run_pytest(
        files,
        repo=context["repo"],
        pythonpath=context.get("pythonpath", []),
        swap=swap,
        timeout=float(context.get("timeout_s", sandbox.TIMEOUT_S)),
    )


def _problem(outcome: sandbox.Outcome) -> tuple[str, str] | None:
    if outcome.status == "passed":
        return None
    reason = {"failed": "code_test_failed", "no_tests": "code_no_tests", "timeout": "code_timeout"}[
        outcome.status
    ]
    return reason, outcome.tail


def _check_tests(code: str, tree: ast.Module, context: dict) -> tuple[str, str] | dict:
    name = context["name"]
    used = any(
        isinstance(n, ast.Name)
        and n.id == name
        or isinstance(n, ast.Attribute)
        and n.attr == name
        or isinstance(n, ast.alias)
        and n.name.rpartition(".")[2] == name
        for n in ast.walk(tree)
    )
    if not used:
        return "code_misses_target", f"the tests never use {name}"
    files = {"test_generated.py": code}
    outcome = _sandbox(context, files)
    problem = _problem(outcome)
    if problem is not None:
        return problem
    stub = f"def {name}(*args, **kwargs):\n    raise NotImplementedError('the sandbox replaced {name}')\n"
    stubbed = _sandbox(context, files, sandbox.Swap(context["module"], context["qualname"], stub))
    if stubbed.ok:
        return (
            "code_test_vacuous",
            f"the tests also pass when {name} only raises NotImplementedError",
        )
    return {
        "tests": list(outcome.passed_names),
        "fail_when_stubbed": [name for name, _ in stubbed.failures],
    }


def check_files(context: dict) -> dict[str, str]:
    """Every check file a coder answer runs with: the real tests, the docstring examples, the differential inputs."""
    files = {test["file"]: test["code"] for test in context.get("tests") or []}
    if (doctest := behaviour.doctest_file(context)) is not None:
        files[behaviour.DOCTEST_FILE] = doctest
    files[behaviour.DIFFERENTIAL_FILE] = behaviour.differential_file(context)
    return files


def _evidence(outcome: sandbox.Outcome) -> dict:
    """What ran and passed, by kind: no kind is claimed that did not run."""
    differential = [n for n in outcome.passed_names if n.startswith(behaviour.DIFFERENTIAL_FILE)]
    tests = [n for n in outcome.passed_names if n not in differential]
    generated = sum(n.endswith("::test_generated_inputs") for n in differential)
    return {
        "signature": "ok",
        "tests": tests or "none",
        "differential": {
            "inputs": len(differential) - generated,
            "generated": f"{behaviour.GENERATED_EXAMPLES} hypothesis examples"
            if generated
            else "none",
        }
        if differential
        else "none",
    }


def _check_function(code: str, tree: ast.Module, context: dict) -> tuple[str, str] | dict:
    name = context["name"]
    node = seeds.function_node(code, name)
    if node is None:
        return "code_wrong_signature", f"the code defines no top-level function {name}"
    if seeds.parameters(node) != context["params"]:
        return (
            "code_wrong_signature",
            f"def {seeds.parameters(node)} but the task is def {context['params']}",
        )
    outcome = _sandbox(
        context, check_files(context), sandbox.Swap(context["module"], context["qualname"], code)
    )
    differs = [
        message
        for test, message in outcome.failures
        if test.startswith(behaviour.DIFFERENTIAL_FILE)
    ]
    others = [
        test for test, _ in outcome.failures if not test.startswith(behaviour.DIFFERENTIAL_FILE)
    ]
    if differs and not others:
        return "code_behaviour_differs", differs[0].removeprefix("AssertionError: ").split(
            "\nassert "
        )[0]
    if outcome.status not in ("passed", "no_tests"):
        return _problem(outcome)
    evidence = _evidence(outcome)
    if evidence["tests"] == "none" and evidence["differential"] == "none":
        if context.get("untested", "reject") != "label":
            return "code_untested", (
                f"no test, docstring example or comparable input checks {name}: only its "
                "signature was checked (recipe.yaml source.untested: label keeps it, labelled)"
            )
    return evidence


def validate(record: dict) -> tuple[str, str] | None:
    output = record["output"]
    try:
        tree = ast.parse(output["code"])
    except SyntaxError as exc:
        return "code_syntax_error", f"line {exc.lineno}: {exc.msg}"
    except ValueError as exc:  # NUL bytes
        return "code_syntax_error", str(exc)
    context = (record.get("provenance") or {}).get("context") or {}
    if not context.get("repo") or context.get("agent") != output["agent"]:
        return (
            "code_no_context",
            "provenance.context does not name the repo and function this code is checked against",
        )
    check = _check_tests if output["agent"] == "tester" else _check_function
    found = check(output["code"], tree, context)
    if isinstance(found, tuple):
        return found
    record["checks"] = {
        **(record.get("checks") or {}),
        "validator": found,
    }  # a new dict: callers' copies stay as they were
    return None
