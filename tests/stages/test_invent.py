"""The invent stage: the teacher writes new rem_queries examples beside its rewrites, through a real loopback server.

Checks that the reply is constrained to prompts/new.schema.json (the query only), that seeds prompt the teacher with the recipe's prompts/new.jinja, that the rewrites pass through
in order and untouched, that each new example is a record with provenance.mode `new` (the report's
`teacher_new`), that the faithfulness band is not applied to it, and that the validator keeps only the
examples whose REM query executes and agrees with its parameters.
"""

import json

from stage_helpers import rem_record

from factory.recipes import load_recipe
from factory.record import Rejected
from factory.report import origin_group
from factory.stages.base import BuildOptions, StageSettings
from factory.stages.faithfulness import FaithfulnessStage
from factory.stages.invent import InventStage
from factory.stages.validate import ValidateStage
from factory.teacher.spec import TeacherSpec
from factory.testing.loopback import LoopbackTeacher
from pipelines.rem_queries.recipe import build_output

GOOD = {"rem": "SELECT name FROM resources WHERE category = 'recipes' ORDER BY created_at LIMIT 3"}
UNKNOWN_FIELD = {"rem": "SELECT * FROM resources WHERE author = 'x'"}  # parses, does not execute
BROKEN = {"rem": "FETCH res-2 PLEASE"}


def _context(tmp_path, server) -> StageSettings:
    context = StageSettings(
        recipe=load_recipe("rem_queries"),
        options=BuildOptions(variations=3),
        run_dir=tmp_path / "run",
        cache_path=tmp_path / "_cache" / "teacher.sqlite",
    )
    context.teacher = TeacherSpec(model="loopback", base_url=server.base_url, api_key="none")
    return context


def test_new_examples_are_written_checked_and_counted_as_the_teachers_own(tmp_path):
    reply = {
        "pairs": [
            {"input": "the 3 oldest recipes i saved, just names", "output": GOOD},
            {"input": "recipes by x", "output": UNKNOWN_FIELD},
            {"input": "open res-2 now", "output": BROKEN},
            {"input": "x", "output": GOOD},
        ]
    }
    seed = rem_record("Get res-1", "LOOKUP res-1", source="grammar:lookup")
    rewrite = {**rem_record("could you get res-1", "LOOKUP res-1"), "seed_id": seed["seed_id"]}
    rewrite["provenance"] = {
        "origin": "teacher",
        "seed_text": "Get res-1",
        "keep_values": ["res-1"],
    }
    with LoopbackTeacher(reply=lambda messages: json.dumps(reply)) as server:
        context = _context(tmp_path, server)
        out = list(InventStage(context).process(iter([seed, rewrite])))
        shown = server.prompts[0]
    assert server.requests == 1  # the seed prompts the teacher, the rewrite does not
    assert "Request: Get res-1" in shown and "Write 3 new requests" in shown
    kept = [r for r in out if not isinstance(r, Rejected)]
    assert kept[:2] == [
        seed,
        rewrite,
    ]  # both pass through, once each: a seed, its rewrites, its new examples
    made = kept[2:]
    assert [r["input"] for r in made] == ["the 3 oldest recipes i saved, just names"]
    assert made[0]["output"] == build_output(
        GOOD["rem"]
    )  # the structured output is built from the query
    assert all(
        r["provenance"]["mode"] == "new" and origin_group(r["provenance"]) == "teacher_new"
        for r in made
    )
    bad = [r for r in out if isinstance(r, Rejected)]
    assert [r.reason for r in bad] == [
        "teacher_bad_pair"
    ] * 3  # the query must parse and compile; "x": one word
    assert "rem_unknown_field" in bad[0].detail and "rem_parse_error" in bad[1].detail
    assert bad[1].record["raw_item"] == {
        "input": "open res-2 now",
        "output": BROKEN,
    }  # kept, with the reply

    scored = list(FaithfulnessStage(context).process(iter(made)))
    assert scored == made and all("faithfulness" not in r["checks"] for r in made)  # not a rewrite
    judged = list(ValidateStage(context).process(iter(made)))
    assert judged == made  # schema and validator pass: the query executes on the reference tables
    assert not [r for r in judged if isinstance(r, Rejected)]


def test_the_loopback_teacher_answers_an_invent_prompt_with_pairs(tmp_path):
    seed = rem_record("Get res-1", "LOOKUP res-1", source="grammar:lookup")
    with LoopbackTeacher() as server:
        out = list(InventStage(_context(tmp_path, server)).process(iter([seed])))
    made = [r for r in out if not isinstance(r, Rejected) and r["provenance"].get("mode") == "new"]
    assert len(made) == 3 and all(r["output"]["rem"] == seed["output"]["rem"] for r in made)


def test_the_order_is_the_same_however_the_seeds_are_batched(tmp_path):
    stream = []
    for n in range(20):  # as generate writes them: a seed, then its rewrite
        seed = rem_record(f"Get res-{n}", f"LOOKUP res-{n}", source="grammar:lookup")
        rewrite = {
            **rem_record(f"fetch res-{n} please", f"LOOKUP res-{n}"),
            "seed_id": seed["seed_id"],
        }
        rewrite["provenance"] = {
            "origin": "teacher",
            "seed_text": seed["input"],
            "keep_values": [f"res-{n}"],
        }
        stream += [seed, rewrite]
    orders = []
    with LoopbackTeacher() as server:
        for concurrency in (1, 2):  # batches of 16 seeds (two batches) or of 32 (one)
            context = _context(tmp_path / str(concurrency), server)
            context.options = BuildOptions(variations=3, max_concurrency=concurrency)
            orders.append(
                [
                    r["id"]
                    for r in InventStage(context).process(iter(stream))
                    if not isinstance(r, Rejected)
                ]
            )
    assert (
        orders[0] == orders[1] and len(orders[0]) == 20 * 5
    )  # seed, rewrite, three new examples each
    assert orders[0][:2] == [stream[0]["id"], stream[1]["id"]]
