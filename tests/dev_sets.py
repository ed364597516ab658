"""Test helper importable from any test folder: the hand-written dev sets under evals/ and the check
that a grammar writes none of their requests (the dev sets measure requests the factory did not write)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable

EVALS = Path(__file__).resolve().parent.parent / "evals"


def plain(text: str) -> str:
    """Lowercase words and numbers only: "Open res-42?" and "open res 42" are the same request."""
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def dev_requests_written(recipe: str, written: Iterable[str]) -> tuple[int, list[str]]:
    """(how many requests the recipe's natural dev set has, those of them among `written`)."""
    path = EVALS / recipe / "natural.jsonl"
    requests = {plain(json.loads(line)["input"]) for line in path.read_text().splitlines()}
    return len(requests), sorted(requests & {plain(text) for text in written})
