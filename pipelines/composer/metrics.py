"""composer metrics (seed 001): score one predicted reply against the expected record, with music21.

`score(reply, record, validator)` -> per-example values in [0, 1]:
- accuracy: the predicted answer is right for the record's subject, as music21 computes it
  (chord tones and scales spelled as theory spells them, the interval's name, Roman numerals
  that build the same chords in the key); for a code record, the predicted script runs and
  its MIDI file holds the record's pitches (the record's answer, by MIDI number)
- valid: the reply is JSON that passes the schema, and its own subject and answer are well
  formed for its task (names music21 reads; a code reply carries code)
- task: the predicted task is the record's
- executes: music21 can run the reply: for a code record, the predicted script writes a MIDI
  file that music21 reads back (right notes or not: the code run rate); for a theory record,
  every note name or numeral of the answer reads in music21 (the interval name: one music21 knows)
MAIN is the metric the deploy decision uses. `factory eval` averages every metric over all
records; the code run rate proper is the mean of `executes` over the code records of its
predictions.jsonl (a metric that applies to some records only needs support in the core).
"""

from __future__ import annotations

from functools import lru_cache

from factory.teacher.extract import extract_json
from pipelines.composer import check, theory
from pipelines.composer.theory import TheoryError

MAIN = "accuracy"
METRICS = ("accuracy", "valid", "task", "executes")


def _readable(task: str, record_subject: str, answer) -> bool:
    """Every name in a theory answer is one music21 reads (not that it is right)."""
    try:
        if task in ("chord_notes", "scale"):
            return (
                isinstance(answer, list)
                and bool(answer)
                and all(isinstance(n, str) and theory.NOTE.match(n) for n in answer)
            )
        if task == "interval":
            return isinstance(answer, str) and " ".join(answer.lower().split()) in interval_names()
        if task == "roman_numerals":
            _, tonic, mode = check.parse_subject(task, record_subject)
            return (
                isinstance(answer, list)
                and bool(answer)
                and all(isinstance(f, str) and theory.numeral_notes(f, tonic, mode) for f in answer)
            )
    except TheoryError:
        return False
    return False


@lru_cache(maxsize=1)
def interval_names() -> frozenset[str]:
    """Every interval name music21 gives, up to three octaves ("minor sixth", "doubly-augmented fourth", ...)."""
    from music21 import interval

    names = set()
    for size in range(1, 23):
        for quality in ("dd", "d", "m", "M", "P", "A", "AA"):
            try:
                names.add(interval.Interval(f"{quality}{size}").niceName.lower())
            except (
                interval.IntervalException
            ):  # a quality the size does not take, e.g. a minor fifth
                continue
    return frozenset(names)


def score(reply: str | None, record: dict, validator) -> dict[str, float]:
    expected = record["output"]
    try:
        predicted = extract_json(reply)
    except ValueError:
        predicted = None
    if not isinstance(predicted, dict):
        return dict.fromkeys(METRICS, 0.0)
    task = expected["task"]
    answer = predicted.get("answer")
    valid = not list(validator.iter_errors(predicted)) and _well_formed(predicted)
    if task == "code":
        code = predicted.get("code")
        if isinstance(code, str) and code.strip():
            from pipelines.composer.sandbox import run_script

            run = run_script(code)
            executes = run.reason is None
            right = executes and list(run.midi) == [
                theory.midi_number(n) for n in expected["answer"]
            ]
        else:
            executes = right = False
    else:
        executes = _readable(task, expected["subject"], answer)
        try:
            right = executes and check.answer_problem(task, expected["subject"], answer) is None
        except TheoryError:
            right = False
    return {
        "accuracy": float(right),
        "valid": float(valid),
        "task": float(predicted.get("task") == task),
        "executes": float(executes),
    }


def _well_formed(predicted: dict) -> bool:
    """Schema-valid output whose shape and subject are right for its task (its answer may be wrong)."""
    if check.shape_problem(predicted):
        return False
    try:
        check.parse_subject(predicted["task"], predicted["subject"])
    except TheoryError:
        return False
    return True
