"""sysadmin_bash's task grammar (pipelines/sysadmin_bash/tasks/) and its share of the recipe's seeds."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from dev_sets import dev_requests_written

from factory.errors import ConfigError
from factory.recipes import load_recipe
from factory.record import Rejected
from pipelines.sysadmin_bash import bash_check, recipe, tasks


@pytest.fixture(scope="module")
def drawn():
    return list(tasks.generate(4000, 3))


def test_every_family_is_drawn_and_every_command_passes_the_validator(drawn):
    assert set(Counter(t["family"] for t in drawn)) == set(tasks.FAMILIES)
    failures = Counter()
    for task in drawn:
        record = {
            "input": task["text"],
            "output": {"command": task["command"], "explanation": task["explanation"]},
        }
        if (reason := recipe.validate(record)) is not None:
            failures[(task["family"], task["command"], reason)] += 1
    assert not failures, failures.most_common(5)


def test_the_grammar_is_varied_and_deterministic(drawn):
    assert len({t["command"] for t in drawn}) > 1500
    assert len({t["text"] for t in drawn}) > 2500
    programs = {bash_check.commands(t["command"])[0].name for t in drawn}
    assert len(programs) >= 60
    assert list(tasks.generate(50, 3)) == drawn[:50]
    assert list(tasks.generate(50, 4)) != drawn[:50]


def test_numbers_in_words_reach_the_command_as_digits(drawn):
    spelled = [t for t in drawn if re.search(r"\b(five|ten|twenty|fifty|three)\b", t["text"])]
    assert len(spelled) > 50
    for task in spelled:
        assert not re.search(r"\b(five|ten|twenty|fifty|three)\b", task["command"])


def test_source_seeds_take_their_share_from_the_grammar_typed_casually():
    config = {**load_recipe("sysadmin_bash").source, "tasks": 0.75}
    seeds = list(recipe.source_seeds(config, 80, 11))
    made = [s for s in seeds if not isinstance(s, Rejected)]
    origins = Counter(s["provenance"]["origin"] for s in made)
    assert origins == {"grammar": 60, "man": 20}
    grammar = [s for s in made if s["provenance"]["origin"] == "grammar"]
    raw = list(tasks.generate(60, 11))
    assert [s["output"]["command"] for s in grammar] == [t["command"] for t in raw]
    assert sum(s["input"] != t["text"] for s, t in zip(grammar, raw, strict=True)) > 10
    for seed, task in zip(grammar, raw, strict=True):
        assert seed["provenance"]["source"] == f"grammar:{task['family']}"
        assert seed["labels"] == recipe.labels(seed["output"])
        for value in recipe.keep_values(task["text"], seed["output"]):
            assert value in seed["input"], (value, seed["input"])  # paths, names kept verbatim
    assert seeds == list(recipe.source_seeds(config, 80, 11))


def test_the_share_is_checked_and_a_man_path_takes_no_grammar_seeds(tmp_path):
    with pytest.raises(ConfigError, match="source.tasks"):
        list(recipe.source_seeds({"commands": {"ls": {}}, "tasks": 1.5}, 4, 1))
    only_grammar = list(recipe.source_seeds({"commands": {"ls": {}}, "tasks": 1}, 4, 1))
    assert [s["provenance"]["origin"] for s in only_grammar] == ["grammar"] * 4
    (tmp_path / "mytool.1").write_text(
        ".TH MYTOOL 1\n.SH NAME\nmytool \\- rotate service logs\n.SH SYNOPSIS\nmytool DIR\n"
        ".SH OPTIONS\n.TP\n\\fB\\-n\\fR, \\fB\\-\\-keep\\fR=\\fINUM\\fR\nkeep NUM rotated logs\n"
    )
    from_path = list(recipe.source_seeds({"paths": [str(tmp_path)], "tasks": 0.75}, 3, 1))
    assert [s["provenance"]["origin"] for s in from_path] == ["man"]  # the page's one option


def test_no_natural_dev_request_is_written_by_the_grammar():
    """The dev set (evals/sysadmin_bash/natural.jsonl) measures requests the factory did not write:
    none of them may come out of the grammar, letter for letter (case and punctuation aside)."""
    total, written = dev_requests_written(
        "sysadmin_bash", (task["text"] for task in tasks.generate(60_000, 5))
    )
    assert total > 100 and written == []
