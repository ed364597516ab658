"""code_tests checks that really check, on a tiny package (tests/pipelines/fixtures/code_links): tests linked through a
star re-export, a module alias, a unittest class, a parametrized test and a doctest; `return 42` and a behaviour-
changing answer rejected; a correct answer kept with the names of the checks that ran; untested seeds rejected or
labelled; mutants made and caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from factory.record import Rejected
from factory.sources.repo import read_test_pairs
from pipelines.code_tests import recipe
from pipelines.code_tests.linking import link_share
from pipelines.code_tests.mutants import mutants

FIXTURE = Path(__file__).parent / "fixtures" / "code_links"


@pytest.fixture(scope="module")
def shapes(tmp_path_factory) -> Path:
    """The fixture package, its suite under tests/test_*.py (a folder, not a git checkout: walked)."""
    root = tmp_path_factory.mktemp("shapes")
    shutil.copytree(FIXTURE / "shapes", root / "shapes")
    (root / "tests").mkdir()
    for name in ("star", "unit"):
        shutil.copy(FIXTURE / "suite" / f"{name}.py", root / "tests" / f"test_{name}.py")
    return root


@pytest.fixture(scope="module")
def shapes_seeds(shapes) -> tuple[dict[tuple[str, str], dict], list[Rejected]]:
    found = list(recipe.source_seeds({"paths": [str(shapes)]}, 20, 0))
    kept = {
        (s["context"]["agent"], s["context"]["name"]): s
        for s in found
        if not isinstance(s, Rejected)
    }
    return kept, [s for s in found if isinstance(s, Rejected)]


def with_code(seed: dict, code: str, **context) -> dict:
    return {
        "input": seed["input"],
        "output": {"agent": seed["output"]["agent"], "code": code},
        "labels": seed["labels"],
        "provenance": {**seed["provenance"], "context": {**seed["context"], **context}},
    }


def test_tests_link_through_star_alias_unittest_and_parametrize(shapes):
    got = {
        p["test"]["qualname"]: [(t["module"], t["qualname"], t["calls"]) for t in p["targets"]]
        for p in read_test_pairs(shapes)
    }
    assert got == {
        "test_flatten": [
            ("shapes.core", "flatten", ["[[1], [2, 3]]", "[]"])
        ],  # `import shapes as sh`, star re-export
        "test_area": [
            ("shapes.core", "area", ["2, 3", "-1, 5"])
        ],  # parametrized: one text per case
        "test_clip_alias": [
            ("shapes.more", "clip", ["5, 0, 3", "-1, 0, 3", "2, 0, 3"])
        ],  # from shapes import more
        "BoxCase.test_grow": [
            ("shapes.core", "Box.grow", ["3"]),
            ("shapes.core", "Box", ["2"]),
        ],  # unittest class
        "BoxCase.test_sign": [
            ("shapes.core", "sign", ["-3"])
        ],  # also only named: assertRaises(ValueError, sign, "x")
    }
    links = link_share(
        shapes
    )  # not_exported is outside core's __all__; shout is linked by its doctest
    assert {
        key: links[key] for key in ("public", "linked", "by_tests", "by_doctest", "unlinked")
    } == {
        "public": 6,
        "linked": 5,
        "by_tests": 4,
        "by_doctest": 1,
        "unlinked": ["shapes.core.untested_fn"],
    }


def test_seeds_carry_their_checks_and_untested_ones_are_rejected(shapes_seeds):
    kept, skipped = shapes_seeds
    assert sorted(n for a, n in kept if a == "coder") == [
        "area",
        "clip",
        "flatten",
        "shout",
        "sign",
    ]
    assert kept[("coder", "shout")]["context"]["doctest"]["text"].startswith("Upper-case s")
    assert kept[("coder", "shout")]["context"]["examples"] == ["'hi'"]
    assert {(s.where, s.reason) for s in skipped} == {
        ("shapes/core.py:26", "code_untested"),
        ("shapes/core.py:31", "code_untested"),
    }
    assert "recipe.yaml source.untested: label" in skipped[0].detail
    with pytest.raises(ValueError, match="source.untested: 'maybe' is not one of reject, label"):
        next(recipe.source_seeds({"paths": ["."], "untested": "maybe"}, 1, 0))


def test_a_correct_answer_is_kept_with_the_names_of_its_checks(shapes_seeds):
    seed = shapes_seeds[0][("coder", "flatten")]
    record = with_code(
        seed,
        "def flatten(list_of_lists):\n    return [x for part in list_of_lists for x in part]\n",
    )
    assert recipe.validate(record) is None
    assert record["checks"]["validator"] == {
        "signature": "ok",
        "tests": ["test_0_test_star.py::test_flatten"],
        "differential": {"inputs": 2, "generated": "none"},
    }
    tester = shapes_seeds[0][("tester", "sign")]
    record = with_code(tester, tester["output"]["code"])
    assert recipe.validate(record) is None
    assert record["checks"]["validator"] == {
        "tests": ["test_generated.py::BoxCase::test_sign"],
        "fail_when_stubbed": ["test_generated.py::BoxCase::test_sign"],
    }


def test_made_up_answers_are_rejected(shapes_seeds):
    seed = shapes_seeds[0][("coder", "flatten")]
    made_up = "def flatten(list_of_lists):\n    return 42\n"
    assert recipe.validate(with_code(seed, made_up))[0] == "code_test_failed"  # its real test
    assert recipe.validate(
        with_code(seed, made_up, tests=[])
    ) == (  # the inputs of its tests, without the tests
        "code_behaviour_differs",
        "differs on flatten([[1], [2, 3]]): original returned [1, 2, 3], answer returned 42",
    )
    reason, detail = recipe.validate(
        with_code(seed, made_up, tests=[], examples=[])
    )  # nothing checks it
    assert reason == "code_untested" and "only its signature was checked" in detail
    labelled = with_code(seed, made_up, tests=[], examples=[], untested="label")
    assert recipe.validate(labelled) is None
    assert labelled["checks"]["validator"] == {
        "signature": "ok",
        "tests": "none",
        "differential": "none",
    }
    shout = shapes_seeds[0][("coder", "shout")]  # checked by its docstring example
    reason, detail = recipe.validate(
        with_code(shout, "def shout(s):\n    return s.upper()\n", examples=[])
    )
    assert reason == "code_test_failed" and "docstring example failed" in detail


def test_generated_inputs_find_a_difference(shapes_seeds):
    seed = shapes_seeds[0][("coder", "area")]  # area(w: int, h: int): hypothesis draws ints
    assert recipe.validate(with_code(seed, seed["output"]["code"], tests=[], examples=[])) is None
    reason, detail = recipe.validate(
        with_code(seed, "def area(w, h):\n    return w * h\n", tests=[], examples=[])
    )
    assert reason == "code_behaviour_differs"
    assert (
        detail.startswith("differs on area(w=")
        and "original returned 0, answer returned -" in detail
    )


def test_mutants_of_a_tiny_function_are_caught(shapes_seeds):
    seed = shapes_seeds[0][("coder", "clip")]
    made = mutants(seed["output"]["code"], "clip")
    assert [kind for kind, _ in made] == [
        "constant_return",
        "flipped_comparison",
        "flipped_comparison",
        "dropped_branch",
        "dropped_branch",
    ]
    assert made[1][1].splitlines()[2] == "    if x >= low:"
    assert mutants("def one():\n    return 1\n", "one") == [
        ("constant_return", "def one():\n    return None\n"),
        ("off_by_one", "def one():\n    return 2\n"),
    ]
    assert all(recipe.validate(with_code(seed, code)) is not None for _, code in made)
