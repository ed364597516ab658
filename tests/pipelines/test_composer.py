"""The composer recipe: generated seeds, music21 as the oracle, the code sandbox, user sources, metrics."""

import inspect
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from factory.errors import ConfigError
from factory.recipes import load_recipe
from factory.record import Rejected, SeedError
from factory.stages.validate import schema_validator
from pipelines.composer import api_code, check, metrics, sandbox
from pipelines.composer import recipe as rc

TASKS = {"chord_notes", "interval", "scale", "roman_numerals", "code"}
MIDI_SCRIPT = """\
import sys
from music21 import chord, note, stream
part = stream.Stream([note.Note("C4"), chord.Chord(["E-4", "G4", "B-4"])])
part.write("midi", fp=sys.argv[1])
"""


@pytest.fixture(scope="module")
def recipe():
    return load_recipe("composer")


@pytest.fixture(scope="module")
def validator(recipe):
    return schema_validator(recipe)


@pytest.fixture(scope="module")
def seeds():
    return list(rc.generated_seeds(60, 11))


def record(task, subject, answer, question, code=None):
    output = {"task": task, "subject": subject, "answer": answer, "explanation": "x"}
    if code is not None:
        output["code"] = code
    return {"input": question, "output": output}


# ---- generated seeds ---------------------------------------------------------------------------


def test_any_five_consecutive_seeds_cover_every_task(seeds):
    assert len(seeds) == 60
    for start in range(0, 60, 5):
        assert {s["output"]["task"] for s in seeds[start : start + 5]} == TASKS


def test_generation_is_deterministic_and_distinct(seeds):
    assert list(rc.generated_seeds(60, 11)) == seeds
    assert [s["input"] for s in rc.generated_seeds(60, 12)] != [s["input"] for s in seeds]
    assert len({s["input"] for s in seeds}) == 60


def test_every_theory_seed_passes_schema_and_validator(seeds, validator):
    for seed in seeds:
        assert list(validator.iter_errors(seed["output"])) == [], seed
        assert seed["labels"] == {"task": seed["output"]["task"]}
        if seed["output"]["task"] != "code":
            assert seed["provenance"]["origin"] == "grammar"
            assert rc.validate(seed) is None, seed


def test_known_answers_come_from_music21():
    assert check.expected_answer("chord_notes", "Eb major seventh") == ["Eb", "G", "Bb", "D"]
    assert check.expected_answer("chord_notes", "F# diminished seventh") == ["F#", "A", "C", "Eb"]
    assert check.expected_answer("interval", "C4 to Ab4") == "minor sixth"
    assert check.expected_answer("interval", "C4 to G#4") == "augmented fifth"
    assert check.expected_answer("scale", "D harmonic minor") == [
        "D",
        "E",
        "F",
        "G",
        "A",
        "Bb",
        "C#",
    ]
    assert check.expected_answer("scale", "A minor pentatonic") == ["A", "C", "D", "E", "G"]
    assert check.expected_answer("roman_numerals", "C Am F G in C major") == ["I", "vi", "IV", "V"]
    assert check.expected_answer("roman_numerals", "Am F C G E7 G#dim7 in A minor") == [
        "i",
        "VI",
        "III",
        "VII",
        "V7",
        "viio7",
    ]


def test_code_seeds_come_from_real_music21_api():
    import music21

    for example in api_code.EXAMPLES:
        about = api_code.describe(example.api)
        obj = api_code._resolve(example.api)
        assert about["doc"] and about["signature"].startswith(example.api.rsplit(".", 1)[-1] + "(")
        assert about["source"] == (
            f"music21@{music21.__version__}:{about['source'].split(':')[1]}:"
            f"{inspect.getsourcelines(obj)[1]}"
        )
        assert Path(inspect.getsourcefile(obj)).as_posix().endswith(about["source"].split(":")[1])
    assert (
        "chord.Chord(['g4', 'b4', 'd5', 'f5'])"
        in api_code.describe("music21.chord.Chord.inversion")["example"]
    )


def test_one_code_seed_per_api_runs_and_writes_its_answer(validator):
    code = api_code.code_seeds(5)
    by_api = {}
    for seed in (next(code) for _ in range(len(api_code.EXAMPLES))):
        by_api[seed["context"]["api"]] = seed
        assert seed["provenance"]["origin"] == "repo" and seed["provenance"]["source"].startswith(
            "music21@"
        )
        assert list(validator.iter_errors(seed["output"])) == []
        assert "sys.argv[1]" in seed["output"]["code"]
        assert rc.validate(seed) is None, seed
    assert set(by_api) == {example.api for example in api_code.EXAMPLES}


def test_a_script_and_its_answer_exactly():
    example = next(e for e in api_code.EXAMPLES if e.api == "music21.chord.Chord.inversion")
    seed = api_code.seed(example, {"root": "Eb", "quality": "major triad", "n": 1, "nth": "first"})
    assert seed["input"] == (
        "Write a music21 script that writes the Eb major triad chord built up from Eb4, in first "
        "inversion, as one whole-note chord to the MIDI file named by sys.argv[1]."
    )
    assert seed["output"]["answer"] == ["G4", "Bb4", "Eb5"]
    assert 'chord.Chord(["E-4", "G4", "B-4"], quarterLength=4)' in seed["output"]["code"]


# ---- the validator: known good, known bad, exact reasons ----------------------------------------


def test_right_answers_pass():
    eb7 = ("chord_notes", "Eb major seventh")
    assert (
        rc.validate(record(*eb7, ["Eb", "G", "Bb", "D"], "What are the notes of E♭ major seventh?"))
        is None
    )
    assert rc.validate(record(*eb7, ["G", "Eb", "D", "Bb"], "Spell Ebmaj7, in any order.")) is None
    assert (
        rc.validate(
            record("interval", "C4 to Ab4", "Minor  Sixth", "Name the interval from C4 up to Ab4")
        )
        is None
    )
    assert (
        rc.validate(
            record(
                "roman_numerals",
                "Am F C G in A minor",
                ["i", "VI", "III", "VII"],
                "Roman numerals of Am - F - C - G in A minor?",
            )
        )
        is None
    )


@pytest.mark.parametrize(
    "rec, reason, detail",
    [
        (
            record(
                "chord_notes",
                "Eb major seventh",
                ["Eb", "G", "B", "D"],
                "What are the notes of Eb major seventh?",
            ),
            "composer_wrong_notes",
            "Eb major seventh is Eb G Bb D; given Eb G B D: missing Bb, not in it: B",
        ),
        (
            record(
                "chord_notes",
                "Eb major seventh",
                ["D#", "G", "A#", "D"],
                "What are the notes of Eb major seventh?",
            ),
            "composer_wrong_spelling",
            "Eb major seventh is Eb G Bb D; given D# G A# D: same pitches, other letters",
        ),
        (
            record(
                "scale",
                "D harmonic minor",
                ["D", "E", "F", "G", "A", "Bb", "C"],
                "Spell the D harmonic minor scale.",
            ),
            "composer_wrong_notes",
            "D harmonic minor is D E F G A Bb C#; given D E F G A Bb C: missing C#, not in it: C",
        ),
        (
            record(
                "scale",
                "D harmonic minor",
                ["D", "E", "F", "G", "A", "Bb", "Db"],
                "Spell the D harmonic minor scale.",
            ),
            "composer_wrong_spelling",
            "D harmonic minor is D E F G A Bb C#; given D E F G A Bb Db: same pitches, other letters (Db for C#)",
        ),
        (
            record(
                "scale",
                "D major",
                ["D", "F#", "E", "G", "A", "B", "C#"],
                "Spell the D major scale.",
            ),
            "composer_wrong_notes",
            "D major is D E F# G A B C#; given D F# E G A B C#: the right notes in the wrong order",
        ),
        (
            record("chord_notes", "Eb major triad", ["Eb", "G", "G"], "Spell the Eb major triad."),
            "composer_wrong_notes",
            "Eb major triad is Eb G Bb; given Eb G G: missing Bb, repeats G",
        ),
        (
            record(
                "roman_numerals", "C G in C major", ["I", 5], "Roman numerals of C G in C major?"
            ),
            "composer_bad_answer",
            "every item of a roman_numerals answer is a string, got ['I', 5]",
        ),
        (
            record(
                "interval", "C4 to Ab4", "augmented fifth", "Name the interval from C4 up to Ab4."
            ),
            "composer_wrong_interval",
            "C4 to Ab4 is a minor sixth; given 'augmented fifth'",
        ),
        (
            record(
                "roman_numerals",
                "C Am F G in C major",
                ["I", "VI", "IV", "V"],
                "Roman numerals of C Am F G in C major?",
            ),
            "composer_wrong_numerals",
            "VI in C major is A C# E, but Am is A C E (vi)",
        ),
        (
            record(
                "roman_numerals",
                "Am F C G in A minor",
                ["i", "bVI", "III", "VII"],
                "Numerals of Am F C G in A minor?",
            ),
            "composer_wrong_numerals",
            "bVI in A minor is Fb Ab Cb, but F is F A C (VI)",
        ),
        (
            record(
                "roman_numerals",
                "C Am F G in C major",
                ["I", "vi", "IV"],
                "Roman numerals of C Am F G in C major?",
            ),
            "composer_wrong_numerals",
            "4 chords in 'C Am F G in C major', 3 numerals given",
        ),
        (
            record(
                "chord_notes",
                "Eb major seventh",
                ["Eb", "G", "Bb", "D"],
                "What are the notes of G minor?",
            ),
            "composer_question_mismatch",
            "the question does not name 'Eb major seventh' or 'Ebmaj7' (subject 'Eb major seventh')",
        ),
        (
            record(
                "chord_notes",
                "Eb major triad",
                ["Eb", "G", "Bb"],
                "What are the notes of Eb major seventh?",
            ),
            "composer_question_mismatch",
            "the question does not name 'Eb major triad' or 'Eb' (subject 'Eb major triad')",
        ),
        (
            record("interval", "C4 to Ab4", "minor sixth", "Name the interval from C4 up to Ab5."),
            "composer_question_mismatch",
            "the question does not name 'Ab4' (subject 'C4 to Ab4')",
        ),
        (record("chord_notes", "Eb weird", ["Eb"], "Eb weird?"), "composer_bad_subject", None),
        (
            record("chord_notes", "Eb major triad", ["Eb", "H", "Bb"], "Spell Eb major."),
            "composer_bad_answer",
            "answer[1] 'H' is not a note name, e.g. Eb, F#, Bbb (ASCII b and #)",
        ),
        (
            record("interval", "C4 to Ab4", ["minor sixth"], "C4 to Ab4?"),
            "composer_bad_answer",
            "an interval answer is its name (e.g. 'minor sixth'), got ['minor sixth']",
        ),
        (
            record("code", "a C", ["C4"], "Write C4."),
            "composer_bad_answer",
            "a code task needs `code` (a music21 script)",
        ),
    ],
)
def test_wrong_answers_are_rejected_with_exact_reasons(rec, reason, detail):
    problem = rc.validate(rec)
    assert problem is not None and problem[0] == reason
    if detail is not None:
        assert problem[1] == detail
    else:
        assert "is not '<root> <quality>'" in problem[1]


def test_code_that_writes_midi_passes_and_wrong_notes_fail():
    question = "Write a music21 script that writes C4 and then an Eb major triad."

    def code(answer):
        return record("code", "C4 then an Eb major triad", answer, question, MIDI_SCRIPT)

    assert rc.validate(code(["C4", "Eb4", "G4", "Bb4"])) is None
    assert (
        rc.validate(code(["C4", "D#4", "G4", "A#4"])) is None
    )  # MIDI keeps no spelling: D#4 is MIDI 63 as Eb4 is
    assert rc.validate(code(["C4", "E4", "G4", "Bb4"])) == (
        "composer_code_wrong_notes",
        "the MIDI file holds C4 Eb4 G4 Bb4; the answer says C4 E4 G4 Bb4",
    )


def test_code_that_raises_fails_with_its_last_error_line():
    code = "import sys\nfrom music21 import note\nx = 1 / 0\n"
    assert rc.validate(record("code", "nothing", ["C4"], "Write C4.", code)) == (
        "composer_code_failed",
        "ZeroDivisionError: division by zero",
    )


def test_code_that_loops_forever_is_killed(monkeypatch):
    monkeypatch.setattr(sandbox, "TIMEOUT_S", 2.0)
    assert rc.validate(
        record("code", "nothing", ["C4"], "Write C4.", "while True:\n    pass\n")
    ) == ("composer_code_timeout", "still running after 2 s (killed); no MIDI file")


def test_code_without_a_midi_file_or_with_a_broken_one_has_no_score():
    assert sandbox.run_script("print('done')").reason == "composer_no_score"
    broken = sandbox.run_script("import sys\nopen(sys.argv[1], 'wb').write(b'not midi')\n")
    assert (broken.reason, broken.detail.split(":")[0]) == (
        "composer_no_score",
        "music21 cannot read the MIDI file",
    )
    run = sandbox.run_script(MIDI_SCRIPT)
    assert (run.reason, run.pitches, run.midi) == (
        None,
        ("C4", "Eb4", "G4", "Bb4"),
        (60, 63, 67, 70),
    )


# ---- the teacher's pairs and the user's seeds ---------------------------------------------------


def test_make_pair_normalises_note_signs_and_keeps_wrong_answers_for_the_validator():
    item = {
        "input": "What are the notes of E♭ major seventh?",
        "output": {
            "task": "chord_notes",
            "subject": "E♭ major seventh",
            "answer": ["E♭", "G", "B♭", "D"],
            "explanation": "A major seventh chord.",
        },
    }
    made = rc.make_pair(item, {})
    assert made["output"] == {
        "task": "chord_notes",
        "subject": "Eb major seventh",
        "answer": ["Eb", "G", "Bb", "D"],
        "explanation": "A major seventh chord.",
    }
    assert made["labels"] == {"task": "chord_notes"} and rc.validate(made) is None
    item["output"]["answer"] = ["E♭", "G", "B", "D"]
    assert rc.validate(rc.make_pair(item, {}))[0] == "composer_wrong_notes"
    for bad, why in [
        ("just text", "a pair is"),
        ({"input": "Q?", "output": ["x"]}, "output must be an object"),
        ({"input": "Q?", "output": {"task": "scale"}}, "output lacks subject, answer"),
        (
            {
                "input": "Q?",
                "output": {"task": "scale", "subject": "C major", "answer": ["C"], "tempo": 1},
            },
            "unknown key 'tempo'",
        ),
        (
            {"input": "Q?", "output": {"task": "scale", "subject": "C major", "answer": ["C"]}},
            "output lacks explanation",
        ),
    ]:
        with pytest.raises(ValueError, match=why):
            rc.make_pair(bad, {})


def test_user_seed_fills_the_explanation_and_rejects_with_the_validator_reason():
    seed = rc.user_seed(
        {
            "input": "Spell the D harmonic minor scale.",
            "output": {
                "task": "scale",
                "subject": "D harmonic minor",
                "answer": ["D", "E", "F", "G", "A", "Bb", "C#"],
            },
        }
    )
    assert seed["output"]["explanation"].startswith("D harmonic minor runs D E F G A Bb C#")
    with pytest.raises(SeedError) as caught:
        rc.user_seed(
            {
                "input": "Spell Eb major seventh.",
                "output": {
                    "task": "chord_notes",
                    "subject": "Eb major seventh",
                    "answer": ["D#", "G", "A#", "D"],
                },
            }
        )
    assert caught.value.reason == "composer_wrong_spelling"


def test_student_answer_puts_code_before_the_answer():
    answer = rc.student_answer(record("code", "C4", ["C4"], "Write C4.", "pass"))
    assert list(json.loads(answer)) == ["task", "subject", "code", "answer", "explanation"]


# ---- the user's files --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def user_files(tmp_path_factory):
    from music21 import corpus

    folder = tmp_path_factory.mktemp("scores")
    shutil.copy(
        corpus.getWork("bwv66.6"), folder / "bwv66.6.mxl"
    )  # a real Bach chorale in F# minor
    (folder / "arpeggio.py").write_text(
        '"""Write a music21 script that arpeggiates C major up and down."""\n'
        "import sys\nfrom music21 import note, stream\n"
        "stream.Stream([note.Note(n) for n in ['C4', 'E4', 'G4', 'E4', 'C4']])"
        ".write('midi', fp=sys.argv[1])\n"
    )
    (folder / "crash.py").write_text('"""Write nothing."""\nraise RuntimeError("no music today")\n')
    (folder / "broken.xml").write_text("<score-partwise><part")
    (folder / "notes.txt").write_text("not a score\n")
    return folder


def test_user_files_come_first_then_generated_seeds(user_files):
    items = list(
        rc.source_seeds({"paths": [str(user_files), str(user_files / "notes.txt")]}, 50, 11)
    )
    skipped = {Path(s.where).name: (s.reason, s.detail) for s in items if isinstance(s, Rejected)}
    assert skipped == {
        "broken.xml": ("composer_unreadable_score", skipped["broken.xml"][1]),
        "crash.py": ("composer_code_failed", "RuntimeError: no music today"),
        "notes.txt": (
            "composer_not_a_score",
            "known: .mid .midi .xml .musicxml .mxl .abc .krn .py",
        ),
    }
    seeds = [s for s in items if not isinstance(s, Rejected)]
    assert len(seeds) == 50
    from_files = [s for s in seeds if s["provenance"]["source"].startswith(str(user_files))]
    assert (
        seeds[: len(from_files)] == from_files and len(from_files) == 41
    )  # 40 from the chorale (the cap), 1 script
    script = next(s for s in from_files if s["output"]["task"] == "code")
    assert script["input"] == "Write a music21 script that arpeggiates C major up and down."
    assert script["output"]["answer"] == ["C4", "E4", "G4", "E4", "C4"]
    chorale = [s for s in from_files if "bwv66.6" in s["provenance"]["source"]]
    assert Counter(s["output"]["task"] for s in chorale)["scale"] == 1
    assert chorale[0]["output"]["subject"] == "F# natural minor"  # music21's key analysis: F# minor
    assert any(
        s["output"]["subject"] == "E dominant seventh" and s["provenance"]["source"].endswith(":m2")
        for s in chorale
    )
    for seed in from_files:
        assert rc.validate(seed) is None, seed


def test_unknown_source_key_is_a_config_error():
    with pytest.raises(ConfigError, match="source: unknown key 'path'"):
        next(rc.source_seeds({"path": ["x"]}, 5, 1))


# ---- metrics -----------------------------------------------------------------------------------


def reply(**output):
    return "Sure! " + json.dumps({"explanation": "x", **output})


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            reply(task="chord_notes", subject="Eb major seventh", answer=["Eb", "G", "Bb", "D"]),
            {"accuracy": 1.0, "valid": 1.0, "task": 1.0, "executes": 1.0},
        ),
        (
            reply(task="chord_notes", subject="Eb major seventh", answer=["D#", "G", "A#", "D"]),
            {"accuracy": 0.0, "valid": 1.0, "task": 1.0, "executes": 1.0},
        ),
        (
            reply(task="chord_notes", subject="Eb major seventh", answer=["Eb", "H", "Bb", "D"]),
            {"accuracy": 0.0, "valid": 0.0, "task": 1.0, "executes": 0.0},
        ),
        (
            reply(task="scale", subject="Eb major", answer=["Eb", "G", "Bb", "D"]),
            {"accuracy": 1.0, "valid": 1.0, "task": 0.0, "executes": 1.0},
        ),  # right notes under the wrong task
        ("Eb, G, Bb and D", {"accuracy": 0.0, "valid": 0.0, "task": 0.0, "executes": 0.0}),
        (None, {"accuracy": 0.0, "valid": 0.0, "task": 0.0, "executes": 0.0}),
    ],
)
def test_metrics_chord(text, expected, validator):
    rec = record(
        "chord_notes",
        "Eb major seventh",
        ["Eb", "G", "Bb", "D"],
        "What are the notes of Eb major seventh?",
    )
    assert metrics.score(text, rec, validator) == expected


def test_metrics_interval_and_numerals(validator):
    interval = record(
        "interval", "C4 to Ab4", "minor sixth", "Name the interval from C4 up to Ab4."
    )

    def interval_reply(answer):
        return metrics.score(
            reply(task="interval", subject="C4 to Ab4", answer=answer), interval, validator
        )

    assert interval_reply("augmented fifth") == {
        "accuracy": 0.0,
        "valid": 1.0,
        "task": 1.0,
        "executes": 1.0,
    }
    assert interval_reply("minor fifth")["executes"] == 0.0  # no such interval
    numerals = record(
        "roman_numerals", "Am E7 in A minor", ["i", "V7"], "Roman numerals of Am E7 in A minor?"
    )

    def numerals_reply(answer):
        predicted = reply(task="roman_numerals", subject="Am E7 in A minor", answer=answer)
        return metrics.score(predicted, numerals, validator)

    assert (
        numerals_reply(["i", "V75#3"])["accuracy"] == 1.0
    )  # music21's own figure for E7 in A minor: the same chord
    assert numerals_reply(["i", "v7"]) == {
        "accuracy": 0.0,
        "valid": 1.0,
        "task": 1.0,
        "executes": 1.0,
    }


def test_metrics_code(validator):
    rec = record(
        "code",
        "C4 then an Eb major triad",
        ["C4", "Eb4", "G4", "Bb4"],
        "Write C4, Eb major.",
        MIDI_SCRIPT,
    )
    right = reply(task="code", subject="C4 then Eb", answer=["C4"], code=MIDI_SCRIPT)
    wrong_notes = reply(
        task="code", subject="C4 then Eb", answer=["C4"], code=MIDI_SCRIPT.replace('"C4"', '"D4"')
    )
    crash = reply(task="code", subject="C4 then Eb", answer=["C4"], code="raise SystemExit(3)")
    assert metrics.score(right, rec, validator) == {
        "accuracy": 1.0,
        "valid": 1.0,
        "task": 1.0,
        "executes": 1.0,
    }
    assert metrics.score(wrong_notes, rec, validator) == {
        "accuracy": 0.0,
        "valid": 1.0,
        "task": 1.0,
        "executes": 1.0,
    }
    assert metrics.score(crash, rec, validator) == {
        "accuracy": 0.0,
        "valid": 1.0,
        "task": 1.0,
        "executes": 0.0,
    }
    assert metrics.MAIN == "accuracy" and set(metrics.METRICS) == {
        "accuracy",
        "valid",
        "task",
        "executes",
    }


# ---- the recipe's config -----------------------------------------------------------------------


def test_recipe_binds_and_its_prompt_renders_for_every_task(recipe, seeds):
    from jinja2 import Environment, StrictUndefined
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    from factory.teacher.task import pairs_schema, plain_schema

    assert (recipe.teacher_mode, recipe.kind, recipe.labels) == ("pairs", "composer", ["task"])
    assert recipe.stages == ["seeds", "scrub", "generate", "scrub", "dedup", "validate"]
    template = Environment(undefined=StrictUndefined).from_string(
        recipe.prompt.read_text(encoding="utf-8")
    )
    for task in TASKS:
        seed = next(s for s in seeds if s["output"]["task"] == task)
        shown = {
            "input": seed["input"],
            "output": seed["output"],
            "labels": seed["labels"],
            "context": seed.get("context") or {},
        }
        text = template.render(seed=shown, n=2)
        assert (
            seed["input"] in text
            and f'"task": "{task}"' in text
            and "Write 2 new exercises" in text
        )
    assert "music21.chord" in json.dumps(
        [s.get("context") for s in seeds]
    )  # code seeds show their API
    grammar = json_schema_to_gbnf(
        json.dumps(pairs_schema(2, plain_schema(recipe.schema())))
    )  # the embedded teacher's
    assert "pairs-item-output-code-kv" in grammar and len(grammar) < 20000


def test_pii_scrub_leaves_note_names_alone(recipe, seeds):
    """spaCy takes "Gb", "Dbb" or "Bb7" for people; the recipe leaves PERSON out so answers keep their notes."""
    from factory.pii import Scrubber
    from factory.stages.scrub import text_fields

    flats = [s for s in seeds if "b" in json.dumps(s["output"]["answer"])][:12]
    assert len(flats) == 12
    groups = [[text for _, text in text_fields({**s, "provenance": {}})] for s in flats]
    scrubber = Scrubber(recipe.pii_entities, recipe.pii_thresholds, recipe.pii_allow)
    assert [found for _, found in scrubber.redact_groups(groups)] == [{}] * 12
    assert "PERSON" not in recipe.pii_entities and "EMAIL_ADDRESS" in recipe.pii_entities


def test_a_script_is_confined_offline_and_cannot_write_outside_its_folder(tmp_path):
    from factory.sandbox import isolation
    from pipelines.composer.sandbox import run_script

    online = run_script("import socket; socket.create_connection(('1.1.1.1', 80), timeout=3)")
    assert online.reason == "composer_code_failed" and (
        "unreachable" in online.detail or "blocked" in online.detail
    )
    if isolation() == "namespaces":  # the guard alone does not stop file writes
        target = tmp_path / "written"
        escaped = run_script(f"open({str(target)!r}, 'w').write('x')")
        assert (
            escaped.reason == "composer_code_failed" and "Read-only file system" in escaped.detail
        )
        assert not target.exists()
