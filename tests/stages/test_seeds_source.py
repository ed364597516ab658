"""The seeds stage with a recipe whose seeds come from a source: paths, the cap, what was skipped."""

import dataclasses
import types

from factory.recipes import load_recipe
from factory.record import Rejected
from factory.stages.base import BuildContext, BuildOptions
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
    context = BuildContext(
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
    import pytest

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
    context = BuildContext(
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
    grammar = BuildContext(
        recipe=base,
        options=BuildOptions(source_paths=("x.jsonl",)),
        run_dir=tmp_path,
        cache_path=tmp_path / "c",
    )
    with pytest.raises(ConfigError, match="--source: recipe rem_queries reads no source"):
        SeedsStage(grammar).check_inputs()
