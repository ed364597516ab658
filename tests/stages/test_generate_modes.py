"""The generate stage in teacher.mode `pairs` and `answer`, through a real loopback OpenAI server.

A stand-in recipe module (the rem_queries recipe with its hooks replaced) shows what the
core does with what a recipe's make_pair / make_answer accept or refuse.
"""

import dataclasses
import json
import types

from stage_helpers import rem_record

from factory.recipes import load_recipe
from factory.record import Rejected
from factory.stages.base import BuildOptions, StageSettings
from factory.stages.generate import GenerateStage
from factory.teacher.spec import TeacherSpec
from factory.testing.loopback import LoopbackTeacher
from pipelines.rem_queries.recipe import build_output, labels


def _make_pair(item: dict, seed: dict) -> dict:
    if not isinstance(item.get("input"), str) or "rem" not in item.get("output", {}):
        raise ValueError("a pair needs an input text and an output with a rem query")
    output = build_output(item["output"]["rem"])
    return {"input": item["input"], "output": output, "labels": labels(output)}


def _make_answer(reply: str, seed: dict) -> dict:
    if "LOOKUP" not in reply:
        raise ValueError("no REM query in the reply")
    output = build_output(reply[reply.index("LOOKUP") :].strip())
    return {"input": seed["input"], "output": output, "labels": labels(output)}


def _stage(tmp_path, mode: str, server: LoopbackTeacher) -> GenerateStage:
    base = load_recipe("rem_queries")
    module = types.SimpleNamespace(
        **{name: getattr(base.module, name) for name in ("validate", "labels")},
        make_pair=_make_pair,
        make_answer=_make_answer,
    )
    prompt = tmp_path / "prompt.jinja"
    prompt.write_text(
        "Seed: {{ seed.input }} | {{ seed.context.topic | default('-') }} | n={{ n }}"
    )
    recipe = dataclasses.replace(
        base, teacher_mode=mode, module=module, system_prompt=prompt, prompt=prompt
    )
    context = StageSettings(
        recipe=recipe,
        options=BuildOptions(variations=3),
        run_dir=tmp_path / "run",
        cache_path=tmp_path / "_cache" / "teacher.sqlite",
    )
    context.teacher = TeacherSpec(model="loopback", base_url=server.base_url, api_key="none")
    return GenerateStage(context)


def _seed() -> dict:
    return rem_record(
        "Get res-1", "LOOKUP res-1", origin="man", source="man:x(1)", context={"topic": "lookups"}
    )


def test_pairs_become_records_and_bad_pairs_are_kept_with_a_reason(tmp_path):
    reply = {
        "pairs": [
            {"input": "Fetch the item res-2", "output": {"rem": "LOOKUP res-2"}},
            {"input": "Get res-1", "output": {"rem": "LOOKUP res-1"}},  # the seed itself
            {"input": "Open res-3"},
        ]
    }  # no output
    with LoopbackTeacher(reply=lambda messages: json.dumps(reply)) as server:
        out = list(_stage(tmp_path, "pairs", server).process(iter([_seed()])))
        shown = server.prompts[0]
    assert "Seed: Get res-1 | lookups | n=3" in shown  # the prompt saw the seed and its context
    kept = [r for r in out if not isinstance(r, Rejected)]
    rejected = {r.reason: r for r in out if isinstance(r, Rejected)}
    assert [r["input"] for r in kept] == ["Get res-1", "Fetch the item res-2"]
    made = kept[1]
    assert (
        made["output"]["parameters"] == {"key": "res-2"} and made["seed_id"] == kept[0]["seed_id"]
    )
    assert made["provenance"]["origin"] == "teacher" and made["provenance"]["context"] == {
        "topic": "lookups"
    }
    assert (
        made["provenance"]["source"] == "man:x(1)"
        and made["provenance"]["seed_text"] == "Get res-1"
    )
    assert set(rejected) == {"variation_duplicate", "teacher_bad_pair"}
    assert "needs an input text" in rejected["teacher_bad_pair"].detail
    assert rejected["teacher_bad_pair"].record["raw_item"] == {"input": "Open res-3"}


def test_answer_mode_asks_once_and_unusable_answers_are_rejected(tmp_path):
    replies = iter(["Sure! LOOKUP res-9", "I cannot help with that."])
    seeds = [_seed(), rem_record("Get res-5", "LOOKUP res-5", origin="man", source="man:y(1)")]
    with LoopbackTeacher(reply=lambda messages: next(replies)) as server:
        stage = _stage(tmp_path, "answer", server)
        stage.context.options = BuildOptions(
            variations=1, max_concurrency=1
        )  # replies in seed order
        out = list(stage.process(iter(seeds)))
        assert server.requests == 2
    kept = [r for r in out if not isinstance(r, Rejected)]
    rejected = [r for r in out if isinstance(r, Rejected)]
    assert [r["output"]["rem"] for r in kept] == ["LOOKUP res-1", "LOOKUP res-9", "LOOKUP res-5"]
    assert kept[1]["input"] == "Get res-1"  # the answer is for the seed's own input
    assert [(r.reason, r.detail) for r in rejected] == [
        ("teacher_bad_answer", "no REM query in the reply")
    ]


def test_an_unlabeled_seed_only_prompts_the_teacher(tmp_path):
    seed = _seed()
    seed["output"], seed["provenance"]["unlabeled"] = (
        None,
        True,
    )  # a user's transcript, say: no answer yet
    with LoopbackTeacher(reply=lambda messages: "LOOKUP res-1") as server:
        out = list(_stage(tmp_path, "answer", server).process(iter([seed])))
    assert (
        len(out) == 1
        and out[0]["output"]["rem"] == "LOOKUP res-1"
        and out[0]["input"] == "Get res-1"
    )
    assert "unlabeled" not in out[0]["provenance"]
