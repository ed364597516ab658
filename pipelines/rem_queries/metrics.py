"""rem_queries metrics (seed 002): score one predicted reply against the expected record.

`score(reply, record)` -> per-example values in [0, 1]:
- intent: the predicted `intent` and `query_type` are the expected ones
- valid: the reply is JSON, passes the schema and the REM validator (query parses, fields agree)
- parameters: share of the expected parameter fields predicted with the same value
- executes: the predicted REM query runs: SQL compiles on the SQLite fixture of the three
  tables, the other operations parse with known tables and in-range values
- exact: the predicted REM string equals the expected one (whitespace and case of keywords aside)
MAIN is the metric the deploy decision uses.
"""

from __future__ import annotations

import re

from factory.teacher.extract import extract_json
from pipelines.rem_queries import rem
from pipelines.rem_queries.recipe import build_output

MAIN = "intent"
METRICS = ("intent", "valid", "parameters", "executes", "exact")


def _normal(query: str) -> str:
    return re.sub(r"\s+", " ", query.strip().rstrip(";")).casefold()


def score(reply: str | None, record: dict, validator) -> dict[str, float]:
    expected = record["output"]
    try:
        predicted = extract_json(reply)
    except ValueError:
        predicted = None
    if not isinstance(predicted, dict):
        return dict.fromkeys(METRICS, 0.0)
    query = predicted.get("rem") if isinstance(predicted.get("rem"), str) else ""
    try:
        rem.parse(query)
        executes = 1.0
    except rem.RemError:
        executes = 0.0
    valid = 0.0
    if not list(validator.iter_errors(predicted)) and executes:
        truth = build_output(query, predicted.get("explanation"))
        valid = float(all(predicted.get(k) == truth[k] for k in ("intent", "query_type", "parameters")))
    params = predicted.get("parameters") if isinstance(predicted.get("parameters"), dict) else {}
    wanted = expected["parameters"]
    return {
        "intent": float(predicted.get("intent") == expected["intent"] and predicted.get("query_type") == expected["query_type"]),
        "valid": valid,
        "parameters": sum(params.get(k) == v for k, v in wanted.items()) / len(wanted) if wanted else 1.0,
        "executes": executes,
        "exact": float(bool(query) and _normal(query) == _normal(expected["rem"])),
    }
