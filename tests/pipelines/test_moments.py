"""The moments recipe: generator coverage and determinism, validator reasons, the teacher's answers,
metrics against hand-computed values, your transcripts as unlabeled seeds, PII placeholders kept consistent."""

import copy
import json
import re
from pathlib import Path

import pytest
from jinja2 import Environment, StrictUndefined

from factory.recipes import load_recipe
from factory.record import Record, Rejected, SeedError
from factory.stages.base import BuildOptions, StageSettings
from factory.stages.validate import schema_validator
from factory.teacher.spec import TeacherSpec
from factory.testing.loopback import LoopbackTeacher
from pipelines.moments import generator, metrics
from pipelines.moments import recipe as mr
from pipelines.moments.user_files import read_transcripts

FIXTURES = Path(__file__).parent / "fixtures" / "moments"
TRANSCRIPT = """\
[2024-11-17 09:00] Sarah: Morning! The API deployment is ready on my side.
[2024-11-17 09:04] Paul: I'm worried the migration could lock tables.
[2024-11-17 09:12] You: Thanks Paul, I'll review the script today.
[2024-11-17 10:30] Sat down to chase the token bug.
[2024-11-17 11:00] Frustrating hour, every lead turned out wrong.
[2024-11-17 11:45] Fixed it and added a test. Very satisfying."""


def moment(
    start: str, end: str, kind: str, persons=(), emotions=("focused",), topics=("api-deployment",)
) -> dict:
    return {
        "resource_timestamp": f"2024-11-17T{start}:00Z",
        "resource_ends_timestamp": f"2024-11-17T{end}:00Z",
        "moment_type": kind,
        "name": f"{kind} at {start}",
        "summary": "You did something.",
        "content": "Something happened.",
        "emotion_tags": list(emotions),
        "topic_tags": list(topics),
        "present_persons": [
            {"id": f"person-{i}", "name": name} for i, name in enumerate(persons, 1)
        ],
    }


def good_record() -> dict:
    output = {
        "moments": [
            moment(
                "09:00",
                "09:12",
                "meeting",
                ["Sarah", "Paul"],
                ["collaborative", "concerned"],
                ["team-standup", "api-deployment"],
            ),
            moment(
                "10:30",
                "11:45",
                "problem_solving",
                [],
                ["frustrated", "satisfied"],
                ["debugging", "token-refresh"],
            ),
        ]
    }
    return {"input": TRANSCRIPT, "output": output, "provenance": {"origin": "user"}, "checks": {}}


# --- the generator ---------------------------------------------------------------------------


def test_templates_cover_every_moment_type_and_match_the_schema():
    from factory import SCHEMAS_DIR

    schema = json.loads((SCHEMAS_DIR / "moments.schema.json").read_text())
    assert (
        tuple(schema["properties"]["moments"]["items"]["properties"]["moment_type"]["enum"])
        == mr.MOMENT_TYPES
    )
    assert {t.type for t in generator.templates()} == set(mr.MOMENT_TYPES)
    # the embedded teacher's reply is constrained to this schema; llama.cpp's grammar converter fails on "\d"
    assert "\\d" not in json.dumps(schema)


def test_any_run_of_len_templates_consecutive_transcripts_covers_every_template():
    count = len(generator.templates())
    items = generator.generate(3 * count, 5)
    keys = {t.key for t in generator.templates()}
    for start in range(0, 2 * count + 1, count // 2):
        assert {key for item in items[start : start + count] for key in item["templates"]} == keys
    assert {len(item["moments"]) for item in items} == {2, 3, 4}


def test_generator_is_deterministic_and_its_transcripts_distinct():
    first, second = generator.generate(80, 3), generator.generate(80, 3)
    assert first == second
    assert len({item["transcript"] for item in first}) == 80
    assert generator.generate(80, 4) != first


def test_every_generated_seed_is_a_valid_record_with_its_plan():
    recipe = load_recipe("moments")
    validator = schema_validator(recipe)
    seeds = list(mr.generated_seeds(recipe.seed_count, recipe.random_seed))
    assert len(seeds) == recipe.seed_count == 400  # seed 002 asks for 200+ annotated transcripts
    for seed in seeds:
        assert list(validator.iter_errors(seed["output"])) == []
        record = {
            "input": seed["input"],
            "output": seed["output"],
            "provenance": {**seed["provenance"], "context": seed["context"]},
        }
        assert mr.validate(record) is None, seed["provenance"]["source"]
        plan = seed["context"]["moments"]
        moments = seed["output"]["moments"]
        assert [(p["start"], p["end"], p["type"]) for p in plan] == [
            (m["resource_timestamp"], m["resource_ends_timestamp"], m["moment_type"])
            for m in moments
        ]
        assert not any(
            name in json.dumps(seed["context"]) for name in generator.NAMES
        )  # no names in the plan
        assert seed["labels"]["moment_count"] == len(plan)


def test_a_generated_transcript_looks_like_the_seed_task():
    [item] = generator.generate(1, 17)
    lines = item["transcript"].splitlines()
    assert all(re.match(r"^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}\] \S", line) for line in lines)
    first = item["moments"][0]
    assert first["resource_timestamp"] == re.sub(r"^\[(\S+) (\S+)\].*", r"\1T\2:00Z", lines[0])
    persons = [p for m in item["moments"] for p in m["present_persons"]]
    ids = {p["name"]: p["id"] for p in persons}
    order = sorted(ids, key=lambda name: item["transcript"].index(f"{name}"))
    assert [ids[name] for name in order] == [f"person-{i}" for i in range(1, len(order) + 1)]


def test_template_lines_are_short_enough_for_the_exports_13_gram_check():
    """No template text has more than 9 words, so a 13-word run always includes part of a date and time."""
    for item in generator.generate(200, 9):
        for line in item["transcript"].splitlines():
            text = line.split("] ", 1)[1].split(": ", 1)[-1]
            assert len(re.findall(r"\w+", text)) <= 9, line


def test_a_bad_template_is_named_with_its_problems(tmp_path, monkeypatch):
    path = tmp_path / "templates.yaml"
    path.write_text(
        "- {key: nap, type: sleeping, roles: [friend], subjects: [[a nap, Nap Time]], topics: [rest],\n"
        "   emotions: [calm], name: '{subjct}', summary: s, content: c,\n"
        "   lines: [[0, null, [a]], [5, 3, [b]]]}\n"
    )
    monkeypatch.setattr(generator, "TEMPLATES_PATH", path)
    generator.templates.cache_clear()
    try:
        with pytest.raises(ValueError) as caught:
            generator.templates()
    finally:
        generator.templates.cache_clear()
    message = str(caught.value)
    for problem in (
        "nap: type 'sleeping' not in",
        "nap: tag 'Nap Time' is not lowercase-with-hyphens",
        "nap: role 1 never speaks",
        "nap: speaker 3 has no role",
        "nap: unknown slot {subjct}",
    ):
        assert problem in message


# --- the validator ---------------------------------------------------------------------------


def test_a_good_record_passes():
    assert mr.validate(good_record()) is None


@pytest.mark.parametrize(
    "change, reason, detail",
    [
        (
            lambda r: r.update(input=r["input"] + "\nno stamp here"),
            "moments_bad_transcript",
            "input line 7: expected '[YYYY-MM-DD HH:MM] text', got 'no stamp here'",
        ),
        (
            lambda r: r["output"]["moments"][1].update(moment_type="nap"),
            "moments_unknown_type",
            (
                "moment 2: 'nap' is not one of meeting, problem_solving, coding, planning, learning, reflection, "
                "conversation, exercise, break"
            ),
        ),
        (
            lambda r: r["output"]["moments"][0].update(resource_timestamp="2024-11-17T25:00:00Z"),
            "moments_bad_timestamps",
            "moment 1: not a real time in YYYY-MM-DDTHH:MM:SSZ",
        ),
        (
            lambda r: r["output"]["moments"][0].update(
                resource_ends_timestamp="2024-11-17T09:00:00Z"
            ),
            "moments_bad_timestamps",
            "moment 1: ends at 2024-11-17T09:00:00Z, not after its start 2024-11-17T09:00:00Z",
        ),
        (
            lambda r: r["output"]["moments"][1].update(
                resource_ends_timestamp="2024-11-17T12:00:00Z"
            ),
            "moments_bad_timestamps",
            (
                "moment 2: 2024-11-17T10:30:00Z..2024-11-17T12:00:00Z is outside the transcript's "
                "span 2024-11-17T09:00:00Z..2024-11-17T11:45:00Z"
            ),
        ),
        (
            lambda r: r["output"]["moments"][1].update(resource_timestamp="2024-11-17T09:10:00Z"),
            "moments_bad_timestamps",
            (
                "moment 2: starts at 2024-11-17T09:10:00Z, before moment 1 ends (2024-11-17T09:12:00Z): "
                "out of order or overlapping"
            ),
        ),
        (
            lambda r: r["output"]["moments"].reverse(),
            "moments_bad_timestamps",
            (
                "moment 2: starts at 2024-11-17T09:00:00Z, before moment 1 ends (2024-11-17T11:45:00Z): "
                "out of order or overlapping"
            ),
        ),
        (
            lambda r: r["output"]["moments"][1]["present_persons"].append(
                {"id": "person-3", "name": "Sarah"}
            ),
            "moments_unknown_person",
            (
                "moment 2: 'Sarah' is not named in the transcript between 2024-11-17T10:30:00Z "
                "and 2024-11-17T11:45:00Z"
            ),
        ),
    ],
)
def test_bad_records_get_their_exact_reason(change, reason, detail):
    record = good_record()
    change(record)
    assert mr.validate(record) == (reason, detail)


def _with_plan(record: dict, **override) -> dict:
    plan = [
        {
            "start": m["resource_timestamp"],
            "end": m["resource_ends_timestamp"],
            "type": m["moment_type"],
            "persons": len(m["present_persons"]),
        }
        for m in record["output"]["moments"]
    ]
    plan[0].update(override)
    record["provenance"]["context"] = {"moments": plan}
    return record


def test_an_answer_that_disagrees_with_the_known_plan_is_rejected():
    assert mr.validate(_with_plan(good_record())) is None
    assert mr.validate(_with_plan(good_record(), type="conversation")) == (
        "moments_disagree_with_labels",
        (
            "moment 1: 2024-11-17T09:00:00Z..2024-11-17T09:12:00Z meeting with 2 people; "
            "known: 2024-11-17T09:00:00Z..2024-11-17T09:12:00Z conversation with 2"
        ),
    )
    assert (
        mr.validate(_with_plan(good_record(), end="2024-11-17T09:04:00Z"))[0]
        == "moments_disagree_with_labels"
    )
    shorter = _with_plan(good_record())
    shorter["provenance"]["context"]["moments"].pop()
    assert mr.validate(shorter) == (
        "moments_disagree_with_labels",
        "2 moments, the transcript's known plan has 1",
    )


def test_a_generated_name_that_survived_redaction_is_rejected():
    record = _with_plan(good_record())
    record["checks"]["pii"] = {
        "PERSON": 3
    }  # the scrubber ran, yet "Sarah" is still in the transcript
    record["output"]["moments"][0]["present_persons"][1]["name"] = "<PERSON_1>"
    record["input"] = record["input"].replace("Paul", "<PERSON_1>")
    assert mr.validate(record) == (
        "moments_person_not_redacted",
        (
            "a generated person's name survived PII redaction "
            "somewhere in the record (the scrubber missed one "
            "of its mentions)"
        ),
    )
    record["input"] = record["input"].replace("Sarah", "<PERSON_2>")
    record["output"]["moments"][0]["present_persons"][0]["name"] = "<PERSON_2>"
    assert mr.validate(record) is None


def test_labels_name_the_longest_moment():
    assert mr.labels(good_record()["output"]) == {"main_type": "problem_solving", "moment_count": 2}
    assert mr.labels({"moments": "?"}) == {"main_type": "none", "moment_count": 0}


# --- the teacher's answer and user seeds -------------------------------------------------------


def test_make_answer_tidies_the_teachers_json():
    reply = """Here are the moments:
```json
{"moments": [{"name": "Standup", "moment_type": "Problem Solving", "resource_timestamp": "2024-11-17 09:00",
  "resource_ends_timestamp": "2024-11-17T10:12:00+01:00", "summary": " You met. ", "content": "Standup.",
  "emotion_tags": ["Focused", "focused", "  "], "topic_tags": ["API Deployment"], "present_persons": []}]}
```"""
    made = mr.make_answer(reply, {"input": TRANSCRIPT, "output": None, "context": {}})
    assert made["input"] == TRANSCRIPT
    assert made["output"] == {
        "moments": [
            {
                "resource_timestamp": "2024-11-17T09:00:00Z",
                "resource_ends_timestamp": "2024-11-17T09:12:00Z",
                "moment_type": "problem_solving",
                "name": "Standup",
                "summary": "You met.",
                "content": "Standup.",
                "emotion_tags": ["focused"],
                "topic_tags": ["api-deployment"],
                "present_persons": [],
            }
        ]
    }
    assert list(made["output"]["moments"][0]) == list(mr.MOMENT_KEYS)
    assert made["labels"] == {"main_type": "problem_solving", "moment_count": 1}
    bare = mr.make_answer(json.dumps(good_record()["output"]["moments"]), {"input": TRANSCRIPT})
    assert bare["output"] == good_record()["output"]


@pytest.mark.parametrize(
    "reply, message",
    [
        ("I cannot segment this.", "no JSON object or array in the reply"),
        ('{"moments": []}', 'expected {"moments": [{...}, ...]} with one object per moment'),
        (
            '{"moments": ["09:00 standup"]}',
            'expected {"moments": [{...}, ...]} with one object per moment',
        ),
    ],
)
def test_make_answer_refuses_replies_without_moments(reply, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        mr.make_answer(reply, {"input": TRANSCRIPT})


def test_the_student_writes_times_and_type_first_though_records_are_stored_with_sorted_keys():
    record = json.loads(json.dumps(good_record(), sort_keys=True))  # as factory.jsonl writes it
    answer = json.loads(mr.student_answer(record))
    assert answer == good_record()["output"]
    assert list(answer["moments"][0]) == list(mr.MOMENT_KEYS)
    assert list(answer["moments"][0]["present_persons"][0]) == ["id", "name"]


def test_user_seed_lines():
    record = good_record()
    stamped = record["input"].replace("[2024-11-17 09:00]", "[2024-11-17T09:00:00Z]")
    seed = mr.user_seed({"input": stamped, "output": record["output"]})
    assert seed["input"] == TRANSCRIPT and seed["output"] == record["output"]
    with pytest.raises(ValueError, match="each line needs"):
        mr.user_seed({"input": TRANSCRIPT})
    with pytest.raises(SeedError, match="^transcript line 1: ") as caught:
        mr.user_seed({"input": "hello\n" + TRANSCRIPT, "output": record["output"]})
    assert caught.value.reason == "moments_untimed_text"  # the seeds stage rejects it so
    with pytest.raises(SeedError) as caught:
        mr.user_seed({"input": "no stamps here", "output": record["output"]})
    assert caught.value.reason == "moments_no_timestamps"


def test_the_prompt_shows_the_plan_of_a_generated_seed_only():
    recipe = load_recipe("moments")
    template = Environment(undefined=StrictUndefined).from_string(recipe.prompt.read_text())
    [seed] = mr.generated_seeds(1, 2)
    shown = template.render(seed={**seed, "context": seed["context"]}, n=1)
    plan = seed["context"]["moments"][0]
    assert (
        f"- {plan['start']} to {plan['end']}: {plan['type']}," in shown and seed["input"] in shown
    )
    unlabeled = template.render(
        seed={"input": TRANSCRIPT, "output": None, "labels": {}, "context": {}}, n=1
    )
    assert "known already" not in unlabeled and TRANSCRIPT in unlabeled


def _record(seed: dict) -> dict:
    """A seed as the seeds stage makes it a record."""
    provenance = {
        **seed["provenance"],
        **({"context": seed["context"]} if seed.get("context") else {}),
        **({"unlabeled": True} if seed.get("unlabeled") else {}),
    }
    record = Record(
        recipe="moments",
        kind="moments",
        schema_version=1,
        seed_id="",
        input=seed["input"],
        output=seed["output"],
        labels=seed["labels"],
        provenance=provenance,
    ).to_dict()
    record["seed_id"] = record["id"]
    return record


def test_the_teacher_answers_through_the_generate_stage_and_validate_judges_it(tmp_path):
    """A real loopback server plays the teacher: an answer that keeps a generated seed's plan passes, one that
    changes a type is rejected; your unlabeled transcript only prompts it, and its answer is the record."""
    recipe = load_recipe("moments")
    agreeing, disagreeing = mr.generated_seeds(2, 17)
    yours = {
        "input": TRANSCRIPT,
        "output": None,
        "unlabeled": True,
        "labels": {},
        "provenance": {"origin": "user", "source": "day.txt"},
    }
    reworded = {
        "moments": [
            {**m, "name": "Reworded " + m["name"], "emotion_tags": ["calm"]}
            for m in agreeing["output"]["moments"]
        ]
    }
    changed = copy.deepcopy(disagreeing["output"])
    changed["moments"][0]["moment_type"] = (
        "break" if changed["moments"][0]["moment_type"] != "break" else "meeting"
    )

    def reply(messages: list[dict]) -> str:
        prompt = messages[-1]["content"]
        if agreeing["input"] in prompt:
            return "Sure!\n" + json.dumps(reworded)
        return (
            json.dumps(changed)
            if disagreeing["input"] in prompt
            else json.dumps(good_record()["output"])
        )

    context = StageSettings(
        recipe=recipe,
        options=BuildOptions(max_concurrency=1),
        run_dir=tmp_path / "run",
        cache_path=tmp_path / "_cache" / "teacher.sqlite",
    )
    from factory.stages.generate import GenerateStage

    with LoopbackTeacher(reply=reply) as server:
        context.teacher = TeacherSpec(model="loopback", base_url=server.base_url, api_key="none")
        out = list(
            GenerateStage(context).process(
                iter([_record(s) for s in (agreeing, disagreeing, yours)])
            )
        )
        prompts = server.prompts
    assert len(prompts) == 3 and "known already" in prompts[0] and "known already" not in prompts[2]
    assert [r["provenance"]["origin"] for r in out] == [
        "grammar",
        "teacher",
        "grammar",
        "teacher",
        "teacher",
    ]
    made = out[1]
    assert made["input"] == agreeing["input"] and made["output"] == reworded
    assert made["provenance"]["context"] == agreeing["context"]
    first, plan = changed["moments"][0], disagreeing["context"]["moments"][0]
    span = f"{plan['start']}..{plan['end']}"
    assert [mr.validate(r) for r in out] == [
        None,
        None,
        None,
        (
            "moments_disagree_with_labels",
            (
                f"moment 1: {span} {first['moment_type']} with {plan['persons']} people; "
                f"known: {span} {plan['type']} with {plan['persons']}"
            ),
        ),
        None,
    ]
    assert out[4]["input"] == TRANSCRIPT and "unlabeled" not in out[4]["provenance"]


# --- your transcripts --------------------------------------------------------------------------


def _split(items) -> tuple[list[dict], list[tuple[str, str]]]:
    items = list(items)
    return (
        [i for i in items if not isinstance(i, Rejected)],
        [(s.where, s.reason) for s in items if isinstance(s, Rejected)],
    )


def test_a_text_transcript_becomes_one_unlabeled_seed():
    path = FIXTURES / "day.txt"
    [seed], skipped = _split(read_transcripts([path]))
    assert skipped == [(f"{path}:1", "moments_untimed_text")]
    assert seed == {
        "input": "[2024-11-16 08:30] Sarah: Are we still on for the run?\n"
        "[2024-11-16 08:32] You: Yes, meet at the bridge.\n"
        "[2024-11-16 09:05] Ran the river loop with Sarah, felt strong the whole way.\n"
        "[2024-11-16 09:35] Coffee and journaling at home.\n"
        "[2024-11-16 09:50] Wrote about the week.",
        "output": None,
        "unlabeled": True,
        "labels": {},
        "provenance": {"origin": "user", "source": str(path)},
    }


def test_json_lines_transcripts_and_turns():
    turns, transcripts = FIXTURES / "turns.jsonl", FIXTURES / "transcripts.jsonl"
    seeds, skipped = _split(
        read_transcripts([turns, transcripts, FIXTURES / "notes.bin", FIXTURES / "nope.txt"])
    )
    assert [s["provenance"]["source"] for s in seeds] == [
        str(turns),
        f"{transcripts}:1",
    ]  # a file's turns at its end
    assert seeds[1]["input"] == (
        "[2024-11-19 09:00] Paul: Morning! The billing release is ready.\n"
        "[2024-11-19 09:10] You: Thanks Paul, shipping it."
    )
    assert seeds[0]["input"] == (
        "[2024-11-18 14:00] Fatima: Shall we plan the release checklist?\n"
        "[2024-11-18 14:06] You: Yes, I'll take the importer.\n"
        "[2024-11-18 14:20] Fatima: Great, done for today.\n"
        "[2024-11-18 14:45] Back at the desk."
    )
    assert skipped == [
        (f"{turns}:4", "source_bad_shape"),
        (f"{turns}:5", "source_bad_json"),
        (f"{transcripts}:2 (transcript line 2)", "moments_unordered_times"),
        (f"{transcripts}:3", "moments_too_short"),
        (f"{transcripts}:4", "moments_no_timestamps"),
        (str(FIXTURES / "notes.bin"), "source_binary_file"),
        (str(FIXTURES / "nope.txt"), "source_missing"),
    ]


def test_source_seeds_put_your_transcripts_first_then_generated_ones():
    items = list(mr.source_seeds({"paths": [str(FIXTURES / "day.txt")]}, 3, 17))
    seeds = [i for i in items if not isinstance(i, Rejected)]
    assert [s["provenance"]["origin"] for s in seeds] == ["user", "grammar", "grammar"]
    assert seeds[1:] == list(mr.generated_seeds(2, 17))
    only_yours = list(mr.source_seeds({"paths": [str(FIXTURES)], "generated": False}, 100, 17))
    assert [s["provenance"]["origin"] for s in only_yours if not isinstance(s, Rejected)] == [
        "user"
    ] * 3
    capped = list(mr.source_seeds({"paths": [str(FIXTURES)]}, 1, 17))
    assert len([s for s in capped if not isinstance(s, Rejected)]) == 1


# --- metrics -----------------------------------------------------------------------------------


def test_metrics_against_hand_computed_values():
    expected = {
        "moments": [
            moment(
                "09:00",
                "09:12",
                "meeting",
                ["Sarah", "Paul"],
                ["collaborative", "concerned"],
                ["team-standup", "api"],
            ),
            moment(
                "10:30", "11:45", "problem_solving", [], ["frustrated", "satisfied"], ["debugging"]
            ),
        ]
    }
    predicted = {
        "moments": [
            # matches moment 1 (start +0, end +3 min): right type, 1 of 2 emotions, 1 of 2 topics + 1 wrong, 1 of 2 people
            moment(
                "09:00",
                "09:15",
                "meeting",
                ["sarah "],
                ["collaborative", "happy"],
                ["team-standup", "deploy"],
            ),
            # 10:30-11:00 ends 45 minutes early: no match; its tags and people still count as predicted
            moment("10:30", "11:00", "problem_solving", ["Kim"], ["frustrated"], ["debugging"]),
        ]
    }
    record = {"input": TRANSCRIPT, "output": expected}
    validator = schema_validator(load_recipe("moments"))
    scores = metrics.score("```json\n" + json.dumps(predicted) + "\n```", record, validator)
    # boundary: 1 pair / max(2, 2); type: 1 right / 2 expected; emotions: TP 1, P 2+1, E 2+2 -> F1 2/7;
    # topics: TP 1, P 2+1, E 2+1; people: 1 right / max(2 predicted, 2 expected);
    # valid: the times are inside the transcript, but 'Kim' is named nowhere -> 0
    assert scores == {
        "boundary": 0.5,
        "type": 0.5,
        "emotion_f1": pytest.approx(2 / 7),
        "topic_precision": pytest.approx(1 / 3),
        "topic_recall": pytest.approx(1 / 3),
        "participants": 0.5,
        "valid": 0.0,
    }
    perfect = metrics.score(json.dumps(expected), record, validator)
    assert perfect == dict.fromkeys(metrics.METRICS, 1.0)
    assert metrics.score("no idea", record, validator) == dict.fromkeys(metrics.METRICS, 0.0)


def test_matching_is_one_to_one_within_five_minutes():
    expected = [moment("09:00", "09:30", "meeting"), moment("09:35", "10:00", "break")]
    predicted = [
        moment("09:04", "09:34", "meeting"),
        moment("09:01", "09:29", "meeting"),
        moment("09:36", "10:06", "break"),
    ]
    assert metrics.match(expected, predicted) == [
        (0, 1)
    ]  # closest first; 09:36-10:06 ends 6 minutes late
    assert metrics.match(expected, [moment("09:05", "09:35", "meeting")]) == [
        (0, 0)
    ]  # 5 minutes is inside


# --- PII: names become the same placeholder in the transcript and in present_persons ------------


@pytest.fixture(scope="module")
def scrubber():
    from factory.pii import Scrubber

    recipe = load_recipe("moments")
    return Scrubber(recipe.pii_entities, recipe.pii_thresholds, recipe.pii_allow)


def test_redaction_gives_a_person_the_same_placeholder_everywhere_in_a_record(scrubber):
    from factory.stages.scrub import text_fields

    record = good_record()
    record["input"] = record["input"].replace("Paul", "Fatima")
    record["output"]["moments"][0]["present_persons"][1]["name"] = "Fatima"
    paths = text_fields(record)
    [(texts, found)] = scrubber.redact_groups([[text for _, text in paths]])
    for (path, _), text in zip(paths, texts):
        node = record
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = text
    assert found == {"PERSON": 5}
    assert [p["name"] for p in record["output"]["moments"][0]["present_persons"]] == [
        "<PERSON_1>",
        "<PERSON_2>",
    ]
    assert record["input"].splitlines()[:3] == [
        "[2024-11-17 09:00] <PERSON_1>: Morning! The API deployment is ready on my side.",
        "[2024-11-17 09:04] <PERSON_2>: I'm worried the migration could lock tables.",
        "[2024-11-17 09:12] You: Thanks <PERSON_2>, I'll review the script today.",
    ]
    assert mr.validate(record) is None


def test_the_scrub_stage_keeps_generated_records_consistent_or_rejects_them(tmp_path):
    from factory.stages.scrub import ScrubStage

    recipe = load_recipe("moments")
    records = []
    for seed in mr.generated_seeds(20, recipe.random_seed):
        record = Record(
            recipe="moments",
            kind="moments",
            schema_version=1,
            seed_id="",
            input=seed["input"],
            output=seed["output"],
            labels=seed["labels"],
            provenance={**seed["provenance"], "context": seed["context"]},
        ).to_dict()
        records.append(record)
    context = StageSettings(
        recipe=recipe,
        options=BuildOptions(),
        run_dir=tmp_path / "run",
        cache_path=tmp_path / "_cache" / "teacher.sqlite",
    )
    out = list(ScrubStage(context).process(iter(copy.deepcopy(records))))
    kept = [r for r in out if not isinstance(r, Rejected)]
    rejected = [r for r in out if isinstance(r, Rejected)]
    assert (
        len(kept) >= 15
    )  # the scrubber misses a name now and then; such records are rejected, not kept
    for record in kept:
        assert mr.validate(record) is None
        assert not any(re.search(rf"\b{name}\b", json.dumps(record)) for name in generator.NAMES)
        for moment_ in record["output"]["moments"]:
            for person in moment_["present_persons"]:
                assert (
                    re.fullmatch(r"<PERSON_\d+>", person["name"])
                    and person["name"] in record["input"]
                )
    for rejection in rejected:
        assert rejection.reason == "pii_broke_schema"
        assert re.search(
            r": (moments_person_not_redacted|moments_unknown_person): ", rejection.detail
        )
