"""The task grammar's plumbing: `lines` (a block of lines as a list), `say` (one phrasing of a
block, its placeholders filled) and the `family` registry (FAMILIES: name -> function(rng) that
returns (request, command, explanation)). No vocabulary and no families here."""

from __future__ import annotations

import random
from typing import Callable


def lines(block: str) -> list[str]:
    """The non-blank lines of a block, stripped: one phrasing (or one value) a line."""
    return [line.strip() for line in block.splitlines() if line.strip()]


Phrasings = str  # a block of lines, one phrasing a line, with {placeholders}
Family = Callable[[random.Random], tuple[str, str, str]]
FAMILIES: dict[str, Family] = {}


def family(function: Family) -> Family:
    FAMILIES[function.__name__] = function
    return function


def say(rng: random.Random, phrasings: Phrasings, **values) -> str:
    """One of the phrasings, its placeholders filled."""
    return rng.choice(lines(phrasings)).format(**values)
