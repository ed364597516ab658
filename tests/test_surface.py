"""factory.surface: every spelling of a literal reads back as the same value, and typing a request
casually never touches the spans a recipe keeps."""

import random
import re

import pytest

from factory.literals import said_in
from factory.surface import casual, day, fraction, number


@pytest.mark.parametrize("value", [1, 2, 3, 5, 8, 12, 15, 20, 25, 50])
def test_every_spelling_of_a_number_reads_back(value):
    rng = random.Random(value)
    spellings = {number(value, rng) for _ in range(40)}
    assert str(value) in spellings and any(not s.isdigit() for s in spellings)  # digits and words
    for spelling in spellings:
        assert said_in(str(value), f"find {spelling} notes about tax documents"), spelling


@pytest.mark.parametrize("value", [0.5, 0.55, 0.6, 0.75, 0.85, 0.95])
def test_every_spelling_of_a_threshold_reads_back(value):
    rng = random.Random(int(value * 100))
    spellings = {fraction(value, rng) for _ in range(60)}
    assert len(spellings) == 4  # 0.85, .85, 85%, 85 percent
    for spelling in spellings:
        assert said_in(f"{value:g}", f"fuzzy match 'kubernets' at {spelling}"), spelling


@pytest.mark.parametrize("iso", ["2024-09-01", "2024-02-29", "2023-12-31", "2025-04-02"])
def test_every_spelling_of_a_date_reads_back(iso):
    rng = random.Random(iso)
    spellings = {day(iso, rng) for _ in range(80)}
    assert len(spellings) == 5
    for spelling in spellings:
        assert said_in(iso, f"notes about hiking trips since {spelling}"), spelling


def test_casual_typing_keeps_every_kept_span_and_number():
    text = "Show the 5 most recent notes on Kubernetes Deployment since ticket:OPS-7 and JIRA-4521?"
    keep = ["Kubernetes Deployment", "ticket:OPS-7", "JIRA-4521", "5"]
    rng = random.Random(0)
    outputs = [casual(text, rng, keep=keep) for _ in range(300)]
    for out in outputs:
        for span in keep:
            assert span in out, out
    # what does change: case, the final "?", an opening, a closing, one typo in an ordinary word
    assert any(out.startswith("show the 5") for out in outputs)
    assert any(not out.endswith("?") for out in outputs)
    assert any(re.match(r"^(can you|pls|please|could you) ", out) for out in outputs)
    words = set(text.lower().replace("?", "").split())
    typos = [
        out for out in outputs if not set(out.lower().rstrip("?").split()) <= words | _extra(out)
    ]
    assert typos, "no output had a typo"


def _extra(out: str) -> set[str]:
    """Words an opening or closing adds."""
    extras = "can you could please pls hey, um quick one: i need to would mind, was wondering if"
    extras += " help me: ok so thanks thx for asap real ty ,"
    return set(extras.split()) | {w for w in out.lower().split() if w.endswith(",")}


def test_casual_typing_is_deterministic_for_its_random_state():
    text = "Find 3 documents about budget planning"
    first = [casual(text, random.Random(4), keep=["budget planning"]) for _ in range(3)]
    assert len(set(first)) == 1
    assert {casual(text, random.Random(seed)) for seed in range(30)} != {first[0]}


def test_a_question_gets_an_opening_that_leaves_it_a_question():
    rng = random.Random(1)
    outputs = [
        casual("What is stored under res-7?", rng, keep=["res-7"], opening=1.0) for _ in range(50)
    ]
    assert not any(out.startswith(("can you", "please", "pls", "i need you to")) for out in outputs)
