"""The parameter sets of the code examples (api_code.py) and their answers, computed by music21.

For each example a `*_space()` lists every parameter set cheaply (roots x qualities, keys x
progressions, ...), a `prepare_*` turns one into the values its templates need (music21 spells
the notes; TheoryError where the notation cannot write them), and an `*_answer` computes the
pitches the script's MIDI file must hold, with the same music21 calls the script makes,
sorted in time order and each chord low to high (as sandbox.read_midi reads them back).
It does not build seeds, scripts or questions.
"""

from __future__ import annotations

import random

from pipelines.composer import questions, theory
from pipelines.composer.theory import TheoryError

M21_SUFFIX = {
    "major triad": "",
    "minor triad": "m",
    "diminished triad": "dim",
    "augmented triad": "+",
    "dominant seventh": "7",
    "major seventh": "maj7",
    "minor seventh": "m7",
    "half-diminished seventh": "ø7",
    "diminished seventh": "dim7",
}
SEVEN_NOTE_SCALES = [kind for kind, (_, degrees) in theory.SCALES.items() if degrees is None]
ORDINALS = {1: "first", 2: "second", 3: "third"}


def _m21(name: str) -> str:
    return theory.to_m21(name)


def _quoted(names) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _names(pitches) -> list[str]:
    return [theory.from_m21(p.nameWithOctave) for p in pitches]


def _sorted_names(pitches) -> list[str]:
    return _names(sorted(pitches, key=lambda p: p.ps))


def _stack(names, octave: int) -> list[str]:
    """Names stacked upward from `octave` ("Eb", "G", "Bb") -> ["Eb4", "G4", "Bb4"]."""
    from music21 import pitch

    stacked, last = [], -1.0
    for name in names:
        current = pitch.Pitch(_m21(name) + str(octave))
        while current.ps <= last:
            current.octave += 1
        stacked.append(theory.from_m21(current.nameWithOctave))
        last = current.ps
    return stacked


def scale_space() -> list[dict]:
    return [
        {"tonic": tonic, "kind": kind} for tonic in questions.ROOTS for kind in SEVEN_NOTE_SCALES
    ]


def prepare_scale(p: dict) -> dict:
    return {**p, "cls": theory.SCALES[p["kind"]][0], "m21": _m21(p["tonic"])}


def scale_answer(p: dict) -> list[str]:
    from music21 import scale

    return _names(getattr(scale, p["cls"])(p["m21"]).getPitches(p["m21"] + "4", p["m21"] + "5"))


def progression_space() -> list[dict]:
    return [
        {"figures": list(figures), "tonic": tonic, "mode": mode}
        for mode, keys in (("major", questions.MAJOR_KEYS), ("minor", questions.MINOR_KEYS))
        for tonic in keys
        for figures in questions.PROGRESSIONS[mode]
    ]


def prepare_progression(p: dict) -> dict:
    symbols = questions.progression_symbols(tuple(p["figures"]), p["tonic"], p["mode"])
    chords = [theory.parse_symbol(s) for s in symbols or []]
    if not chords or any(quality not in M21_SUFFIX for _, quality in chords):
        raise TheoryError(
            f"{p['figures']} in {p['tonic']} {p['mode']} holds a chord without a music21 figure here"
        )
    m21 = [_m21(root) + M21_SUFFIX[quality] for root, quality in chords]
    return {
        **p,
        "symbols_text": " ".join(symbols),
        "m21_text": _quoted(m21),
        "key": f"{p['tonic']} {p['mode']}",
        "figures_text": " ".join(p["figures"]),
        "figures_code": _quoted(p["figures"]),
        "m21_tonic": _m21(p["tonic"]),
        "m21": m21,
        "spelled": [theory.chord_notes(root, quality) for root, quality in chords],
    }


def symbols_answer(p: dict) -> list[str]:
    from music21 import harmony

    answer = []
    for figure, spelled in zip(p["m21"], p["spelled"], strict=True):
        pitches = harmony.ChordSymbol(figure).pitches
        if {theory.from_m21(x.name) for x in pitches} != set(spelled):
            raise TheoryError(f"music21 reads {figure!r} as another chord")
        answer += _sorted_names(pitches)
    return answer


def roman_answer(p: dict) -> list[str]:
    from music21 import key, roman

    home = key.Key(p["m21_tonic"], p["mode"])
    return [
        name
        for figure in p["figures"]
        for name in _sorted_names(roman.RomanNumeral(figure, home).pitches)
    ]


def inversion_space() -> list[dict]:
    qualities = {
        "major triad": 3,
        "minor triad": 3,
        "diminished triad": 3,
        "dominant seventh": 4,
        "major seventh": 4,
        "minor seventh": 4,
    }
    return [
        {"root": root, "quality": quality, "n": n, "nth": ORDINALS[n]}
        for root in questions.ROOTS
        for quality, size in qualities.items()
        for n in range(1, size)
    ]


def prepare_inversion(p: dict) -> dict:
    stacked = _stack(theory.chord_notes(p["root"], p["quality"]), 4)
    return {
        **p,
        "pitches": _quoted(_m21(s) for s in stacked),
        "stacked": [_m21(s) for s in stacked],
    }


def inversion_answer(p: dict) -> list[str]:
    from music21 import chord

    built = chord.Chord(p["stacked"])
    built.inversion(p["n"])
    return _sorted_names(built.pitches)


def transposition_space() -> list[dict]:
    return [
        {"start": f"{root}4", "code": code}
        for root in questions.ROOTS
        for code in questions.INTERVALS
    ]


def prepare_transposition(p: dict) -> dict:
    from music21 import interval

    theory.transpose(
        p["start"], p["code"]
    )  # TheoryError: the top note would need a triple accidental
    return {
        **p,
        "m21start": _m21(p["start"]),
        "interval": interval.Interval(p["code"]).niceName.lower(),
    }


def melody_space() -> list[dict]:
    rng = random.Random(0)
    return [
        {"tonic": tonic, "code": code, "degrees": sorted(rng.sample(range(7), rng.randint(4, 6)))}
        for tonic in questions.MAJOR_KEYS
        for code in ("M2", "m3", "M3", "P4", "P5", "M6", "P8")
    ]


def prepare_melody(p: dict) -> dict:
    from music21 import interval

    notes = theory.scale_notes(p["tonic"], "major")
    melody = _stack([notes[degree] for degree in p["degrees"]], 4)
    return {
        **p,
        "melody": " ".join(melody),
        "names": _quoted(_m21(n) for n in melody),
        "interval": interval.Interval(p["code"]).niceName.lower(),
    }


def spread_space() -> list[dict]:
    rng = random.Random(1)
    triads = ("major triad", "minor triad", "diminished triad", "augmented triad")
    return [
        {
            "root": root,
            "quality": quality,
            "octaves": [rng.randint(3, 5) for _ in range(3)],
            "turn": rng.randrange(6),
        }
        for root in questions.ROOTS
        for quality in triads
    ]


def prepare_spread(p: dict) -> dict:
    tones = [
        f"{name}{octave}"
        for name, octave in zip(theory.chord_notes(p["root"], p["quality"]), p["octaves"])
    ]
    tones = [
        tones[i]
        for i in ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))[p["turn"]]
    ]
    m21 = [_m21(tone) for tone in tones]
    return {**p, "spread": " ".join(tones), "pitches": _quoted(m21), "tones": m21}


def closed_answer(p: dict) -> list[str]:
    from music21 import chord

    return _sorted_names(chord.Chord(p["tones"]).closedPosition(forceOctave=4).pitches)


def transposition_answer(p: dict) -> list[str]:
    return [p["start"], theory.transpose(p["start"], p["code"])]


def melody_answer(p: dict) -> list[str]:
    return [theory.transpose(name, p["code"]) for name in p["melody"].split()]
