"""The roundtrip stage: the teacher answers each rewrite, shown its seed as a one-shot example,
and the recipe's metric (rem_queries: `exact`) must find the seed's answer, through a real
loopback server on 127.0.0.1.

A faithful rewrite is kept with checks.roundtrip; one that asks something else is rejected as
`variation_roundtrip_differs` naming what differs; an unusable answer as `roundtrip_unparseable`,
a failed call as `teacher_failed`; every other record passes untouched and in its place; a rerun
is answered from the cache; the stage pickles; the report counts its rejections as the teacher's.
"""

import json
import pickle

import pytest
from stage_helpers import rem_record

from factory.errors import ConfigError
from factory.recipes import load_recipe
from factory.record import Rejected
from factory.report import teacher_share
from factory.stages.base import BuildOptions, StageSettings
from factory.stages.roundtrip import DIFFERS, UNPARSEABLE, RoundtripStage, difference
from factory.teacher.grammar import grammar_problem
from factory.teacher.modes import AnswerRewrite
from factory.teacher.spec import TeacherSpec
from factory.teacher.task import plain_schema
from factory.testing.faulty import FaultyTeacher
from factory.testing.loopback import LoopbackTeacher
from pipelines.rem_queries.recipe import build_output

FUZZY = 'FUZZY "kubernets" IN resources THRESHOLD 0.6'
SEED_TEXT = "Find resources that look like kubernets, similarity at least 0.6"


def _context(tmp_path, base_url, recipe=None) -> StageSettings:
    context = StageSettings(
        recipe=recipe or load_recipe("rem_queries"),
        options=BuildOptions(),
        run_dir=tmp_path / "run",
        cache_path=tmp_path / "_cache" / "teacher.sqlite",
    )
    context.teacher = TeacherSpec(model="loopback", base_url=base_url, api_key="none")
    return context


def _seed() -> dict:
    return rem_record(SEED_TEXT, FUZZY, source="grammar:fuzzy")


def _rewrite(seed: dict, text: str) -> dict:
    record = {**rem_record(text, FUZZY), "seed_id": seed["seed_id"]}
    record["provenance"] = {
        "origin": "teacher",
        "seed_text": seed["input"],
        "keep_values": ["kubernets", "0.6"],
        "variation_index": 0,
    }
    return record


def _told(text: str, answer) -> str:
    """A rewrite the loopback teacher answers with `answer` (factory.testing.loopback)."""
    said = answer if isinstance(answer, str) else json.dumps(answer)
    return f"{text} [loopback answers: {said}]"


def _run(stage: RoundtripStage, records: list[dict]) -> tuple[list[dict], list[Rejected]]:
    out = list(stage.process(iter(records)))
    return [r for r in out if not isinstance(r, Rejected)], [
        r for r in out if isinstance(r, Rejected)
    ]


def test_a_faithful_rewrite_is_kept_and_one_that_asks_something_else_is_rejected(tmp_path):
    seed = _seed()
    faithful = _rewrite(seed, "which resources look like kubernets, at least 60% similar?")
    lookup = build_output("LOOKUP kubernets")
    other = _rewrite(
        seed, _told("Is 'kubernets' spelled correctly? confirm if the score is 0.6", lookup)
    )
    with LoopbackTeacher() as server:
        kept, rejected = _run(
            RoundtripStage(_context(tmp_path, server.base_url)), [faithful, other]
        )
        asked = [json.loads(prompt) for prompt in server.prompts]
    assert server.requests == 2
    # the two rewrites are asked concurrently: in either order
    [shown] = [messages for messages in asked if messages[-1]["content"] == faithful["input"]]
    recipe = load_recipe("rem_queries")
    assert [m["role"] for m in shown] == ["system", "user", "assistant", "user"]
    assert shown[0]["content"].startswith(recipe.student_prompt)  # what the student is asked
    assert shown[1]["content"] == SEED_TEXT  # the seed, as the one-shot example
    assert json.loads(shown[2]["content"]) == seed["output"]
    assert list(json.loads(shown[2]["content"]))[:2] == ["intent", "query_type"]  # schema order
    assert shown[3]["content"] == faithful["input"]

    assert kept == [
        {**faithful, "checks": {"roundtrip": {"metric": "exact", "score": 1.0}}}
    ]  # the record itself, with what was checked
    [bad] = rejected
    assert bad.reason == DIFFERS and bad.record["input"] == other["input"]
    assert bad.detail.startswith(  # what the metric compares first, then the rest
        "exact 0: rem: expected 'FUZZY \"kubernets\" IN resources THRESHOLD 0.6', "
        "teacher 'LOOKUP kubernets'; parameters:"
    )
    assert bad.record["checks"]["roundtrip"]["answer"] == lookup  # the teacher's answer is kept
    assert bad.record["provenance"] == other["provenance"]  # still the teacher's rewrite


def test_unusable_answers_and_failed_calls_are_rejected_with_their_own_reason(tmp_path):
    seed = _seed()
    prose = _rewrite(seed, _told("kubernets look-alikes please", "I think it is fine"))
    broken = _rewrite(seed, _told("resources resembling kubernets", {"rem": "LOOKUP kubernets"}))
    same = _rewrite(seed, _told("anything close to kubernets?", {"rem": FUZZY}))
    with LoopbackTeacher() as server:
        stage = RoundtripStage(_context(tmp_path, server.base_url))
        kept, rejected = _run(stage, [prose, broken, same])
    assert [r["input"] for r in kept] == [same["input"]]  # the metric (exact: the query) agrees
    assert [r.reason for r in rejected] == [UNPARSEABLE, UNPARSEABLE]
    assert rejected[0].detail.startswith("no JSON in the teacher's answer")
    assert rejected[0].record["raw_reply"] == "I think it is fine"
    assert "breaks the schema" in rejected[1].detail and "intent" in rejected[1].detail

    with FaultyTeacher({"wrong_shape": 1.0}, seed=1) as faulty:  # no chat completion comes back
        kept, rejected = _run(
            RoundtripStage(_context(tmp_path / "faulty", faulty.base_url)),
            [_rewrite(seed, "kubernets-ish stuff")],
        )
    assert kept == [] and [r.reason for r in rejected] == ["teacher_failed"]


def test_other_records_pass_untouched_in_their_place_and_a_rerun_asks_nothing(tmp_path):
    seeds = [
        rem_record(f"Get res-{n}", f"LOOKUP res-{n}", source="grammar:lookup") for n in range(3)
    ]
    new = {**rem_record("open res-9 for me", "LOOKUP res-9"), "seed_id": seeds[0]["seed_id"]}
    new["provenance"] = {"origin": "teacher", "mode": "new", "seed_text": "Get res-0"}
    rewrites = []
    for seed in seeds:
        rewrite = {**rem_record(f"could you fetch {seed['input'][4:]}", seed["output"]["rem"])}
        rewrite["seed_id"] = seed["seed_id"]
        rewrite["provenance"] = {"origin": "teacher", "seed_text": seed["input"], "keep_values": []}
        rewrites.append(rewrite)
    stream = [seeds[0], rewrites[0], new, seeds[1], seeds[2], rewrites[1], rewrites[2]]
    before = json.dumps(stream, sort_keys=True)
    with LoopbackTeacher() as server:
        stage = RoundtripStage(_context(tmp_path, server.base_url))
        first = list(stage.process(iter(stream)))
        assert server.requests == 3  # the rewrites only
        assert stage.extras["cache"] == {"hits": 0, "misses": 3, "failed_calls": 0}
        again = RoundtripStage(_context(tmp_path, server.base_url))
        second = list(again.process(iter(json.loads(before))))
        assert server.requests == 3 and again.extras["cache"]["hits"] == 3
    assert json.dumps(stream, sort_keys=True) == before  # the input records were not changed
    assert [r["id"] for r in first] == [r["id"] for r in stream]  # all kept, in their order
    passed = [first[i] for i in (0, 2, 3, 4)]
    assert passed == [stream[i] for i in (0, 2, 3, 4)]  # seeds and new examples untouched
    assert all("roundtrip" in first[i]["checks"] for i in (1, 5, 6))
    assert second == first


def test_the_stage_pickles_and_asks_nothing_where_no_rewrites_are_written(tmp_path):
    with LoopbackTeacher() as server:
        stage = RoundtripStage(_context(tmp_path, server.base_url))
        travelled = pickle.loads(pickle.dumps(stage))
        assert type(travelled) is RoundtripStage and travelled.name == "roundtrip"
        assert travelled.metric == "exact" and travelled.asks_teacher()
        travelled.context.restore_key("none")
        seed = _seed()
        kept, _ = _run(travelled, [_rewrite(seed, "kubernets-like resources, 0.6 or more")])
        assert kept[0]["checks"]["roundtrip"]["score"] == 1.0

        bash = _context(tmp_path / "bash", server.base_url, load_recipe("sysadmin_bash"))
        pairs = RoundtripStage(bash)  # teacher.mode pairs: its records are no rewrites
        assert pairs.metric == "exact" and not pairs.asks_teacher()
        record = {"id": "x", "input": "list files", "output": {}, "checks": {}, "provenance": {}}
        assert list(pairs.process(iter([record]))) == [record]
        assert pairs.dry_run_prompts([record]) == []
        asked = server.requests
    assert asked == 1


def test_dry_run_counts_a_question_per_rewrite_generate_may_write(tmp_path):
    seeds = [
        rem_record(f"Get res-{n}", f"LOOKUP res-{n}", source="grammar:lookup") for n in range(2)
    ]
    context = _context(tmp_path, "http://127.0.0.1:9/v1")  # never called
    context.options = BuildOptions(variations=2)
    prompts = RoundtripStage(context).dry_run_prompts(seeds)
    assert len(prompts) == 4 and all(len(messages) == 4 for messages in prompts)
    assert prompts[0][1]["content"] == prompts[0][3]["content"] == "Get res-0"


def test_an_unknown_metric_is_a_one_line_error_naming_recipe_yaml(tmp_path):
    recipe = load_recipe("rem_queries")
    recipe.roundtrip_metric = "bleu"
    with pytest.raises(
        ConfigError, match=r"recipe.yaml: teacher.roundtrip: 'bleu' is not a metric"
    ):
        RoundtripStage(_context(tmp_path, "http://127.0.0.1:9/v1", recipe))


def test_the_report_counts_roundtrip_rejections_as_the_teachers(tmp_path):
    seed = _seed()
    rejected = Rejected(_rewrite(seed, "is kubernets spelled right?"), DIFFERS, "exact 0: ...")
    (tmp_path / "rejected").mkdir()
    (tmp_path / "rejected" / "roundtrip.jsonl").write_text(
        json.dumps(rejected.to_dict("roundtrip")) + "\n"
    )
    (tmp_path / "dataset.jsonl").write_text(json.dumps(seed) + "\n")
    rows = [{"name": "roundtrip", "rejected": {DIFFERS: 1}}]
    share = teacher_share(tmp_path, rows)
    assert share["teacher_rejections"] == [[DIFFERS, 1]] and share["teacher_rejected"] == 1


def test_difference_names_the_fields_that_differ_short():
    expected = build_output(FUZZY)
    answer = {**expected, "explanation": "something else entirely, written in many words here"}
    assert difference(expected, answer).startswith("explanation:")  # prose only when alone
    answer = build_output('SEARCH "kubernetes" IN resources LIMIT 5')
    shown = difference(expected, answer, ("intent", "query_type"), lambda key: key == "rem")
    assert shown.startswith("rem: expected 'FUZZY \"kubernets\" IN resources THRESHOLD 0.6', ")
    # then structured fields, then labels; the explanation (prose) left out
    assert "; parameters: " in shown and "; intent: " in shown and shown.endswith("; ...")
    assert "explanation" not in shown and "query_type" not in shown and len(shown) < 400


def test_the_reply_is_constrained_to_what_llama_cpp_can_take_of_the_schema():
    recipe = load_recipe("rem_queries")
    assert grammar_problem(plain_schema(recipe.schema())) is not None  # its SQL pattern: (?i:...)\b
    schema = AnswerRewrite.reply_schema(recipe, 1)
    assert grammar_problem(schema) is None
    shown = json.dumps(schema)
    assert "(?i:select" not in shown and "^[A-Za-z0-9][A-Za-z0-9_.:-]*$" in shown  # the rest stays


def test_a_long_shared_start_is_cut_so_that_the_detail_shows_the_difference():
    sql = (
        "SELECT COUNT(*) FROM moments WHERE moment_type = 'conversation' AND resource_timestamp >= "
    )
    shown = difference({"rem": sql + "'2024-10-01'"}, {"rem": sql + "'2024-09-24'"})
    assert shown == "rem: expected \"...mp >= '2024-10-01'\", teacher \"...mp >= '2024-09-24'\""
