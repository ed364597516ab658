"""The composer validator: a record's output (task, subject, answer, code) checked against music21.

- `parse_subject(task, subject)`: the subject in its task's form, or TheoryError:
  chord_notes "Eb major seventh", scale "D harmonic minor", interval "C4 to Ab4",
  roman_numerals "C Am F G in C major"; a code subject is free text.
- `expected_answer(task, subject)` / `explain(task, subject)`: the oracle's answer and why.
- `check_output(output, question)`: None or (reason, detail) — shape, subject, the question
  names the subject, the answer recomputed by music21, for code the script run (sandbox.py).
- `question_problem(text, output)`: the question names the subject (a guard against a pair
  whose question asks about one chord while its output answers about another; it looks for
  the names, it does not understand the sentence).
Reasons: composer_bad_subject, composer_bad_answer, composer_question_mismatch,
composer_wrong_notes, composer_wrong_spelling, composer_wrong_interval, composer_wrong_numerals,
and from the sandbox composer_code_failed, composer_code_timeout, composer_no_score,
composer_code_wrong_notes. Schema validation is the core's job and happens first.
"""

from __future__ import annotations

import re

from pipelines.composer import theory
from pipelines.composer.theory import NOTE, PITCH, QUALITIES, SCALES, TheoryError

TASKS = ("chord_notes", "interval", "scale", "roman_numerals", "code")
LIST_TASKS = ("chord_notes", "scale", "roman_numerals", "code")


def parse_subject(task: str, subject: str):
    text = " ".join(subject.split())
    if task == "chord_notes":
        root, _, quality = text.partition(" ")
        if not NOTE.match(root) or quality not in QUALITIES:
            raise TheoryError(
                f"chord subject {subject!r} is not '<root> <quality>' (e.g. 'Eb major seventh'; "
                f"qualities: {', '.join(QUALITIES)})"
            )
        return root, quality
    if task == "scale":
        tonic, _, kind = text.partition(" ")
        if not NOTE.match(tonic) or kind not in SCALES:
            raise TheoryError(
                f"scale subject {subject!r} is not '<tonic> <scale>' (e.g. 'D harmonic minor'; "
                f"scales: {', '.join(SCALES)})"
            )
        return tonic, kind
    if task == "interval":
        match = re.fullmatch(r"(\S+) to (\S+)", text)
        if not match or not (PITCH.match(match.group(1)) and PITCH.match(match.group(2))):
            raise TheoryError(
                f"interval subject {subject!r} is not '<pitch> to <pitch>' (e.g. 'C4 to Ab4')"
            )
        return match.group(1), match.group(2)
    if task == "roman_numerals":
        chords, found, key_text = text.partition(" in ")
        if not found or not chords:
            raise TheoryError(
                f"progression subject {subject!r} is not '<chords> in <key>' "
                "(e.g. 'C Am F G in C major')"
            )
        tonic, mode = theory.parse_key(key_text)
        return [theory.parse_symbol(symbol) for symbol in chords.split()], tonic, mode
    if task == "code":
        return text
    raise TheoryError(f"unknown task {task!r} (known: {', '.join(TASKS)})")


def expected_answer(task: str, subject: str) -> list[str] | str:
    """The oracle's answer to a theory subject (for roman_numerals the textbook figures; TheoryError
    when a chord has no diatonic numeral)."""
    parsed = parse_subject(task, subject)
    if task == "chord_notes":
        return list(theory.chord_notes(*parsed))
    if task == "scale":
        return list(theory.scale_notes(*parsed))
    if task == "interval":
        return theory.interval_name(*parsed)
    if task == "roman_numerals":
        chords, tonic, mode = parsed
        figures = [theory.figure_for(root, quality, tonic, mode) for root, quality in chords]
        if None in figures:
            raise TheoryError(f"{subject!r} holds a chord with no diatonic Roman numeral")
        return figures
    raise TheoryError("a code task's answer comes from running its code")


def explain(task: str, subject: str) -> str:
    parsed = parse_subject(task, subject)
    if task == "chord_notes":
        root, quality = parsed
        notes = theory.chord_notes(root, quality)
        return f"A {quality} stacks {QUALITIES[quality][2]} on the root; on {root} that is {' '.join(notes)}."
    if task == "scale":
        notes = theory.scale_notes(*parsed)
        return f"{subject} runs {' '.join(notes)}, one letter per degree, then back to {notes[0]}."
    if task == "interval":
        low, high = parsed
        semitones = abs(theory.midi_number(high) - theory.midi_number(low))
        unit = "semitone" if semitones == 1 else "semitones"
        return (
            f"From {low} to {high} is {semitones} {unit} across the letters {low[0]} to {high[0]}: "
            f"a {theory.interval_name(low, high)}."
        )
    if task == "roman_numerals":
        chords, tonic, mode = parsed
        steps = [
            f"{theory.chord_symbol(r, q)} is {theory.figure_for(r, q, tonic, mode) or 'outside the key'}"
            for r, q in chords
        ]
        return (
            f"In {tonic} {mode}: "
            + ", ".join(steps)
            + " (upper case major, lower case minor, o diminished)."
        )
    raise TheoryError("a code task's explanation says what the script builds")


def shape_problem(output: dict) -> str | None:
    """Why the answer (or code) has the wrong shape for the task, or None; not whether it is right."""
    task, answer, code = output["task"], output["answer"], output.get("code")
    if task in LIST_TASKS and not isinstance(answer, list):
        return f"a {task} answer is a list, got {answer!r}"
    if task == "interval" and not isinstance(answer, str):
        return f"an interval answer is its name (e.g. 'minor sixth'), got {answer!r}"
    if task in LIST_TASKS and not all(isinstance(item, str) for item in answer):
        return f"every item of a {task} answer is a string, got {answer!r}"
    if (task == "code") != (code is not None):
        return (
            "a code task needs `code` (a music21 script)"
            if task == "code"
            else f"a {task} answer has no `code`"
        )
    pattern, form = (
        (PITCH, "a pitch with an octave, e.g. Eb4")
        if task == "code"
        else (NOTE, "a note name, e.g. Eb, F#, Bbb")
    )
    if task in ("chord_notes", "scale", "code"):
        for index, name in enumerate(answer):
            if not pattern.match(name):
                return f"answer[{index}] {name!r} is not {form} (ASCII b and #)"
    return None


def answer_problem(task: str, subject: str, answer) -> tuple[str, str] | None:
    """Is `answer` right for a theory subject? (reason, detail) or None. The subject must parse."""
    parsed = parse_subject(task, subject)
    if task in ("chord_notes", "scale"):
        expected = (
            theory.chord_notes(*parsed) if task == "chord_notes" else theory.scale_notes(*parsed)
        )
        return theory.compare_names(subject, expected, answer, ordered=task == "scale")
    if task == "interval":
        expected = theory.interval_name(*parsed)
        if " ".join(answer.lower().split()) != expected:
            return "composer_wrong_interval", f"{subject} is a {expected}; given {answer!r}"
        return None
    chords, tonic, mode = parsed
    if len(answer) != len(chords):
        return (
            "composer_wrong_numerals",
            f"{len(chords)} chords in {subject!r}, {len(answer)} numerals given",
        )
    for (root, quality), figure in zip(chords, answer, strict=True):
        try:
            ok = theory.numeral_matches(figure, root, quality, tonic, mode)
        except TheoryError as exc:
            return "composer_wrong_numerals", str(exc)
        if not ok:
            spelled = " ".join(theory.numeral_notes(figure, tonic, mode))
            chord = f"{theory.chord_symbol(root, quality)} is {' '.join(theory.chord_notes(root, quality))}"
            right = theory.figure_for(root, quality, tonic, mode)
            return "composer_wrong_numerals", (
                f"{figure} in {tonic} {mode} is {spelled}, but {chord}"
                + (f" ({right})" if right else "")
            )
    return None


def code_problem(code: str, answer: list[str]) -> tuple[str, str] | None:
    """Run the script; it must write a MIDI file whose notes are `answer` (compared by MIDI number:
    MIDI keeps no spelling)."""
    from pipelines.composer.sandbox import run_script

    run = run_script(code)
    if run.reason:
        return run.reason, run.detail
    expected = [theory.midi_number(name) for name in answer]
    if list(run.midi) != expected:
        return "composer_code_wrong_notes", (
            f"the MIDI file holds {' '.join(run.pitches) or 'no notes'}; "
            f"the answer says {' '.join(answer)}"
        )
    return None


def check_output(output: dict, question: str | None = None) -> tuple[str, str] | None:
    """The whole check, cheapest first: task, shape, subject, the question names the subject (when
    `question` is given), then the answer recomputed by music21 or the code run in the sandbox."""
    if output.get("task") not in TASKS:
        return (
            "composer_bad_subject",
            f"unknown task {output.get('task')!r} (known: {', '.join(TASKS)})",
        )
    shape = shape_problem(output)
    if shape:
        return "composer_bad_answer", shape
    try:
        parse_subject(output["task"], output["subject"])
    except TheoryError as exc:
        return "composer_bad_subject", str(exc)
    mismatch = question_problem(question, output) if question is not None else None
    if mismatch:
        return mismatch
    if output["task"] == "code":
        return code_problem(output["code"], output["answer"])
    return answer_problem(output["task"], output["subject"], output["answer"])


# ---- the question names its subject -------------------------------------------------------------

_WORD_ACCIDENTALS = [
    (r"([A-G])[- ]?double[- ]flat\b", r"\1bb"),
    (r"([A-G])[- ]?double[- ]sharp\b", r"\1##"),
    (r"([A-G])[- ]?flat\b", r"\1b"),
    (r"([A-G])[- ]?sharp\b", r"\1#"),
]


def normal_text(text: str) -> str:
    """Accidentals written as signs or words in ASCII: "E♭", "E-flat", "E flat" -> "Eb"."""
    for sign, ascii_sign in (("𝄫", "bb"), ("𝄪", "##"), ("♭", "b"), ("♯", "#")):
        text = text.replace(sign, ascii_sign)
    for pattern, replacement in _WORD_ACCIDENTALS:
        text = re.sub(pattern, replacement, text)
    return text


def has_token(text: str, token: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9#]){re.escape(token)}(?![A-Za-z0-9#])", text) is not None


def _aliases(name: str) -> set[str]:
    forms = {name, name.replace("-", " ")}
    forms |= {
        f.replace("seventh", "7th").replace("ninth", "9th").replace("sixth", "6th") for f in forms
    }
    if name.endswith(" triad"):
        forms |= {name[:-6], name[:-6] + " chord"}
    if name.startswith("suspended"):
        forms |= {f.replace("suspended", "sus") for f in forms}
    return forms


_SCALE_ALIASES = {"natural minor": {"minor", "aeolian"}, "major": {"ionian"}}


def named(text: str, names: dict[str, set[str]]) -> set[str]:
    """The names whose alias occurs in `text` and is not part of a longer name's occurrence
    ("minor" inside "harmonic minor" names only the harmonic minor)."""
    spans = []
    for name, aliases in names.items():
        for alias in aliases:
            for match in re.finditer(
                rf"(?<![A-Za-z]){re.escape(alias)}(?![A-Za-z])", text, re.IGNORECASE
            ):
                spans.append((match.start(), match.end(), name))
    return {
        name
        for start, end, name in spans
        if not any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in spans)
    }


QUALITY_NAMES = {quality: _aliases(quality) for quality in QUALITIES}
SCALE_NAMES = {kind: {kind} | _SCALE_ALIASES.get(kind, set()) for kind in SCALES}


def question_problem(text: str, output: dict) -> tuple[str, str] | None:
    task, subject = output["task"], output["subject"]
    if task == "code":
        return None
    parsed = parse_subject(task, subject)
    question = normal_text(text)
    if task == "chord_notes":
        root, quality = parsed
        symbol = theory.chord_symbol(root, quality)
        by_name = has_token(question, root) and quality in named(question, QUALITY_NAMES)
        by_symbol = (
            has_token(question, symbol) if symbol != root else has_token(question, root + " chord")
        )
        missing = [] if by_name or by_symbol else [f"{root} {quality}' or '{symbol}"]
    elif task == "scale":
        tonic, kind = parsed
        missing = (
            [] if has_token(question, tonic) and kind in named(question, SCALE_NAMES) else [subject]
        )
    elif task == "interval":
        missing = [name for name in parsed if not has_token(question, name)]
    else:
        chords, tonic, mode = parsed
        missing = [
            theory.chord_symbol(r, q)
            for r, q in chords
            if not has_token(question, theory.chord_symbol(r, q))
        ]
        if not re.search(rf"(?<![A-Za-z0-9#]){re.escape(tonic)}\s+{mode}\b", question):
            missing.append(f"{tonic} {mode}")
    if missing:
        return (
            "composer_question_mismatch",
            f"the question does not name '{', '.join(missing)}' (subject {subject!r})",
        )
    return None
