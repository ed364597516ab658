"""The build report's PII line: which PII rejections hit the task's own output (a key taken for a name);
what the teacher wrote: its share of the kept records by origin, the top rejections, the warning under 10%."""

import json

import pytest

from factory.report import origin_group, pii_rejections, stage_table, teacher_lines, teacher_share


def test_pii_rejections_that_hit_the_task_output_are_counted_and_shown(tmp_path):
    (tmp_path / "rejected").mkdir()
    rejected = [  # a LOOKUP key taken for a person: the redacted query no longer validates
        {
            "stage": "seeds",
            "reason": "pii_broke_schema",
            "detail": "after redacting PERSON: 1: rem_unknown_key",
            "record": {
                "input": "Open <PERSON_1>",
                "output": {"rem": "LOOKUP <PERSON_1>", "parameters": {"key": "<PERSON_1>"}},
            },
        },
        {
            "stage": "seeds",
            "reason": "pii_found",
            "detail": "EMAIL_ADDRESS: 1",  # found in the request only
            "record": {"input": "Mail <EMAIL_ADDRESS_1>", "output": {"rem": "LOOKUP res-1"}},
        },
        {
            "stage": "seeds",
            "reason": "bad_seed",
            "detail": "x",
            "record": {"input": "x", "output": "<PERSON_1>"},
        },
    ]
    (tmp_path / "rejected" / "seeds.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rejected)
    )
    rows = [
        {
            "name": "seeds",
            "in": 3,
            "out": 0,
            "rejected": {"bad_seed": 1, "pii_broke_schema": 1, "pii_found": 1},
            "seconds": 0.1,
        },
        {"name": "dedup", "in": 0, "out": 0, "rejected": {}, "seconds": 0.1},
    ]
    found = pii_rejections(tmp_path, rows)
    assert found == {
        "total": 2,
        "in_task_output": 1,
        "by_entity": {"PERSON": 1},
        "files": ["rejected/seeds.jsonl"],
    }
    report = {
        "recipe": "rem_queries",
        "run_id": "r",
        "stages": rows,
        "records": 0,
        "rejected": 3,
        "tokens": {"prompt": 0, "completion": 0},
        "pii_rejections": found,
    }
    assert stage_table(report).caption.endswith(
        "; 1 of 2 PII rejections hit the task's own output (keys, queries: PERSON 1): a false positive? "
        "see rejected/seeds.jsonl and add the words to the recipe's pii.allow"
    )


@pytest.mark.parametrize(
    "provenance, group",
    [
        ({"origin": "grammar"}, "grammar"),
        ({"origin": "user", "source": "seeds.jsonl:3"}, "user"),
        (
            {"origin": "teacher", "keep_values": ["res-1"], "seed_text": "x"},
            "teacher_rewrite",
        ),  # variations mode
        ({"origin": "teacher", "seed_text": "x"}, "teacher_new"),  # pairs / answer mode
        ({"origin": "teacher", "mode": "pairs", "keep_values": []}, "teacher_new"),
        ({"origin": "teacher_new"}, "teacher_new"),
        ({"origin": "man"}, "source"),
        ({"origin": "log"}, "source"),
        ({"origin": "repo"}, "source"),
        ({}, "source"),
    ],
)
def test_origin_groups(provenance, group):
    assert origin_group(provenance) == group


def _run(tmp_path, kept: list[dict], rejected: dict[str, list[dict]]) -> list[dict]:
    (tmp_path / "rejected").mkdir()
    (tmp_path / "dataset.jsonl").write_text(
        "".join(json.dumps({"provenance": p}) + "\n" for p in kept)
    )
    rows = []
    for stage, items in rejected.items():
        (tmp_path / "rejected" / f"{stage}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in items)
        )
        counts = {}
        for item in items:
            counts[item["reason"]] = counts.get(item["reason"], 0) + 1
        rows.append({"name": stage, "in": 0, "out": 0, "rejected": counts, "seconds": 0.0})
    return rows


def _rejection(reason: str, origin: str) -> dict:
    return {"reason": reason, "record": {"provenance": {"origin": origin}}}


def test_teacher_share_lines_and_the_warning_under_10_percent(tmp_path):
    teacher = {"origin": "teacher", "keep_values": []}
    rows = _run(
        tmp_path,
        [{"origin": "grammar"}] * 18 + [teacher] + [{"origin": "user"}],
        {
            "seeds": [_rejection("bad_seed", "user")],
            "faithfulness": [_rejection("variation_drifted", "teacher")] * 5
            + [_rejection("variation_copied", "teacher")],
            "dedup": [_rejection("near_duplicate", "teacher")] * 2
            + [_rejection("near_duplicate", "grammar")],
            "validate": [_rejection("variation_lost_value", "teacher")],
        },
    )
    rows.insert(1, {"name": "generate", "in": 0, "out": 0, "rejected": {}, "seconds": 0.0})
    share = teacher_share(tmp_path, rows)
    assert share == {
        "records": 20,
        "teacher": 1,
        "share": 0.05,
        "by_origin": {
            "grammar": 18,
            "teacher_rewrite": 1,
            "teacher_new": 0,
            "source": 0,
            "user": 1,
        },
        "teacher_rejected": 9,
        "teacher_rejections": [
            ["variation_drifted", 5],
            ["near_duplicate", 2],
            ["variation_copied", 1],
            ["variation_lost_value", 1],
        ],
        "top_rejections": [["variation_drifted", 5], ["near_duplicate", 3], ["bad_seed", 1]],
    }
    lines, warning = teacher_lines({"stages": rows, "teacher_share": share})
    assert lines == [
        "the teacher wrote 1 of the 20 records (5%); by origin: grammar 18, teacher rewrite 1, "
        "teacher new 0, source 0, user 1",
        "top rejections: variation_drifted 5, near_duplicate 3, bad_seed 1",
    ]
    assert warning == (
        "warning: the teacher wrote 5% of the 20 records (9 of its records rejected: variation_drifted 5, "
        "near_duplicate 2, variation_copied 1, ...); a stronger teacher: --teacher-url URL --teacher MODEL "
        "(any OpenAI-compatible server) or --teacher gpt-4o"
    )
    at_ten = {**share, "teacher": 2, "share": 0.1}
    assert (
        teacher_lines({"stages": rows, "teacher_share": at_ten})[1] is None
    )  # 10% is not under 10%
    assert teacher_lines({"stages": rows, "teacher_share": {**share, "share": 0.095}})[
        1
    ].startswith("warning: the teacher wrote 9.5% of the 20 records")  # never rounded up to 10%
    assert teacher_lines(
        {"stages": [r for r in rows if r["name"] != "generate"], "teacher_share": share}
    ) == ([], None)


def test_a_long_embedded_teacher_one_request_at_a_time_gets_the_hint_to_batch():
    share = {
        "records": 10,
        "teacher": 5,
        "share": 0.5,
        "by_origin": {"grammar": 5, "teacher_rewrite": 5},
        "teacher_rejected": 0,
        "teacher_rejections": [],
        "top_rejections": [],
    }

    def lines(slots: int, generate_seconds: float, invent_seconds: float = 0.0) -> list[str]:
        stages = [
            {"name": "generate", "seconds": generate_seconds, "cache": {"hits": 0, "misses": 1}},
            {"name": "invent", "seconds": invent_seconds, "cache": {"hits": 0, "misses": 1}},
            {"name": "dedup", "seconds": 5000.0},  # not the teacher's time
        ]
        teacher = {"embedded": True, "slots": slots}
        return teacher_lines({"stages": stages, "teacher_share": share, "teacher": teacher})[0]

    hint = lines(1, 400.0, 260.0)[-1]  # 660 s in the stages that ask the teacher
    assert hint.startswith("the embedded teacher took 11 min, one request at a time")
    assert "python -m factory.llama_native" in hint
    assert len(lines(1, 400.0)) == 2  # under 10 minutes: no hint
    assert len(lines(4, 4000.0)) == 2  # already side by side
