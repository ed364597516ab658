"""The rem_edges recipe: generator coverage and determinism, the validator's reasons, the metrics
against hand-computed values, make_answer, user files, and a teacher answer judged end to end."""

import copy
import json
import math
import re
from datetime import date
from pathlib import Path

import pytest

from factory.errors import ConfigError
from factory.recipes import load_recipe
from factory.record import Rejected
from factory.stages.validate import first_problem, schema_validator
from pipelines.rem_edges import edges, generator, metrics, templates, topics, user_files
from pipelines.rem_edges import recipe as re_recipe

FIXTURE = Path(__file__).parent / "fixtures" / "rem_edges" / "collections.jsonl"
TYPES = {"SEE_ALSO", "PREREQUISITE", "CONTINUATION", "NONE"}


@pytest.fixture(scope="module")
def recipe():
    return load_recipe("rem_edges")


@pytest.fixture(scope="module")
def validator(recipe):
    return schema_validator(recipe)


def _record(seed: dict) -> dict:
    provenance = {
        **seed["provenance"],
        **({"context": seed["context"]} if seed.get("context") else {}),
    }
    return {
        "input": seed["input"],
        "output": seed["output"],
        "labels": seed["labels"],
        "provenance": provenance,
    }


# A hand-made collection: source res-1, candidates res-2..res-5 (gold: CONTINUATION, SEE_ALSO, NONE, NONE)
SOURCE = {
    "id": "res-1",
    "type": "technical",
    "timestamp": "2024-03-01",
    "name": "Design doc: search latency",
    "text": "Proposal to bring search latency under 200 ms at p95.",
}
CANDIDATES = [
    {
        "id": "res-2",
        "type": "technical",
        "timestamp": "2024-03-09",
        "name": "Implementation notes: search latency",
        "text": "Following the design, we added a warm-up job for the search index.",
    },
    {
        "id": "res-3",
        "type": "meeting",
        "timestamp": "2024-03-05",
        "name": "Standup notes",
        "text": "Quick update on search latency: a cold index after every deploy is still open.",
    },
    {
        "id": "res-4",
        "type": "diary",
        "timestamp": "2024-02-11",
        "name": "Diary",
        "text": "Thinking about sore fingers again.",
    },
    {
        "id": "res-5",
        "type": "note",
        "timestamp": "2023-12-01",
        "name": "Saved link",
        "text": "A guide on tax receipts.",
    },
]
GOLD = {
    "res-2": ("CONTINUATION", 0.8),
    "res-3": ("SEE_ALSO", 0.8),
    "res-4": ("NONE", 0.1),
    "res-5": ("NONE", 0.1),
}
INPUT = edges.render_input(SOURCE, CANDIDATES)


def _edge(to: str, kind: str, score: float, frm: str = "res-1") -> dict:
    return {
        "from": frm,
        "to": to,
        "type": kind,
        "score": score,
        "reason": "because",
        "metadata": {"topic_overlap": []},
    }


def _hand_record(output_edges: list[dict] | None = None, agreement: dict | None = None) -> dict:
    output = {
        "edges": output_edges
        if output_edges is not None
        else [_edge(k, t, s) for k, (t, s) in GOLD.items()]
    }
    context = {
        "labels": {k: {"type": t, "affinity": s} for k, (t, s) in GOLD.items()},
        "agreement": agreement
        or {"min_precision": 0.8, "min_recall": 0.8, "min_type_accuracy": 0.8},
    }
    return {
        "input": INPUT,
        "output": output,
        "provenance": {"origin": "grammar", "source": "test", "context": context},
    }


# -- the recipe and its generator ------------------------------------------------------------


def test_recipe_binds_in_answer_mode_with_dedup_before_the_teacher(recipe):
    assert (
        recipe.kind == "rem_edges"
        and recipe.teacher_mode == "answer"
        and recipe.labels == ["relations"]
    )
    assert recipe.stages == ["seeds", "scrub", "dedup", "generate", "scrub", "validate"]
    assert recipe.source["agreement"] == {
        "min_precision": 0.8,
        "min_recall": 0.8,
        "min_type_accuracy": 0.8,
    }


def test_topic_keywords_belong_to_one_topic_and_to_no_template():
    def words(text):
        return set(re.findall(r"[a-z0-9][a-z0-9-]*", text.lower()))

    template_words = set()
    for stage in templates.all_stages():
        for name, text in stage.wordings:
            template_words |= words(re.sub(r"\{\w+\}", " ", f"{name} {text}"))
    for topic in topics.TOPICS:
        for phrase in (topic.name, topic.goal, topic.issue, topic.step, topic.result):
            assert words(phrase) & set(topic.keywords), (
                topic.name,
                phrase,
            )  # every phrase can overlap
        for other in topics.TOPICS:
            if other is not topic:
                text = " ".join((other.name, other.goal, other.issue, other.step, other.result))
                assert not words(text) & set(topic.keywords), (topic.name, other.name)
        assert not template_words & set(topic.keywords), topic.name


def test_generator_covers_every_type_with_unique_ids_and_one_edge_per_candidate():
    made = list(generator.generate(60, 5))
    assert {e["type"] for c in made for e in c["edges"]} == TYPES
    assert {c["template"].split(":")[0] for c in made} == {
        "engineering",
        "planning",
        "health",
        "home",
        "learning",
    }
    for c in made:
        ids = [c["source"]["id"], *(r["id"] for r in c["candidates"])]
        assert len(set(ids)) == len(ids) and all(re.fullmatch(r"res-0\d{3}", i) for i in ids)
        assert [e["to"] for e in c["edges"]] == ids[1:] and {e["from"] for e in c["edges"]} == {
            ids[0]
        }
        assert 1 <= len(c["candidates"]) <= generator.MAX_CANDIDATES


def test_generator_is_deterministic_and_distinct():
    first, again = list(generator.generate(300, 3)), list(generator.generate(300, 3))
    assert first == again
    inputs = {edges.render_input(c["source"], c["candidates"]) for c in first}
    assert len(inputs) == 300
    assert list(generator.generate(300, 4)) != first
    assert sum(1 for _ in generator.generate(5000, 1)) == 5000  # thousands of distinct collections


def test_relations_and_affinities_follow_the_construction():
    search = next(t for t in topics.TOPICS if t.name == "search latency")
    budget = next(t for t in topics.TOPICS if t.name == "Q4 budget")
    kubernetes = next(t for t in topics.TOPICS if t.name == "kubernetes upgrade")
    design, impl, retro = templates.thread("engineering")
    standup = templates.sides("engineering")[0]
    day = date(2024, 3, 1)

    def doc(topic, stage, step):
        return generator.Doc(topic, stage, step, day, 0)

    src = doc(search, impl, 1)
    assert generator.relation(src, doc(search, design, 0), [])[:2] == ("PREREQUISITE", 0.85)
    assert generator.relation(src, doc(search, retro, 2), [])[:2] == ("CONTINUATION", 0.90)
    assert generator.relation(doc(search, design, 0), doc(search, retro, 2), [])[:2] == (
        "CONTINUATION",
        0.80,
    )
    assert generator.relation(doc(search, retro, 2), doc(search, design, 0), [])[:2] == (
        "PREREQUISITE",
        0.75,
    )
    assert generator.relation(src, doc(search, standup, None), ["search", "index"])[:2] == (
        "SEE_ALSO",
        0.65,
    )
    assert generator.relation(src, doc(search, standup, None), list("abcdef"))[:2] == (
        "SEE_ALSO",
        0.75,
    )
    assert generator.relation(src, doc(kubernetes, design, 0), []) == (
        "NONE",
        0.15,
        "Also about engineering, but on kubernetes upgrade, not search latency",
    )
    assert generator.relation(src, doc(budget, standup, None), [])[:2] == ("NONE", 0.05)
    a, b = doc(search, design, 0).render("res-1"), doc(search, standup, None).render("res-2")
    assert a["name"] == "Design doc: Search latency" and b["text"].startswith(
        "Quick update on search latency"
    )
    assert generator.overlap(search, a, b) == ["search", "latency", "index"]  # name, name, issue


def test_every_generated_seed_is_a_valid_record(recipe, validator):
    seeds = list(recipe.module.source_seeds(dict(recipe.source), 200, recipe.random_seed))
    assert len(seeds) == 200
    for seed in seeds:
        assert first_problem(recipe, validator, _record(seed)) is None
        assert seed["provenance"]["origin"] == "grammar" and seed["provenance"][
            "source"
        ].startswith("generator:")
        gold = seed["context"]["labels"]
        assert [gold[e["to"]] for e in seed["output"]["edges"]] == [
            {"type": e["type"], "affinity": e["score"]} for e in seed["output"]["edges"]
        ]
        kinds = {e["type"] for e in seed["output"]["edges"]} - {"NONE"}
        assert seed["labels"] == {"relations": "+".join(sorted(kinds)) or "NONE"}


# -- the validator ----------------------------------------------------------------------------


def test_validator_accepts_the_gold_answer(recipe, validator):
    assert first_problem(recipe, validator, _hand_record()) is None


@pytest.mark.parametrize(
    "change, reason, detail",
    [
        (
            lambda e: e[0].update({"from": "res-2"}),
            "edges_not_from_source",
            "edges[0]: from 'res-2', but the source is 'res-1'",
        ),
        (
            lambda e: e[0].update({"from": "res-77"}),
            "edges_unknown_resource",
            "edges[0]: from 'res-77', but the source is 'res-1'",
        ),
        (
            lambda e: e[1].update({"to": "res-1"}),
            "edges_self_loop",
            "edges[1]: an edge from the source to itself",
        ),
        (
            lambda e: e[1].update({"to": "res-9"}),
            "edges_unknown_resource",
            "edges[1]: to 'res-9' is not a candidate (res-2, res-3, res-4, res-5)",
        ),
        (
            lambda e: e.append(_edge("res-2", "CONTINUATION", 0.5)),
            "edges_duplicate",
            "edges[4]: a second edge to 'res-2'",
        ),
        (lambda e: e.pop(3), "edges_missing_candidate", "no edge (NONE included) to res-5"),
        (
            lambda e: e[2].update({"score": 1.5}),
            "edges_score_out_of_range",
            "edges[2]: score 1.5 is not in [0, 1]",
        ),
        (
            lambda e: e[2].update({"score": -0.1}),
            "edges_score_out_of_range",
            "edges[2]: score -0.1 is not in [0, 1]",
        ),
        (
            lambda e: e[1].update({"type": "NONE"}),
            "edges_disagree_with_labels",
            "recall 0.50 < 0.8 (missed: res-3); type accuracy 0.75 < 0.8 (wrong: res-3)",
        ),
        (
            lambda e: e[3].update({"type": "SEE_ALSO"}),
            "edges_disagree_with_labels",
            "precision 0.67 < 0.8 (spurious: res-5); type accuracy 0.75 < 0.8 (wrong: res-5)",
        ),
    ],
)
def test_validator_rejects_with_exact_reasons(recipe, validator, change, reason, detail):
    record = _hand_record()
    change(record["output"]["edges"])
    assert first_problem(recipe, validator, record) == (reason, detail)


def test_validator_thresholds_come_from_the_context_and_schema_comes_first(recipe, validator):
    record = _hand_record(
        agreement={"min_precision": 0.6, "min_recall": 0.8, "min_type_accuracy": 0.75}
    )
    record["output"]["edges"][3]["type"] = (
        "SEE_ALSO"  # precision 2/3, type accuracy 3/4: both at or above
    )
    assert first_problem(recipe, validator, record) is None
    record["output"]["edges"][0]["type"] = "RELATED"
    assert first_problem(recipe, validator, record)[0] == "schema_invalid"
    bad_input = {**_hand_record(), "input": "not json"}
    assert first_problem(recipe, validator, bad_input)[0] == "edges_bad_input"


# -- metrics ----------------------------------------------------------------------------------


def test_metrics_on_a_hand_computed_reply(validator):
    # predicted: res-2 PREREQUISITE 1.0 (related, wrong type), res-3 left out (NONE, 0), res-4 SEE_ALSO 0.0
    # (spurious), res-5 NONE 0.0, plus res-99 SEE_ALSO (not a candidate: spurious)
    reply = (
        "Here you go:\n```json\n"
        + json.dumps(
            {
                "edges": [
                    _edge("res-2", "PREREQUISITE", 1.0),
                    _edge("res-4", "SEE_ALSO", 0.0),
                    _edge("res-5", "NONE", 0.0),
                    _edge("res-99", "SEE_ALSO", 0.4),
                ]
            }
        )
        + "\n```"
    )
    got = metrics.score(reply, _hand_record(), validator)
    # related said {res-2, res-4, res-99}, labelled {res-2, res-3}: precision 1/3, recall 1/2, f1 2/5
    # types right: res-5 only -> 1/4; scores [1, 0, 0, 0] vs affinities [.8, .8, .1, .1]: r = 0.5 / sqrt(0.75)
    assert got == pytest.approx(
        {
            "f1": 0.4,
            "precision": 1 / 3,
            "recall": 0.5,
            "calibration": 1 / math.sqrt(3),
            "type_accuracy": 0.25,
            "valid": 0.0,
        }
    )


def test_metrics_perfect_empty_and_garbage_replies(validator):
    record = _hand_record()
    perfect = metrics.score(json.dumps(record["output"]), record, validator)
    assert perfect == dict.fromkeys(metrics.METRICS, 1.0)
    empty = metrics.score(
        '{"edges": []}', record, validator
    )  # says nothing: nothing right but the two NONEs
    assert empty == {
        "f1": 0.0,
        "precision": 0.0,
        "recall": 0.0,
        "calibration": 0.0,
        "type_accuracy": 0.5,
        "valid": 0.0,
    }
    assert metrics.score("I think res-2 is related.", record, validator) == dict.fromkeys(
        metrics.METRICS, 0.0
    )
    assert metrics.score(None, record, validator) == dict.fromkeys(metrics.METRICS, 0.0)
    assert metrics.MAIN in metrics.METRICS


def test_metrics_use_the_labels_not_the_records_own_scores(validator):
    record = _hand_record(
        [_edge(k, t, 0.5) for k, (t, _) in GOLD.items()]
    )  # a teacher answer: flat scores
    reply = json.dumps({"edges": [_edge(k, t, s) for k, (t, s) in GOLD.items()]})
    assert metrics.score(reply, record, validator)["calibration"] == pytest.approx(
        1.0
    )  # vs labelled affinities


def test_calibration_with_constant_vectors():
    assert edges.calibration([0.5, 0.8], [0.6, 0.6]) == pytest.approx(
        0.85
    )  # labels constant: 1 - mean |diff|
    assert edges.calibration([0.3, 0.3, 0.3], [0.9, 0.1, 0.5]) == 0.0  # only predictions constant
    assert edges.calibration([0.1, 0.9], [0.9, 0.1]) == 0.0  # r = -1, counted as 0
    assert edges.calibration([0.2, 0.4, 0.6], [0.1, 0.2, 0.3]) == pytest.approx(1.0)


# -- make_answer --------------------------------------------------------------------------------


def test_make_answer_reads_fenced_json_and_prose_around_it():
    seed = {"input": INPUT, "output": None, "context": {}}
    answer = {"edges": [_edge("res-2", "CONTINUATION", 0.9), _edge("res-4", "NONE", 0.1)]}
    fenced = "Sure.\n```json\n" + json.dumps(answer, indent=2) + "\n```\nHope this helps!"
    made = re_recipe.make_answer(fenced, seed)
    assert made == {"input": INPUT, "output": answer, "labels": {"relations": "CONTINUATION"}}
    prose = "The edges are " + json.dumps(answer) + " as requested."
    assert re_recipe.make_answer(prose, seed)["output"] == answer
    assert (
        re_recipe.make_answer(json.dumps(answer["edges"]), seed)["output"] == answer
    )  # a bare list


@pytest.mark.parametrize(
    "reply, message",
    [
        ("res-2 continues the design.", "no JSON in the reply"),
        ('{"source": {"id": "res-1"}}', 'expected {"edges": [...]} with at least one edge'),
        ('{"edges": []} and nothing else', 'expected {"edges": [...]} with at least one edge'),
        ('{"edges": ["res-2", "res-3"]}', "every edge must be a JSON object"),
    ],
)
def test_make_answer_refuses_replies_without_edges(reply, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        re_recipe.make_answer(reply, {"input": INPUT})


# -- user files ---------------------------------------------------------------------------------


def test_user_file_lines_become_seeds_or_skips_with_file_and_line():
    agreement = {"min_precision": 0.8, "min_recall": 0.8, "min_type_accuracy": 0.8}
    items = list(user_files.read([FIXTURE], agreement))
    skipped = [(i.where, i.reason) for i in items if isinstance(i, Rejected)]
    assert skipped == [
        (f"{FIXTURE}:{n}", reason)
        for n, reason in [
            (4, "source_bad_json"),
            (5, "source_bad_shape"),
            (6, "source_bad_shape"),
            (7, "edges_unknown_resource"),
            (8, "edges_score_out_of_range"),
            (9, "schema_invalid"),
            (10, "source_bad_shape"),
            (11, "source_bad_shape"),
        ]
    ]
    by_line = {i.where.rsplit(":", 1)[1]: i.detail for i in items if isinstance(i, Rejected)}
    assert by_line["5"] == "unknown key 'edge' (known: source, candidates, edges, labels)"
    assert by_line["6"] == "id 'res-100' is used twice"
    assert by_line["9"] == "output/edges/1: 'reason' is a required property"
    assert by_line["11"] == "source needs exactly one non-empty text (text, content or summary)"
    labelled, annotated, bare = [i for i in items if not isinstance(i, Rejected)]
    assert labelled["provenance"] == {"origin": "user", "source": f"{FIXTURE}:1"}
    assert labelled["context"]["labels"]["res-100"] == {"type": "SEE_ALSO", "affinity": 0.85}
    source, candidates = edges.parse_input(labelled["input"])
    assert (
        source["text"] == "Meeting notes about Q4 planning and budget allocation"
    )  # from "content"
    assert [c.get("type") for c in candidates] == ["meeting", None, "diary"]
    assert annotated["output"] is None and annotated["unlabeled"] is True
    assert annotated["context"]["labels"]["res-300"] == {"type": "NONE", "affinity": 0.0}
    assert bare["output"] is None and bare["unlabeled"] is True and bare["context"] == {}


def test_source_seeds_read_user_files_first_then_generate_up_to_count(recipe, tmp_path):
    missing = tmp_path / "nope.jsonl"
    items = list(
        re_recipe.source_seeds({**recipe.source, "paths": [str(FIXTURE), str(missing)]}, 6, 1)
    )
    kept = [i for i in items if not isinstance(i, Rejected)]
    assert [i["provenance"]["origin"] for i in kept] == ["user"] * 3 + ["grammar"] * 3
    assert kept[0]["labels"] == {"relations": "SEE_ALSO"} and kept[1]["labels"] == {}
    assert (items[-4].where, items[-4].reason) == (str(missing), "source_missing")
    assert all(i["context"]["agreement"]["min_recall"] == 0.8 for i in kept if i.get("context"))


@pytest.mark.parametrize(
    "config, message",
    [
        ({"path": ["x"]}, "source.path: unknown key (known: paths, agreement)"),
        (
            {"agreement": {"min_recall": 1.5}},
            "source.agreement.min_recall: expected a number in [0, 1], got 1.5",
        ),
        ({"agreement": {"recall": 0.5}}, "source.agreement.recall: unknown key"),
    ],
)
def test_source_config_errors_name_the_key(config, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        next(re_recipe.source_seeds(config, 3, 1))


def test_user_seed_needs_edges():
    line = json.loads(FIXTURE.read_text().splitlines()[0])
    seed = re_recipe.user_seed(line)
    assert seed["labels"] == {"relations": "SEE_ALSO"} and len(seed["output"]["edges"]) == 3
    with pytest.raises(ValueError, match="needs edges"):
        re_recipe.user_seed({k: v for k, v in line.items() if k != "edges"})
    with pytest.raises(ValueError) as bad:
        re_recipe.user_seed({**line, "edges": line["edges"][:2]})
    assert bad.value.reason == "edges_missing_candidate"


# -- a teacher's answers, through the real generate and validate stages -------------------------


def test_agreeing_answers_are_kept_and_disagreeing_ones_rejected(recipe, tmp_path):
    from factory.record import Rejected
    from factory.stages.base import BuildOptions, StageSettings
    from factory.stages.generate import GenerateStage
    from factory.stages.seeds import SeedsStage
    from factory.stages.validate import ValidateStage
    from factory.teacher.spec import TeacherSpec
    from factory.testing.loopback import LoopbackTeacher

    def reply(messages: list[dict]) -> str:
        """Agree with the labels for the first collection (own reasons and scores), call all NONE otherwise."""
        user = messages[-1]["content"]
        source, candidates = edges.parse_input(user[user.index('{"source"') : user.index("]}") + 2])
        answer = []
        for candidate in candidates:
            kind = gold[source["id"]][candidate["id"]]["type"] if source["id"] == first else "NONE"
            answer.append(
                {
                    "from": source["id"],
                    "to": candidate["id"],
                    "type": kind,
                    "score": 0.5,
                    "reason": "judged by the teacher",
                    "metadata": {"topic_overlap": []},
                }
            )
        return "```json\n" + json.dumps({"edges": answer}) + "\n```"

    context = StageSettings(
        recipe=recipe,
        options=BuildOptions(limit=2, max_concurrency=1),
        run_dir=tmp_path / "run",
        cache_path=tmp_path / "_cache" / "teacher.sqlite",
    )
    seeds = [s for s in SeedsStage(context).process(iter(())) if not isinstance(s, Rejected)]
    gold = {
        edges.parse_input(s["input"])[0]["id"]: s["provenance"]["context"]["labels"] for s in seeds
    }
    first = edges.parse_input(seeds[0]["input"])[0]["id"]
    assert any(label["type"] != "NONE" for label in gold[first].values())
    assert any(
        label["type"] != "NONE"
        for label in gold[edges.parse_input(seeds[1]["input"])[0]["id"]].values()
    )
    with LoopbackTeacher(reply=reply) as server:
        context.teacher = TeacherSpec(model="loopback", base_url=server.base_url, api_key="none")
        generated = list(GenerateStage(context).process(iter(copy.deepcopy(seeds))))
        prompts = server.prompts
    shown = seeds[0]["output"]["edges"][0]["reason"]
    assert len(prompts) == 2 and all(
        shown not in p and "min_recall" not in p for p in prompts
    )  # labels stay hidden
    out = list(ValidateStage(context).process(r for r in generated if not isinstance(r, Rejected)))
    kept = [r for r in out if not isinstance(r, Rejected)]
    rejected = [r for r in out if isinstance(r, Rejected)]
    assert [r["provenance"]["origin"] for r in kept] == ["grammar", "teacher", "grammar"]
    answer = kept[1]
    assert answer["input"] == seeds[0]["input"] and answer["seed_id"] == seeds[0]["seed_id"]
    assert {e["reason"] for e in answer["output"]["edges"]} == {"judged by the teacher"}
    assert answer["provenance"]["context"] == seeds[0]["provenance"]["context"]
    assert [r.reason for r in rejected] == ["edges_disagree_with_labels"]
    assert rejected[0].detail.startswith(
        "precision 0.00 < 0.8 (no edge called related); recall 0.00 < 0.8 (missed: "
    )


def test_annotation_questions_prefill_and_apply_per_edge():
    import copy

    from pipelines.rem_edges import recipe as edges_recipe

    names = [q["name"] for q in edges_recipe.annotation_questions()]
    assert names[:2] == ["relationship_1", "affinity_1"] and len(names) == 12
    output = {
        "edges": [
            {"from": "res-0100", "to": "res-0101", "type": "SEE_ALSO", "score": 0.85},
            {"from": "res-0100", "to": "res-0102", "type": "NONE", "score": 0.05},
        ]
    }
    prefilled = edges_recipe.annotation_suggestions({"output": output})
    assert prefilled == {
        "relationship_1": "SEE_ALSO",
        "affinity_1": 9,
        "relationship_2": "NONE",
        "affinity_2": 1,
    }
    assert (
        edges_recipe.apply_annotation(copy.deepcopy(output), prefilled) == output
    )  # untouched: exact scores kept
    changed = edges_recipe.apply_annotation(
        copy.deepcopy(output), {**prefilled, "relationship_2": "CONTINUATION", "affinity_2": 8}
    )
    assert changed["edges"][1] == {
        "from": "res-0100",
        "to": "res-0102",
        "type": "CONTINUATION",
        "score": 0.8,
    }
    with pytest.raises(ValueError, match="relationship_3: the output has 2 edges"):
        edges_recipe.apply_annotation(copy.deepcopy(output), {"relationship_3": "NONE"})
