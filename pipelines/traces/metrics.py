"""traces metrics: score one predicted reply against the logged (or teacher's) answer of its call site.

The reply is read as JSON (the whole reply, or one ``` fence: sites.parse_answer). `score(reply,
record, validator)` -> per-example values in {0, 1}:
- json: the reply is one JSON object
- valid: that object is a valid answer of the record's site (sites.check_answer): at a tool site a
  call of a declared tool whose arguments pass its parameters, at a structured-output site an
  object that passes the logged schema. Split by site kind, it is the valid tool call share and
  the schema-valid share (bench/distill_traces.py prints both).
- exact: the object equals the expected answer, key order, spacing and 5.0 vs 5 aside (the
  canonical pairs of toolcalls' metrics.flatten; list order aside too)
A reply that is not JSON scores 0 on all three. MAIN is the metric the deploy decision uses.
"""

from __future__ import annotations

from typing import Any

from pipelines.toolcalls.metrics import flatten
from pipelines.traces.sites import check_answer, parse_answer

MAIN = "valid"
METRICS = ("json", "valid", "exact")


def canonical(value: Any) -> tuple:
    return tuple(sorted(flatten(value))) if value not in ({}, []) else (("", repr(value)),)


def score(reply: str | None, record: dict, validator=None) -> dict[str, float]:
    try:
        answer = parse_answer(reply or "")
    except ValueError:
        return dict.fromkeys(METRICS, 0.0)
    if not isinstance(answer, dict):
        return dict.fromkeys(METRICS, 0.0)
    context = (record.get("provenance") or {}).get("context") or {}
    return {
        "json": 1.0,
        "valid": float(check_answer(answer, context) is None),
        "exact": float(canonical(answer) == canonical(record["output"])),
    }
