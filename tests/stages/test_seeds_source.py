"""The seeds stage with a recipe whose seeds come from a source: paths, the cap, what was skipped."""

import dataclasses
import json
import types

import pytest

from factory.recipes import load_recipe
from factory.record import Rejected, SeedError
from factory.stages.base import BuildOptions, StageSettings
from factory.stages.seeds import SeedsStage
from pipelines.rem_queries.recipe import build_output, labels


def _source_seeds(config: dict, count: int, random_seed: int):
    yield Rejected.at("/logs/a.jsonl:3", "source_bad_json", "column 2: Expecting value")
    for n, path in enumerate(config["paths"] * 3):
        output = build_output(f"LOOKUP res-{n}")
        yield {
            "input": f"Get res-{n} from {path}",
            "output": output,
            "labels": labels(output),
            "provenance": {"origin": "log", "source": f"{path}:{n + 1}"},
            "context": {"n": n, "cap": count},
        }


def _run(tmp_path, **options) -> list:
    base = load_recipe("rem_queries")
    module = types.SimpleNamespace(
        source_seeds=_source_seeds, validate=base.module.validate, labels=labels
    )
    recipe = dataclasses.replace(base, module=module, source={"paths": ["default.jsonl"]})
    context = StageSettings(
        recipe=recipe, options=BuildOptions(**options), run_dir=tmp_path, cache_path=tmp_path / "c"
    )
    return list(SeedsStage(context).process(iter(())))


def test_source_seeds_are_capped_and_skips_become_rejections(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.jsonl").write_text("")  # a --source must exist (checked before any work)
    out = _run(tmp_path, limit=2, source_paths=("mine.jsonl",))
    skipped, kept = out[0], out[1:]
    assert isinstance(skipped, Rejected) and skipped.reason == "source_bad_json"
    assert skipped.detail == "/logs/a.jsonl:3: source_bad_json (column 2: Expecting value)"
    assert skipped.record["provenance"]["source"] == "/logs/a.jsonl:3"
    assert [r["input"] for r in kept] == [
        "Get res-0 from mine.jsonl",
        "Get res-1 from mine.jsonl",
    ]  # --source wins
    assert kept[0]["provenance"] == {
        "origin": "log",
        "source": "mine.jsonl:1",
        "context": {"n": 0, "cap": 2},
    }
    assert kept[0]["seed_id"] == kept[0]["id"]


def test_the_recipe_source_is_the_default(tmp_path):
    kept = [r for r in _run(tmp_path) if not isinstance(r, Rejected)]
    assert kept[0]["input"] == "Get res-0 from default.jsonl" and len(kept) == 3


def test_unlabeled_seeds_need_a_teacher_that_answers_and_grammar_recipes_refuse_source(tmp_path):
    from factory.errors import ConfigError

    def unlabeled(config, count, random_seed):
        yield {
            "input": "a transcript",
            "output": None,
            "labels": {},
            "unlabeled": True,
            "provenance": {"origin": "user", "source": "day.txt"},
        }

    base = load_recipe("rem_queries")  # teacher.mode variations: nobody would write the output
    module = types.SimpleNamespace(
        source_seeds=unlabeled, validate=base.module.validate, labels=labels
    )
    context = StageSettings(
        recipe=dataclasses.replace(base, module=module),
        options=BuildOptions(),
        run_dir=tmp_path,
        cache_path=tmp_path / "c",
    )
    [rejected] = list(SeedsStage(context).process(iter(())))
    assert (
        rejected.reason == "unlabeled_without_teacher"
        and rejected.record["input"] == "a transcript"
    )
    assert rejected.detail == (
        "a seed with no output needs teacher.mode answer or pairs and a generate stage"
    )
    grammar = StageSettings(
        recipe=base,
        options=BuildOptions(source_paths=("x.jsonl",)),
        run_dir=tmp_path,
        cache_path=tmp_path / "c",
    )
    with pytest.raises(ConfigError, match="--source: recipe rem_queries reads no source"):
        SeedsStage(grammar).check_inputs()


def test_user_lines_a_recipe_cannot_use_are_rejected_with_the_seed_errors_reason(tmp_path):
    """One SeedError (factory.record) for every recipe: its reason is the rejection's; a plain
    ValueError is `bad_seed`; the detail starts with file:line, the record keeps the line."""
    seeds = tmp_path / "seeds.jsonl"
    lines = [
        {"input": "Get res-1", "rem": "LOOKUP res-1"},
        {"input": "Search nowhere", "rem": 'SEARCH "x" IN nowhere LIMIT 3'},
        {"input": "no query"},
    ]
    seeds.write_text("".join(json.dumps(line) + "\n" for line in lines))
    context = StageSettings(
        recipe=load_recipe("rem_queries"),
        options=BuildOptions(seeds_file=seeds, limit=1, pii_policy="off"),
        run_dir=tmp_path,
        cache_path=tmp_path / "c",
    )
    stage = SeedsStage(context)
    stage.check_inputs()
    out = list(stage.process(iter(())))
    kept = [r for r in out if not isinstance(r, Rejected)]
    unknown, shape = [r for r in out if isinstance(r, Rejected)]
    assert [r["input"] for r in kept] == ["Get res-1"]
    assert unknown.reason == "rem_unknown_table"
    assert unknown.detail.startswith(f"{seeds}:2: rem_unknown_table: table 'nowhere'")
    assert unknown.record == {
        "input": lines[1],
        "provenance": {"origin": "user", "source": f"{seeds}:2"},
    }
    assert (shape.reason, shape.detail) == ("bad_seed", f"{seeds}:3: " + _shape_message())
    with pytest.raises(SeedError):  # RemError is one
        load_recipe("rem_queries").hooks.user_seed(lines[1])


def _shape_message() -> str:
    try:
        load_recipe("rem_queries").hooks.user_seed({"input": "no query"})
    except ValueError as exc:
        assert not isinstance(exc, SeedError)
        return str(exc)
    raise AssertionError("a line without rem is not a seed")
