"""Theory questions with answers computed by music21: chord notes, intervals, scales, Roman numerals.

`theory_seeds(random_seed)` yields one iterator of seeds per task; each enumerates its whole
space (17 roots or tonics x 17 chord qualities, x 11 scales, x 20 intervals in three octaves,
progressions x keys), shuffled by `random_seed`, phrased by one of several templates with the
accidentals written as ASCII ("Eb"), signs ("E♭") or words ("E-flat"). The answer and the
explanation come from check.expected_answer / check.explain (music21). A subject music21
would spell with a triple accidental is left out (the notation cannot write it).
It does not write code tasks (api_code.py) nor mix the tasks (recipe.py).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from pipelines.composer import check, theory
from pipelines.composer.theory import QUALITIES, SCALES, TheoryError

ROOTS = (
    "C",
    "C#",
    "Db",
    "D",
    "D#",
    "Eb",
    "E",
    "F",
    "F#",
    "Gb",
    "G",
    "G#",
    "Ab",
    "A",
    "A#",
    "Bb",
    "B",
)
MAJOR_KEYS = ("C", "G", "D", "A", "E", "B", "F#", "C#", "F", "Bb", "Eb", "Ab", "Db", "Gb")
MINOR_KEYS = ("A", "E", "B", "F#", "C#", "G#", "D#", "D", "G", "C", "F", "Bb", "Eb")
INTERVALS = (
    "m2",
    "M2",
    "m3",
    "M3",
    "P4",
    "A4",
    "d5",
    "P5",
    "A5",
    "m6",
    "M6",
    "m7",
    "M7",
    "P8",
    "m9",
    "M9",
    "m10",
    "M10",
    "P11",
    "P12",
)
PROGRESSIONS = {
    "major": (
        ("I", "vi", "IV", "V"),
        ("I", "V", "vi", "IV"),
        ("ii", "V", "I"),
        ("I", "IV", "V", "I"),
        ("vi", "IV", "I", "V"),
        ("ii7", "V7", "I"),
        ("I", "vi", "ii", "V7"),
        ("I", "iii", "IV", "V"),
        ("IV", "V", "iii", "vi"),
        ("I", "IV", "viio", "iii", "vi", "ii", "V", "I"),
        ("I7", "IV7", "ii7", "V7"),
    ),
    "minor": (
        ("i", "iv", "V", "i"),
        ("i", "VI", "III", "VII"),
        ("i", "VII", "VI", "V"),
        ("iiø7", "V7", "i"),
        ("i", "VI", "iv", "V7"),
        ("i", "iio", "V", "i"),
        ("i", "iv", "viio7", "i"),
        ("i", "III", "iv", "V"),
    ),
}

TEMPLATES = {
    "chord_notes": (
        "What are the notes of {root} {quality}?",
        "Spell the {root} {quality} chord.",
        "Which notes make up the {symbol} chord?",
        "List the notes of the {root} {quality} chord from the root up.",
        "I'm voicing a {root} {quality} on piano. Which notes do I need?",
    ),
    "scale": (
        "Spell the {tonic} {kind} scale.",
        "What notes are in {tonic} {kind}?",
        "List the notes of the {tonic} {kind} scale going up, without repeating the tonic.",
        "Which notes does the {tonic} {kind} scale use?",
    ),
    "interval": (
        "Name the interval from {low} up to {high}.",
        "What interval is {low} to {high}?",
        "How do you name the interval between {low} and {high}, going up?",
        "I play {low} and then {high}. What is that interval called?",
    ),
    "roman_numerals": (
        "Roman numerals of {chords} in {key}?",
        "Give the Roman numeral analysis of {chords} in {key}.",
        "In {key}, what are the Roman numerals for the progression {chords}?",
        "Analyse this progression in {key}: {chords}. Which Roman numerals are they?",
    ),
}


def show(name: str, style: int) -> str:
    """A root or tonic as written in a question: 0 ASCII "Eb", 1 signs "E♭", 2 words "E-flat"."""
    letter, accidental = name[0], name[1:]
    if style == 1:
        return letter + accidental.replace("bb", "𝄫").replace("b", "♭").replace("##", "𝄪").replace(
            "#", "♯"
        )
    if style == 2 and accidental:
        return (
            letter
            + {"b": "-flat", "bb": "-double-flat", "#": "-sharp", "##": "-double-sharp"}[accidental]
        )
    return name


def _seed(task: str, subject: str, question: str, source: str) -> dict:
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
        "provenance": {"origin": "grammar", "source": f"grammar:{source}"},
    }


def chord_seeds(rng: random.Random) -> Iterator[dict]:
    space = [(root, quality) for root in ROOTS for quality in QUALITIES]
    rng.shuffle(space)
    for root, quality in space:
        index, style = rng.randrange(len(TEMPLATES["chord_notes"])), rng.randrange(3)
        symbol = theory.chord_symbol(show(root, min(style, 1)), quality)
        text = TEMPLATES["chord_notes"][index].format(
            root=show(root, style), quality=quality, symbol=symbol
        )
        try:
            yield _seed("chord_notes", f"{root} {quality}", text, f"chord_notes/{index}")
        except TheoryError:  # music21 spells a tone with a triple accidental
            continue


def scale_seeds(rng: random.Random) -> Iterator[dict]:
    space = [(tonic, kind) for tonic in ROOTS for kind in SCALES]
    rng.shuffle(space)
    for tonic, kind in space:
        index = rng.randrange(len(TEMPLATES["scale"]))
        text = TEMPLATES["scale"][index].format(tonic=show(tonic, rng.randrange(3)), kind=kind)
        try:
            yield _seed("scale", f"{tonic} {kind}", text, f"scale/{index}")
        except TheoryError:
            continue


def interval_seeds(rng: random.Random) -> Iterator[dict]:
    space = [
        (f"{root}{octave}", code) for root in ROOTS for octave in (3, 4, 5) for code in INTERVALS
    ]
    rng.shuffle(space)
    for low, code in space:
        index = rng.randrange(len(TEMPLATES["interval"]))
        try:
            high = theory.transpose(low, code)
            yield _seed(
                "interval",
                f"{low} to {high}",
                TEMPLATES["interval"][index].format(low=low, high=high),
                f"interval/{index}",
            )
        except TheoryError:
            continue


def progression_symbols(figures: tuple[str, ...], tonic: str, mode: str) -> list[str] | None:
    symbols = []
    for figure in figures:
        notes = theory.numeral_notes(figure, tonic, mode)
        quality = theory.name_chord(notes[0], set(notes))
        if quality is None:
            return None
        symbols.append(theory.chord_symbol(notes[0], quality))
    return symbols


def roman_seeds(rng: random.Random) -> Iterator[dict]:
    space = [
        (figures, tonic, mode)
        for mode, keys in (("major", MAJOR_KEYS), ("minor", MINOR_KEYS))
        for tonic in keys
        for figures in PROGRESSIONS[mode]
    ]
    rng.shuffle(space)
    for figures, tonic, mode in space:
        try:
            symbols = progression_symbols(figures, tonic, mode)
        except TheoryError:  # a chord music21 spells with a triple accidental
            continue
        if symbols is None:
            continue
        subject = f"{' '.join(symbols)} in {tonic} {mode}"
        if check.expected_answer("roman_numerals", subject) != list(figures):
            continue  # music21 reads the progression otherwise; the answer would not be the textbook one
        index, joiner = (
            rng.randrange(len(TEMPLATES["roman_numerals"])),
            rng.choice((" ", " - ", ", ")),
        )
        text = TEMPLATES["roman_numerals"][index].format(
            chords=joiner.join(symbols), key=f"{tonic} {mode}"
        )
        yield _seed("roman_numerals", subject, text, f"roman_numerals/{index}")


def theory_seeds(random_seed: int) -> dict[str, Iterator[dict]]:
    """One lazy iterator per theory task, each shuffled by its own generator (adding a task keeps the others)."""
    makers = {
        "chord_notes": chord_seeds,
        "interval": interval_seeds,
        "scale": scale_seeds,
        "roman_numerals": roman_seeds,
    }
    return {task: make(random.Random(f"{random_seed}:{task}")) for task, make in makers.items()}
