"""composer: what the core needs from this recipe — seeds, the teacher's pairs, the music21 validator.

A record is a question (`input`) and a structured answer (`output`, schemas/composer.schema.json):
{"task": chord_notes | interval | scale | roman_numerals | code, "subject": "Eb major seventh",
 "answer": ["Eb", "G", "Bb", "D"] (an interval: "minor sixth"; code: the pitches its MIDI holds),
 "explanation": "...", "code"?: "<a music21 script that writes a MIDI file to sys.argv[1]>"}.

- `source_seeds(config, count, random_seed)`: the user's files first (`config["paths"]`, from
  `--source PATH`: scores and scripts, see scores.py), then generated seeds up to `count`,
  the five tasks in turn (any five consecutive generated seeds hold one of each while all
  last): theory questions answered by music21 (questions.py) and code tasks drawn from
  music21's own API and docstrings (api_code.py).
- `user_seed(obj)`: one line of `--seeds FILE`: {"input", "output": {task, subject, answer, code?,
  explanation?}}; checked like any record (a ValueError with the validator's reason otherwise).
- `make_pair(item, seed)`: one of the teacher's pairs (teacher.mode `pairs`: it writes new
  questions of the seed's kind with their answers) -> a record; note names written with ♭ ♯
  are put in ASCII, nothing else is repaired: the validator judges the answer.
- `validate(record)`: check.check_output: the question names the subject, the answer
  recomputed by music21, code run in the sandbox; reasons listed in check.py.
- `student_answer(record)`: the output as JSON with `code` before `answer` (write, then say
  what it writes).
Enharmonic spelling policy: answers are spelled as theory spells them (Eb G Bb D, not D# G A# D);
the same pitches under other letters are rejected as `composer_wrong_spelling`. MIDI keeps no
spelling, so a code answer's pitches are compared by MIDI number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from factory.errors import ConfigError
from factory.record import Rejected, SeedError
from pipelines.composer import check, theory
from pipelines.composer.theory import TheoryError

SOURCE_KEYS = ("paths",)
OUTPUT_KEYS = ("task", "subject", "answer", "explanation", "code")


def labels(output: dict) -> dict:
    return {"task": output["task"]}


def generated_seeds(count: int, random_seed: int) -> Iterator[dict]:
    """Up to `count` generated seeds, the tasks in turn; a task that runs out drops out of the turn."""
    from pipelines.composer.api_code import code_seeds
    from pipelines.composer.questions import theory_seeds

    streams = list(theory_seeds(random_seed).values()) + [code_seeds(random_seed)]
    made, turn = 0, 0
    while streams and made < count:
        stream = streams[turn % len(streams)]
        seed = next(stream, None)
        if seed is None:
            streams.remove(stream)
            continue
        turn += 1
        made += 1
        yield seed


def source_seeds(config: dict, count: int, random_seed: int) -> Iterator[dict | Rejected]:
    unknown = [key for key in config if key not in SOURCE_KEYS]
    if unknown:
        raise ConfigError(
            f"source: unknown key {unknown[0]!r} for the composer recipe "
            f"(known: {', '.join(SOURCE_KEYS)})"
        )
    kept = 0
    if config.get("paths"):
        from pipelines.composer.scores import read_sources

        for seed in read_sources([str(path) for path in config["paths"]]):
            if not isinstance(seed, Rejected):
                if kept == count:
                    return
                kept += 1
            yield seed
    yield from generated_seeds(count - kept, random_seed)


def normal_output(raw: Any) -> dict:
    """An output dict with note names in ASCII; ValueError naming what is missing or unreadable."""
    if not isinstance(raw, dict):
        raise ValueError(
            f"output must be an object with {', '.join(OUTPUT_KEYS[:4])}; got {type(raw).__name__}"
        )
    missing = [key for key in OUTPUT_KEYS[:3] if key not in raw]
    if missing:
        raise ValueError(f"output lacks {', '.join(missing)}")
    extra = [key for key in raw if key not in OUTPUT_KEYS]
    if extra:
        raise ValueError(f"output has unknown key {extra[0]!r} (known: {', '.join(OUTPUT_KEYS)})")
    output = {key: raw[key] for key in OUTPUT_KEYS if raw.get(key) is not None}
    for key in ("task", "subject", "explanation", "code"):
        if key in output and not isinstance(output[key], str):
            raise ValueError(f"output.{key} must be a string")
    output["subject"] = " ".join(output["subject"].split())
    output["subject"] = (
        check.normal_text(output["subject"]) if output["task"] != "code" else output["subject"]
    )
    answer = output["answer"]
    if output["task"] in ("chord_notes", "scale", "code") and isinstance(answer, list):
        try:
            output["answer"] = [
                theory.normal_name(name) if isinstance(name, str) else name for name in answer
            ]
        except TheoryError as exc:
            raise ValueError(str(exc)) from None
    return output


def user_seed(obj: Any) -> dict[str, Any]:
    shape = 'each line needs {"input": "<question>", "output": {"task": ..., "subject": ..., "answer": ...}}'
    if (
        not isinstance(obj, dict)
        or not isinstance(obj.get("input"), str)
        or not obj["input"].strip()
    ):
        raise ValueError(shape)
    output = normal_output(obj.get("output"))
    if "explanation" not in output:
        try:
            written = " ".join(map(str, output["answer"]))
            output["explanation"] = (
                check.explain(output["task"], output["subject"])
                if output["task"] != "code"
                else f"The script writes {written} to the MIDI file in sys.argv[1]."
            )
        except (TheoryError, TypeError) as exc:
            raise SeedError("composer_bad_subject", str(exc)) from None
    record = {"input": obj["input"], "output": output}
    problem = validate(record)
    if problem:
        raise SeedError(*problem)
    return {"input": obj["input"], "output": output, "labels": labels(output)}


def make_pair(item: dict, seed: dict) -> dict:
    """One teacher pair {"input", "output"} -> a record's fields; ValueError when it is not one."""
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("input"), str)
        or not item["input"].strip()
    ):
        raise ValueError('a pair is {"input": "<question>", "output": {...}}')
    output = normal_output(item.get("output"))
    if "explanation" not in output:
        raise ValueError("output lacks explanation")
    return {"input": item["input"].strip(), "output": output, "labels": labels(output)}


def validate(record: dict) -> tuple[str, str] | None:
    return check.check_output(record["output"], record["input"])


def student_answer(record: dict) -> str:
    output = record["output"]
    order = ("task", "subject", "code", "answer", "explanation")
    return json.dumps({key: output[key] for key in order if key in output}, ensure_ascii=False)
