"""moments metrics (seed 002, task 3): score one predicted reply against the expected record.

The reply's moments: the first JSON object or array in it ({"moments": [...]} or a bare list),
each tidied like a teacher's answer (recipe.tidy: times, tags and type spelled canonically).
A reply without a list of moment objects scores 0 on every metric.

Matching. A predicted moment matches an expected one when its start and its end each lie within
TOLERANCE_MINUTES (5) of the expected start and end. Pairs are made one-to-one, greedily, the
closest first (smallest |start difference| + |end difference|, ties by position). A predicted
moment without both times in the schema's form matches nothing. Then, per example, in [0, 1]:
- boundary: matched pairs / max(expected moments, predicted moments) — a missed moment and an
  invented one both cost.
- type: matched pairs with the same moment_type / expected moments.
- emotion_f1: micro F1 of emotion tags: TP = sum over matched pairs of |predicted & expected tags|,
  P = all predicted moments' tags, E = all expected moments' tags; F1 = 2 TP / (P + E); 1 if both 0.
- topic_precision = TP / P and topic_recall = TP / E, the same counts for topic tags (1 when the
  denominator is 0 and the other side has no tags either, else 0).
- participants: persons compared by name (case and outer spaces aside) within matched pairs:
  correct / max(expected persons, predicted persons), summed over all moments; 1 if both are 0.
- valid: the reply's output passes the schema and recipe.validate on the record's transcript
  (times inside it, ordered, no overlaps, people named in their moment).
MAIN is the metric the deploy decision uses.
"""

from __future__ import annotations

from typing import Any

from factory.teacher.extract import extract_json
from pipelines.moments.recipe import tidy, validate
from pipelines.moments.transcript import parse_iso

MAIN = "boundary"
METRICS = (
    "boundary",
    "type",
    "emotion_f1",
    "topic_precision",
    "topic_recall",
    "participants",
    "valid",
)
TOLERANCE_MINUTES = 5


def predicted_moments(reply: str | None) -> list[dict] | None:
    try:
        data = extract_json(reply)
    except ValueError:
        return None
    moments = data.get("moments") if isinstance(data, dict) else data
    if (
        not isinstance(moments, list)
        or not moments
        or not all(isinstance(m, dict) for m in moments)
    ):
        return None
    return [tidy(m) for m in moments]


def _span(moment: dict) -> tuple[Any, Any]:
    return parse_iso(moment.get("resource_timestamp")), parse_iso(
        moment.get("resource_ends_timestamp")
    )


def match(expected: list[dict], predicted: list[dict]) -> list[tuple[int, int]]:
    """(expected index, predicted index) pairs, one-to-one, closest first."""
    candidates = []
    for i, want in enumerate(expected):
        start, end = _span(want)
        for j, got in enumerate(predicted):
            got_start, got_end = _span(got)
            if got_start is None or got_end is None:
                continue
            off_start = abs((got_start - start).total_seconds()) / 60
            off_end = abs((got_end - end).total_seconds()) / 60
            if off_start <= TOLERANCE_MINUTES and off_end <= TOLERANCE_MINUTES:
                candidates.append((off_start + off_end, i, j))
    pairs, used_expected, used_predicted = [], set(), set()
    for _, i, j in sorted(candidates):
        if i not in used_expected and j not in used_predicted:
            pairs.append((i, j))
            used_expected.add(i)
            used_predicted.add(j)
    return sorted(pairs)


def _tags(moment: dict, key: str) -> set[str]:
    value = moment.get(key)
    return {tag for tag in value if isinstance(tag, str)} if isinstance(value, list) else set()


def _names(moment: dict) -> set[str]:
    persons = moment.get("present_persons")
    if not isinstance(persons, list):
        return set()
    return {
        p["name"].strip().casefold()
        for p in persons
        if isinstance(p, dict) and isinstance(p.get("name"), str)
    }


def _overlap(expected, predicted, pairs, of) -> tuple[int, int, int]:
    """(shared items within matched pairs, all predicted items, all expected items) of `of(moment)`."""
    shared = sum(len(of(expected[i]) & of(predicted[j])) for i, j in pairs)
    return shared, sum(len(of(m)) for m in predicted), sum(len(of(m)) for m in expected)


def _ratio(part: int, whole: int, other_side: int) -> float:
    if whole == 0:
        return 1.0 if other_side == 0 else 0.0
    return part / whole


def score(reply: str | None, record: dict, validator) -> dict[str, float]:
    expected = record["output"]["moments"]
    predicted = predicted_moments(reply)
    if predicted is None:
        return dict.fromkeys(METRICS, 0.0)
    pairs = match(expected, predicted)
    emotions = _overlap(expected, predicted, pairs, lambda m: _tags(m, "emotion_tags"))
    topics = _overlap(expected, predicted, pairs, lambda m: _tags(m, "topic_tags"))
    people = _overlap(expected, predicted, pairs, _names)
    output = {"moments": predicted}
    valid = (
        not list(validator.iter_errors(output))
        and validate({"input": record["input"], "output": output}) is None
    )
    return {
        "boundary": len(pairs) / max(len(expected), len(predicted)),
        "type": sum(expected[i]["moment_type"] == predicted[j].get("moment_type") for i, j in pairs)
        / len(expected),
        "emotion_f1": _ratio(2 * emotions[0], emotions[1] + emotions[2], 0),
        "topic_precision": _ratio(topics[0], topics[1], topics[2]),
        "topic_recall": _ratio(topics[0], topics[2], topics[1]),
        "participants": _ratio(people[0], max(people[1], people[2]), 0),
        "valid": float(valid),
    }
