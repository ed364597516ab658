"""The user's own material (`--source PATH`): scores become theory questions, scripts become code tasks.

- A score (.mid .midi .xml .musicxml .mxl .abc .krn; music21 reads it) yields up to
  `MAX_PER_FILE` seeds, the kinds taken in turn: its key's scale (music21's key analysis),
  the notes of its chords (chordified; a chord counts when its tones on music21's root spell
  one of theory.QUALITIES), Roman numerals of runs of four such chords in its key (where
  every chord has a diatonic numeral), and the intervals between neighbouring notes of its
  first part. Provenance says where: `file:m<measure>`.
- A script (.py) is run like a code answer (sandbox.py): its docstring's first paragraph is
  the question, its MIDI file's notes the answer.
What cannot be used is a Rejected with the reason: `composer_not_a_score` (another suffix),
`composer_unreadable_score` (music21 cannot parse it; its message), `composer_no_questions`
(a score that gave no seed), `composer_no_question` (a script without a docstring), and the
sandbox's reasons for a script that fails. Chords the table cannot name are not questions,
and are not reported one by one. Origin is `repo` (the user's files).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from itertools import pairwise, zip_longest
from pathlib import Path

from factory.record import Rejected
from factory.sources.base import check_file, expand, read_text
from pipelines.composer import check, theory
from pipelines.composer.theory import TheoryError

SCORE_SUFFIXES = (".mid", ".midi", ".xml", ".musicxml", ".mxl", ".abc", ".krn")
BINARY_SUFFIXES = (".mid", ".midi", ".mxl")
MAX_SCORE_BYTES = 8 * 1024 * 1024
MAX_PER_FILE = 40


def read_sources(paths: list[str]) -> Iterator[dict | Rejected]:
    for item in expand(paths, suffixes=(*SCORE_SUFFIXES, ".py")):
        if isinstance(item, Rejected):
            yield item
        elif item.suffix.lower() == ".py":
            yield script_seed(item)
        elif item.suffix.lower() in SCORE_SUFFIXES:
            yield from score_seeds(item)
        else:
            yield Rejected.at(
                str(item), "composer_not_a_score", f"known: {' '.join(SCORE_SUFFIXES)} .py"
            )


def script_seed(path: Path) -> dict | Rejected:
    from pipelines.composer.sandbox import run_script

    code = read_text(path)
    if isinstance(code, Rejected):
        return code
    try:
        doc = ast.get_docstring(ast.parse(code))
    except SyntaxError as exc:
        return Rejected.at(
            f"{path}:{exc.lineno}", "composer_code_failed", f"SyntaxError: {exc.msg}"
        )
    if not doc:
        return Rejected.at(
            str(path),
            "composer_no_question",
            "a script needs a docstring saying what it writes; it becomes the question",
        )
    run = run_script(code)
    if run.reason:
        return Rejected.at(str(path), run.reason, run.detail)
    question = " ".join(doc.split("\n\n")[0].split())
    output = {
        "task": "code",
        "subject": question,
        "answer": list(run.pitches),
        "code": code,
        "explanation": f"The script builds the music with music21 and writes it with Stream.write('midi') to the "
        f"path in sys.argv[1]; the file holds {' '.join(run.pitches)}.",
    }
    return {
        "input": question,
        "output": output,
        "labels": {"task": "code"},
        "provenance": {"origin": "repo", "source": f"{path}:1"},
    }


def _parse(path: Path):
    from music21 import converter

    if path.suffix.lower() in BINARY_SUFFIXES:
        size = path.stat().st_size
        if size > MAX_SCORE_BYTES:
            return Rejected.at(
                str(path), "source_too_large", f"{size:,} bytes > cap of {MAX_SCORE_BYTES:,}"
            )
    else:
        problem = check_file(path, MAX_SCORE_BYTES)
        if problem:
            return problem
    try:
        return converter.parse(str(path))
    except Exception as exc:  # music21 raises many types for a file it cannot read
        detail = str(exc).strip().splitlines()[-1:] or [type(exc).__name__]
        return Rejected.at(
            str(path), "composer_unreadable_score", f"{type(exc).__name__}: {detail[0][:200]}"
        )


def _seed(task: str, subject: str, question: str, where: str) -> dict:
    output = {
        "task": task,
        "subject": subject,
        "answer": check.expected_answer(task, subject),
        "explanation": check.explain(task, subject),
    }
    return {
        "input": question,
        "output": output,
        "labels": {"task": task},
        "provenance": {"origin": "repo", "source": where},
    }


def _named_chords(score) -> list[tuple[int, str, str]]:
    """(measure, root, quality) of each chord of the chordified score that the quality table names."""
    from music21 import chord

    found = []
    for element in score.chordify().recurse().getElementsByClass(chord.Chord):
        try:
            root = theory.from_m21(element.root().name)
            names = {theory.from_m21(p.name) for p in element.pitches}
        except TheoryError:
            continue
        quality = theory.name_chord(root, names)
        if quality:
            found.append((element.measureNumber or 0, root, quality))
    return found


def _kinds(path: Path, score) -> list[list[dict]]:
    key = score.analyze("key")
    tonic, mode = theory.from_m21(key.tonic.name), key.mode
    name = path.name
    kind = "major" if mode == "major" else "natural minor"
    scales = (
        [
            _seed(
                "scale",
                f"{tonic} {kind}",
                f"{name} is in {tonic} {mode}. Spell the {tonic} {kind} scale.",
                f"{path}:key",
            )
        ]
        if mode in theory.MODES
        else []
    )
    chords, seen = [], set()
    named = _named_chords(score)
    for measure, root, quality in named:
        if (root, quality) not in seen:
            seen.add((root, quality))
            chords.append(
                _seed(
                    "chord_notes",
                    f"{root} {quality}",
                    f"Measure {measure} of {name} has this chord: "
                    f"{root} {quality}. What are its notes?",
                    f"{path}:m{measure}",
                )
            )
    changes = [
        chord for i, chord in enumerate(named) if i == 0 or chord[1:] != named[i - 1][1:]
    ]  # a held chord once
    numerals = []
    if mode in theory.MODES:
        for start in range(0, len(changes) - 3, 4):
            run = changes[start : start + 4]
            if all(theory.figure_for(r, q, tonic, mode) for _, r, q in run):
                symbols = " ".join(theory.chord_symbol(r, q) for _, r, q in run)
                bars = (
                    f"Measure {run[0][0]} of {name} plays"
                    if run[0][0] == run[-1][0]
                    else f"Measures {run[0][0]}-{run[-1][0]} of {name} play"
                )
                numerals.append(
                    _seed(
                        "roman_numerals",
                        f"{symbols} in {tonic} {mode}",
                        f"{bars} {symbols}. What are their Roman numerals in {tonic} {mode}?",
                        f"{path}:m{run[0][0]}",
                    )
                )
    intervals, seen = [], set()
    notes = [n for n in score.parts[0].flatten().notes if n.isNote] if score.parts else []
    for first, second in pairwise(notes):
        try:
            low, high = (
                theory.from_m21(first.nameWithOctave),
                theory.from_m21(second.nameWithOctave),
            )
        except TheoryError:
            continue
        if low != high and (low, high) not in seen:
            seen.add((low, high))
            way = "up" if second.pitch.ps > first.pitch.ps else "down"
            bar = first.measureNumber
            intervals.append(
                _seed(
                    "interval",
                    f"{low} to {high}",
                    f"In measure {bar} of {name} the melody goes from "
                    f"{low} {way} to {high}. Name the interval.",
                    f"{path}:m{bar}",
                )
            )
    return [scales, chords, numerals, intervals]


def score_seeds(path: Path) -> Iterator[dict | Rejected]:
    score = _parse(path)
    if isinstance(score, Rejected):
        yield score
        return
    try:
        kinds = _kinds(path, score)
    except (
        Exception
    ) as exc:  # analysis of a score music21 parsed but cannot analyse (no notes, no key)
        yield Rejected.at(
            str(path), "composer_unreadable_score", f"{type(exc).__name__}: {str(exc)[:200]}"
        )
        return
    seeds = [seed for turn in zip_longest(*kinds) for seed in turn if seed is not None][
        :MAX_PER_FILE
    ]
    if not seeds:
        yield Rejected.at(
            str(path),
            "composer_no_questions",
            "no named chord, key or melody interval music21 could read",
        )
    yield from seeds
