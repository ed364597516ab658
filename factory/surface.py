"""Surface variety for requests a grammar writes: literals spelled the ways people spell them, and
the casual ways people type.

A grammar that writes "Find 5 notes about X since 2024-09-01" teaches a student one spelling of
each literal and one register, and a small student learns that spelling, not the task. People
write "five", "Sept 1st 2024", "70%" or ".7"; they type in lowercase, start with "pls" or "i was
wondering if you could", end with "thanks", and misspell ordinary words. This module gives a
recipe's grammar both:

- `number`, `fraction`, `day`: one literal value in a spelling drawn at random. Every spelling
  is one that `factory.literals.said_in` reads back as the same value (tests/test_surface.py
  checks each), so the validator's literal check and the student's target agree.
- `casual(text, rng, keep)`: the same request typed casually. The spans in `keep` (keys, quoted
  terms, paths: whatever the recipe's `keep_values` says must stay verbatim) are never touched,
  not even lowercased; neither are numbers, number words and month names.

Every choice comes from the `random.Random` passed in, so a grammar stays deterministic for its
seed. It does not paraphrase (the teacher's rewrites do, stage generate) and it does not decide
which values are literals (the recipe does).
"""

from __future__ import annotations

import random
import re
from datetime import date

from num2words import num2words

_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_SHORT = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def number(value: int, rng: random.Random, words: float = 0.35) -> str:
    """A whole number as digits or, with probability `words`, as English words ("twelve")."""
    if rng.random() < words and 0 <= value <= 100:
        return num2words(value)
    return str(value)


def fraction(value: float, rng: random.Random) -> str:
    """A fraction between 0 and 1 (a similarity threshold) as "0.7", ".7", "70%" or "70 percent"."""
    percent = round(value * 100)
    canonical = f"{value:g}"
    return rng.choice(
        [canonical, canonical, canonical.removeprefix("0"), f"{percent}%", f"{percent} percent"]
    )


def _ordinal(day_of_month: int) -> str:
    suffix = (
        "th"
        if 11 <= day_of_month % 100 <= 13
        else {1: "st", 2: "nd", 3: "rd"}.get(day_of_month % 10, "th")
    )
    return f"{day_of_month}{suffix}"


def day(iso: str, rng: random.Random) -> str:
    """An ISO date (YYYY-MM-DD) as written ("2024-09-01"), or as people write it with day, month
    and year ("September 1, 2024", "sept 1st 2024", "1 Sep 2024")."""
    moment = date.fromisoformat(iso)
    month, short, year = _MONTHS[moment.month - 1], _MONTH_SHORT[moment.month - 1], moment.year
    d = moment.day
    return rng.choice(
        [
            iso,
            iso,
            f"{month.title()} {d}, {year}",
            f"{short} {_ordinal(d)} {year}",
            f"{d} {short.title()} {year}",
            f"{month} {_ordinal(d)}, {year}",
        ]
    )


# Openings and closings of requests typed to an assistant. A question ("what ...?") takes an
# opening that leaves it a question; a command ("find ...") one that leaves it a command.
_COMMAND_OPENINGS = [
    "can you ",
    "could you ",
    "please ",
    "pls ",
    "hey, ",
    "um ",
    "quick one: ",
    "i need you to ",
    "would you mind, ",
    "i was wondering if you could ",
    "help me: ",
    "ok so ",
]
_QUESTION_OPENINGS = [
    "hey, ",
    "quick question: ",
    "um ",
    "so ",
    "do you know ",
    "i was wondering ",
    "ok, ",
    "question - ",
]
_CLOSINGS = [" please", " pls", " thanks", ", thx", " for me", " asap", " real quick", " ty"]
_COMMAND_VERBS = re.compile(
    r"^(find|show|get|look|fetch|open|list|count|search|give|pull|display|retrieve|bring|follow|"
    r"walk|trace|tell|read|grab|check|run|print|delete|remove|create|make|copy|move|send|add)\b",
    re.I,
)
_QUESTION_WORDS = re.compile(
    r"^(what|which|who|where|when|how|is|are|do|does|did|anything|any)\b", re.I
)
_NUMBERISH = re.compile(
    r"^(\d.*|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|"
    r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|percent|first|second|third|"
    r"\w*(st|nd|rd|th)\d*)$",
    re.I,
)
_MONTH_WORDS = set(_MONTHS) | set(_MONTH_SHORT) | {"sept"}


def _protected_spans(text: str, keep: list[str]) -> list[tuple[int, int]]:
    spans = []
    for value in keep:
        for found in re.finditer(re.escape(value), text, re.I):
            spans.append(found.span())
    return sorted(spans)


def _outside(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The stretches of `text` between protected spans."""
    pieces, at = [], 0
    for start, end in spans:
        if start > at:
            pieces.append((at, start))
        at = max(at, end)
    if at < len(text):
        pieces.append((at, len(text)))
    return pieces


def _typo(word: str, rng: random.Random) -> str:
    """One slip of the fingers: two letters swapped, one dropped or one doubled."""
    at = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    if kind == 1:
        return word[:at] + word[at + 1 :]
    return word[:at] + word[at] + word[at:]


def _ordinary_words(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of words a typo may touch: 4+ letters, outside protected spans, not part of an
    identifier (no - _ : . beside them), not a number word or a month."""
    found = []
    for start, end in pieces:
        for word in re.finditer(r"[A-Za-z]{4,}", text[start:end]):
            a, b = start + word.start(), start + word.end()
            beside = text[a - 1 : a] + text[b : b + 1]
            if any(mark in beside for mark in "-_:.'/"):
                continue
            if _NUMBERISH.match(word.group()) or word.group().lower() in _MONTH_WORDS:
                continue
            found.append((a, b))
    return found


def casual(
    text: str,
    rng: random.Random,
    keep: list[str] = (),
    lowercase: float = 0.45,
    opening: float = 0.3,
    closing: float = 0.15,
    typo: float = 0.2,
) -> str:
    """`text` typed casually: maybe lowercased, its final "?" or "." maybe dropped, an opening
    maybe added (to a command that starts with its verb: "pls ", "i was wondering if you could ";
    to a question: "quick question: ") or else a closing (" thanks"), one ordinary word maybe
    misspelled. The spans of `keep`, numbers, number words and month names stay as
    they are."""
    spans = _protected_spans(text, list(keep))
    pieces = _outside(text, spans)
    question = bool(_QUESTION_WORDS.match(text))
    command = bool(_COMMAND_VERBS.match(text))
    chars = list(text)
    if rng.random() < lowercase:
        for start, end in pieces:
            chars[start:end] = text[start:end].lower()
    if rng.random() < typo:
        words = _ordinary_words(text, pieces)
        if words:
            a, b = rng.choice(words)
            chars[a:b] = _typo("".join(chars[a:b]), rng)
    out = "".join(chars)
    if rng.random() < 0.4 and out[-1:] in ("?", "."):
        out = out[:-1]
    if rng.random() < opening and (question or command):
        lead = rng.choice(_QUESTION_OPENINGS if question else _COMMAND_OPENINGS)
        out = lead + out[0].lower() + out[1:]
    elif rng.random() < closing:
        out = out.rstrip("?.!") + rng.choice(_CLOSINGS)
    return out
