"""Code tasks drawn from music21's own API: a script per real function or class, its answer by music21.

Each `Example` names a real music21 object (e.g. `music21.chord.Chord.inversion`); `inspect`
gives its signature, the first paragraph of its docstring, the first doctest of the
docstring and its file and line, which become the seed's context (what the teacher is shown
in pairs mode) and provenance (origin `repo`, source `music21@10.5.1:music21/chord/__init__.py:2311`).
The material (keys, chords, melodies; api_material.py) is enumerated and shuffled by the
seed; the script is a template following the recipe's code contract (write one MIDI file to
sys.argv[1]), and the answer (the pitches the MIDI file must hold) is computed in this
process with the same music21 calls. The validator then runs the script for real (sandbox.py) and compares.
It does not run scripts itself.
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from pipelines.composer import api_material as m
from pipelines.composer.theory import TheoryError

WRITE = "to the MIDI file named by sys.argv[1]"


@dataclass(frozen=True)
class Example:
    api: str  # a real music21 object, by its dotted path
    material: Callable[[], list[dict]]  # every parameter set, cheap to list
    prepare: Callable[[dict], dict]  # a parameter set -> the values the templates need (music21)
    subject: str  # templates filled with the prepared values
    code: str
    answer: Callable[[dict], list[str]]  # the pitches the MIDI file must hold, by music21
    how: str  # one sentence for the explanation


_HEAD = "import sys\n\nfrom music21 import {imports}\n\n"
EXAMPLES = (
    Example(
        "music21.scale.ConcreteScale.getPitches",
        m.scale_space,
        m.prepare_scale,
        "the {tonic} {kind} scale from {tonic}4 up to {tonic}5 in quarter notes",
        _HEAD.format(imports="note, scale, stream")
        + 'pitches = scale.{cls}("{m21}").getPitches("{m21}4", "{m21}5")\n'
        "melody = stream.Stream([note.Note(p, quarterLength=1) for p in pitches])\n"
        'melody.write("midi", fp=sys.argv[1])\n',
        m.scale_answer,
        "getPitches lists the scale's pitches between two pitches, each becomes a quarter note",
    ),
    Example(
        "music21.harmony.ChordSymbol",
        m.progression_space,
        m.prepare_progression,
        "the progression {symbols_text} as whole-note block chords",
        _HEAD.format(imports="chord, harmony, stream") + "progression = stream.Stream()\n"
        "for figure in [{m21_text}]:\n"
        "    symbol = harmony.ChordSymbol(figure)\n"
        "    progression.append(chord.Chord(symbol.pitches, quarterLength=4))\n"
        'progression.write("midi", fp=sys.argv[1])\n',
        m.symbols_answer,
        "ChordSymbol spells each lead-sheet symbol, and each becomes a whole-note Chord",
    ),
    Example(
        "music21.roman.RomanNumeral",
        m.progression_space,
        m.prepare_progression,
        "{figures_text} in {key} as half-note chords",
        _HEAD.format(imports="chord, key, roman, stream")
        + 'home = key.Key("{m21_tonic}", "{mode}")\n'
        "part = stream.Stream()\n"
        "for figure in [{figures_code}]:\n"
        "    part.append(chord.Chord(roman.RomanNumeral(figure, home).pitches, quarterLength=2))\n"
        'part.write("midi", fp=sys.argv[1])\n',
        m.roman_answer,
        "RomanNumeral builds each numeral's chord in the key, and each becomes a half-note Chord",
    ),
    Example(
        "music21.chord.Chord.inversion",
        m.inversion_space,
        m.prepare_inversion,
        "the {root} {quality} chord built up from {root}4, in {nth} inversion, as one whole-note chord",
        _HEAD.format(imports="chord, stream")
        + "built = chord.Chord([{pitches}], quarterLength=4)\n"
        "built.inversion({n})\n"
        'stream.Stream([built]).write("midi", fp=sys.argv[1])\n',
        m.inversion_answer,
        "inversion(n) moves the lowest notes up an octave until the nth chord tone is in the bass",
    ),
    Example(
        "music21.interval.Interval.transposePitch",
        m.transposition_space,
        m.prepare_transposition,
        "{start} and then the note a {interval} above it, as two half notes",
        _HEAD.format(imports="interval, note, pitch, stream")
        + 'start = pitch.Pitch("{m21start}")\n'
        'top = interval.Interval("{code}").transposePitch(start)\n'
        "melody = stream.Stream([note.Note(start, quarterLength=2), note.Note(top, quarterLength=2)])\n"
        'melody.write("midi", fp=sys.argv[1])\n',
        m.transposition_answer,
        "transposePitch spells the pitch the interval lies above the start",
    ),
    Example(
        "music21.stream.base.Stream.transpose",
        m.melody_space,
        m.prepare_melody,
        "the melody {melody} transposed up a {interval}, in quarter notes",
        _HEAD.format(imports="note, stream")
        + "melody = stream.Stream([note.Note(name, quarterLength=1) for name in [{names}]])\n"
        'melody.transpose("{code}").write("midi", fp=sys.argv[1])\n',
        m.melody_answer,
        "Stream.transpose moves every note of the stream by the interval",
    ),
    Example(
        "music21.chord.Chord.closedPosition",
        m.spread_space,
        m.prepare_spread,
        "the chord {spread} in closed position from octave 4, as one whole-note chord",
        _HEAD.format(imports="chord, stream")
        + "spread = chord.Chord([{pitches}], quarterLength=4)\n"
        'stream.Stream([spread.closedPosition(forceOctave=4)]).write("midi", fp=sys.argv[1])\n',
        m.closed_answer,
        "closedPosition keeps the pitch classes and packs them into one octave above the bass",
    ),
)


def _resolve(dotted: str):
    import importlib

    module_name, _, rest = dotted.partition(".")
    obj = importlib.import_module(module_name)
    for part in rest.split("."):
        obj = (
            getattr(obj, part)
            if hasattr(obj, part)
            else importlib.import_module(f"{obj.__name__}.{part}")
        )
    return obj


@cache
def describe(dotted: str) -> dict:
    """What `inspect` says about a music21 object: signature, docstring's first paragraph, first doctest, file:line."""
    import music21

    obj = _resolve(dotted)
    doc = inspect.getdoc(obj) or ""
    try:
        signature = str(inspect.signature(obj))
    except (TypeError, ValueError):
        signature = "(...)"
    lines = doc.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(">>> ")), len(lines))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    path = inspect.getsourcefile(obj) or ""
    line = inspect.getsourcelines(obj)[1]
    relative = path[path.rindex("music21/") :] if "music21/" in path else path
    return {
        "api": dotted,
        "signature": dotted.rsplit(".", 1)[-1] + signature,
        "doc": " ".join(doc.split("\n\n")[0].split())[:600],
        "example": "\n".join(lines[start : min(end, start + 10)]),
        "source": f"music21@{music21.__version__}:{relative}:{line}",
    }


def seed(example: Example, params: dict) -> dict:
    """The code seed of one example and parameter set (TheoryError when music21 cannot spell it)."""
    params = example.prepare(params)
    subject = example.subject.format(**params)
    answer = example.answer(params)
    about = describe(example.api)
    output = {
        "task": "code",
        "subject": subject,
        "answer": answer,
        "explanation": f"{example.api.removeprefix('music21.')}: {example.how}; the script writes the result "
        f"with Stream.write('midi') to the path in sys.argv[1], and it holds {' '.join(answer)}.",
        "code": example.code.format(**params),
    }
    return {
        "input": f"Write a music21 script that writes {subject} {WRITE}.",
        "output": output,
        "labels": {"task": "code"},
        "context": {k: v for k, v in about.items() if k != "source"},
        "provenance": {"origin": "repo", "source": about["source"]},
    }


def code_seeds(random_seed: int) -> Iterator[dict]:
    """Code seeds, one example after another (round robin), each example's material shuffled."""
    rng = random.Random(f"{random_seed}:code")
    queues = []
    for example in EXAMPLES:
        material = example.material()
        rng.shuffle(material)
        queues.append((example, iter(material)))
    turn = 0
    while queues:
        example, material = queues[turn % len(queues)]
        params = next(material, None)
        if params is None:
            queues.remove((example, material))
            continue
        turn += 1
        try:
            yield seed(example, params)
        except TheoryError:
            continue
