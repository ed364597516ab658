"""Music theory facts computed by music21: note names, chords, scales, intervals, Roman numerals.

The composer recipe's oracle. Every answer it gives comes from music21, never from a table
of answers: chord tones from `harmony.ChordSymbol(root, kind)`, scales from music21's scale
classes, interval names from `interval.Interval`, Roman numerals checked by building the
numeral's chord with `roman.RomanNumeral` in the key.

Notation (the records' notation): note names are ASCII, a letter A-G then `b`, `bb`, `#` or
`##` ("Eb", "F##"), with an octave number for pitches ("Ab4"). music21 writes flats as "-";
`to_m21` / `from_m21` convert. `normal_name` also reads ♭ ♯ 𝄫 𝄪 (what a teacher may write).
Enharmonic spelling policy: a name is spelled as theory spells it, one letter per chord or
scale degree (E♭ major seventh is Eb G Bb D, never D# G A# D); see `compare_names`.
It does not parse questions (see questions.py) nor run code (see sandbox.py).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

NOTE = re.compile(r"^([A-G])(bb|b|##|#)?$")
PITCH = re.compile(r"^([A-G])(bb|b|##|#)?(-?\d)$")
_UNICODE = {"𝄫": "bb", "𝄪": "##", "♭": "b", "♯": "#", "♮": ""}

# Quality name -> (music21 ChordSymbol kind, chord-symbol suffix, formula for explanations).
QUALITIES: dict[str, tuple[str, str, str]] = {
    "major triad": ("major", "", "a major third and a perfect fifth"),
    "minor triad": ("minor", "m", "a minor third and a perfect fifth"),
    "diminished triad": ("diminished", "dim", "a minor third and a diminished fifth"),
    "augmented triad": ("augmented", "aug", "a major third and an augmented fifth"),
    "dominant seventh": ("dominant-seventh", "7", "a major triad and a minor seventh"),
    "major seventh": ("major-seventh", "maj7", "a major triad and a major seventh"),
    "minor seventh": ("minor-seventh", "m7", "a minor triad and a minor seventh"),
    "half-diminished seventh": (
        "half-diminished-seventh",
        "m7b5",
        "a diminished triad and a minor seventh",
    ),
    "diminished seventh": (
        "diminished-seventh",
        "dim7",
        "a diminished triad and a diminished seventh",
    ),
    "minor-major seventh": ("minor-major-seventh", "mMaj7", "a minor triad and a major seventh"),
    "major sixth": ("major-sixth", "6", "a major triad and a major sixth"),
    "minor sixth": ("minor-sixth", "m6", "a minor triad and a major sixth"),
    "suspended second": ("suspended-second", "sus2", "a major second and a perfect fifth"),
    "suspended fourth": ("suspended-fourth", "sus4", "a perfect fourth and a perfect fifth"),
    "dominant ninth": ("dominant-ninth", "9", "a dominant seventh and a major ninth"),
    "major ninth": ("major-ninth", "maj9", "a major seventh chord and a major ninth"),
    "minor ninth": ("minor-ninth", "m9", "a minor seventh chord and a major ninth"),
}
SUFFIXES = {suffix: name for name, (_, suffix, _) in QUALITIES.items()}

# Scale name -> (music21 scale class, scale degrees kept; None: all seven).
SCALES: dict[str, tuple[str, tuple[int, ...] | None]] = {
    "major": ("MajorScale", None),
    "natural minor": ("MinorScale", None),
    "harmonic minor": ("HarmonicMinorScale", None),
    "melodic minor": ("MelodicMinorScale", None),  # the ascending form
    "dorian": ("DorianScale", None),
    "phrygian": ("PhrygianScale", None),
    "lydian": ("LydianScale", None),
    "mixolydian": ("MixolydianScale", None),
    "locrian": ("LocrianScale", None),
    "major pentatonic": ("MajorScale", (1, 2, 3, 5, 6)),
    "minor pentatonic": ("MinorScale", (1, 3, 4, 5, 7)),
}
MODES = ("major", "minor")


class TheoryError(ValueError):
    """A name, subject or figure music21 cannot read; the message says which and why."""


def normal_name(text: str) -> str:
    """A note or pitch name in the records' ASCII notation ("E♭4" -> "Eb4"); TheoryError if it is none."""
    name = text.strip()
    for sign, ascii_sign in _UNICODE.items():
        name = name.replace(sign, ascii_sign)
    name = name[:1].upper() + name[1:]
    if not (NOTE.match(name) or PITCH.match(name)):
        raise TheoryError(
            f"{text!r} is not a note name (a letter A-G, then b, bb, # or ##, and an octave for pitches)"
        )
    return name


def to_m21(name: str) -> str:
    """ "Eb4" -> "E-4", "Bbb" -> "B--" (music21's spelling of flats)."""
    match = NOTE.match(name) or PITCH.match(name)
    if not match:
        raise TheoryError(f"{name!r} is not a note name (a letter A-G, then b, bb, # or ##)")
    accidental = (match.group(2) or "").replace("b", "-")
    octave = match.group(3) if match.re is PITCH else ""
    return f"{match.group(1)}{accidental}{octave}"


def from_m21(name: str) -> str:
    """music21's "E-4" -> "Eb4"; TheoryError for a name with a triple accidental or a microtone."""
    letter, rest = name[0], name[1:]
    octave = rest.lstrip("-#~`") if rest.startswith(("-", "#")) else rest
    accidental = rest[: len(rest) - len(octave)].replace("-", "b")
    result = f"{letter}{accidental}{octave}"
    if not (NOTE.match(result) or PITCH.match(result)):
        raise TheoryError(
            f"music21 spells this note {name!r}, which the records' notation cannot write"
        )
    return result


def pitch_class(name: str) -> int:
    from music21 import pitch

    return pitch.Pitch(to_m21(name)).pitchClass


def midi_number(name: str) -> int:
    """The MIDI key number of a pitch with an octave ("C4" -> 60)."""
    from music21 import pitch

    if not PITCH.match(name):
        raise TheoryError(f"{name!r} is not a pitch with an octave (e.g. C4, Eb5)")
    return pitch.Pitch(to_m21(name)).midi


@cache
def chord_notes(root: str, quality: str) -> tuple[str, ...]:
    """The chord's tones from the root up ("Eb", "major seventh") -> ("Eb", "G", "Bb", "D")."""
    from music21 import harmony

    if quality not in QUALITIES:
        raise TheoryError(f"unknown chord quality {quality!r} (known: {', '.join(QUALITIES)})")
    symbol = harmony.ChordSymbol(root=to_m21(root), kind=QUALITIES[quality][0])
    return tuple(from_m21(p.name) for p in symbol.pitches)


def chord_symbol(root: str, quality: str) -> str:
    return root + QUALITIES[quality][1]


def parse_symbol(symbol: str) -> tuple[str, str]:
    """ "Bbm7b5" -> ("Bb", "half-diminished seventh"); TheoryError for a suffix outside QUALITIES."""
    match = re.match(r"^([A-G](?:bb|b|##|#)?)(.*)$", symbol.strip())
    if not match or match.group(2) not in SUFFIXES:
        known = ", ".join(repr(s) for s in SUFFIXES)
        raise TheoryError(f"{symbol!r} is not a chord symbol (a root, then one of {known})")
    return match.group(1), SUFFIXES[match.group(2)]


def name_chord(root: str, names: set[str]) -> str | None:
    """The quality whose tones on `root` are exactly `names` (spelled), or None."""
    for quality in QUALITIES:
        try:
            if set(chord_notes(root, quality)) == names:
                return quality
        except TheoryError:
            continue
    return None


@cache
def scale_notes(tonic: str, kind: str) -> tuple[str, ...]:
    """One octave up from the tonic, without repeating it ("D", "harmonic minor") -> D E F G A Bb C#."""
    from music21 import scale

    if kind not in SCALES:
        raise TheoryError(f"unknown scale {kind!r} (known: {', '.join(SCALES)})")
    class_name, degrees = SCALES[kind]
    built = getattr(scale, class_name)(to_m21(tonic))
    if degrees is None:
        pitches = built.getPitches(to_m21(tonic) + "4", to_m21(tonic) + "5")[:-1]
    else:
        pitches = [built.pitchFromDegree(degree) for degree in degrees]
    return tuple(from_m21(p.name) for p in pitches)


def interval_name(low: str, high: str) -> str:
    """The interval from one pitch to another, by music21 ("C4", "Ab4") -> "minor sixth"."""
    from music21 import interval, pitch

    for name in (low, high):
        if not PITCH.match(name):
            raise TheoryError(f"{name!r} is not a pitch with an octave (e.g. C4, Eb5)")
    return interval.Interval(pitch.Pitch(to_m21(low)), pitch.Pitch(to_m21(high))).niceName.lower()


def transpose(name: str, interval_code: str) -> str:
    """A pitch moved up by an interval ("C4", "m6") -> "Ab4"."""
    from music21 import interval, pitch

    return from_m21(
        interval.Interval(interval_code).transposePitch(pitch.Pitch(to_m21(name))).nameWithOctave
    )


def parse_key(text: str) -> tuple[str, str]:
    """ "F# minor" -> ("F#", "minor")."""
    parts = text.split()
    if len(parts) != 2 or parts[1] not in MODES or not NOTE.match(parts[0]):
        raise TheoryError(f"{text!r} is not a key (a tonic, then major or minor, e.g. 'F# minor')")
    return parts[0], parts[1]


def _key(tonic: str, mode: str):
    from music21 import key

    return key.Key(to_m21(tonic), mode)


@lru_cache(maxsize=4096)
def numeral_notes(figure: str, tonic: str, mode: str) -> tuple[str, ...]:
    """The chord a Roman numeral names in a key, by music21, bass first ("V7", "A", "minor") -> E G# B D."""
    from music21 import roman

    try:
        numeral = roman.RomanNumeral(figure, _key(tonic, mode))
        return tuple(from_m21(p.name) for p in numeral.pitches)
    except TheoryError:
        raise
    except Exception as exc:  # music21 raises several exception types for figures it cannot read
        raise TheoryError(f"{figure!r} is not a Roman numeral music21 can read ({exc})") from None


def numeral_matches(figure: str, root: str, quality: str, tonic: str, mode: str) -> bool:
    """The figure names this root-position chord in the key: same tones, spelled alike, root in the bass."""
    notes = numeral_notes(figure, tonic, mode)
    return bool(notes) and notes[0] == root and set(notes) == set(chord_notes(root, quality))


_NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII")
_FIGURE_SUFFIX = {
    "major triad": "",
    "minor triad": "",
    "diminished triad": "o",
    "augmented triad": "+",
    "dominant seventh": "7",
    "major seventh": "7",
    "minor seventh": "7",
    "half-diminished seventh": "ø7",
    "diminished seventh": "o7",
}


def figure_for(root: str, quality: str, tonic: str, mode: str) -> str | None:
    """The textbook Roman numeral of a root-position chord in a key ("E", "dominant seventh", "A", "minor")
    -> "V7", checked by music21 (`numeral_matches`); None when no diatonic numeral names it."""
    from music21 import pitch

    if quality not in _FIGURE_SUFFIX:
        return None
    home = _key(tonic, mode)
    degree = home.getScaleDegreeFromPitch(pitch.Pitch(to_m21(root)), comparisonAttribute="name")
    if degree is None and mode == "minor":  # the raised 6th and 7th of minor
        degree = home.getScaleDegreeFromPitch(
            pitch.Pitch(to_m21(root)).transpose("-A1"), comparisonAttribute="name"
        )
        degree = degree if degree in (6, 7) else None
    if degree is None:
        return None
    numeral = _NUMERALS[degree - 1]
    if quality in (
        "minor triad",
        "diminished triad",
        "minor seventh",
        "half-diminished seventh",
        "diminished seventh",
    ):
        numeral = numeral.lower()
    figure = numeral + _FIGURE_SUFFIX[quality]
    return figure if numeral_matches(figure, root, quality, tonic, mode) else None


def compare_names(
    what: str, expected: list[str] | tuple[str, ...], given: list[str], *, ordered: bool
) -> tuple[str, str] | None:
    """None when `given` spells `expected` (in order when `ordered`), else (reason, detail):
    `composer_wrong_spelling` for the same pitches under other letters (an enharmonic respelling),
    `composer_wrong_notes` for anything else, naming what is missing and what does not belong."""
    expected, given = list(expected), list(given)
    if (given == expected) if ordered else (sorted(given) == sorted(expected)):
        return None
    shown = f"{what} is {' '.join(expected)}; given {' '.join(given)}"
    same_pitches = (
        [pitch_class(n) for n in given] == [pitch_class(n) for n in expected]
        if ordered
        else sorted(pitch_class(n) for n in given) == sorted(pitch_class(n) for n in expected)
    )
    if same_pitches:
        respelled = [f"{g} for {e}" for g, e in zip(given, expected) if g != e] if ordered else []
        return "composer_wrong_spelling", f"{shown}: same pitches, other letters" + (
            f" ({', '.join(respelled)})" if respelled else ""
        )
    missing = [n for n in expected if n not in given]
    extra = [n for n in given if n not in expected]
    repeated = sorted({n for n in given if given.count(n) > expected.count(n) and n in expected})
    parts = [
        f"missing {' '.join(missing)}" if missing else "",
        f"not in it: {' '.join(extra)}" if extra else "",
        f"repeats {' '.join(repeated)}" if repeated else "",
    ]
    why = ", ".join(p for p in parts if p) or "the right notes in the wrong order"
    return "composer_wrong_notes", f"{shown}: {why}"
