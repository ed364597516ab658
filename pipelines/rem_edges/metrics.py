"""rem_edges metrics (seed 002, task 2): score one predicted reply against the expected record.

Gold: the record's labels (provenance.context.labels: {candidate id: {type, affinity}}), else
its output's edges. The prediction: the reply's {"edges": [...]} (or a bare list), first edge per
`to`; a candidate without an edge is predicted NONE with score 0. An edge "counts" (is related)
when its type is not NONE; a type outside the four counts as related and wrong, a missing one as NONE.
`score(reply, record, validator)` -> per-example values in [0, 1]:
- precision: predicted related edges labelled related / predicted related edges (edges to
  ids that are not candidates count as wrong); 1.0 when neither side has one, 0.0 when only
  the labels do
- recall: labelled related edges predicted related / labelled related (1.0 when none is)
- f1: harmonic mean of precision and recall (0.0 when both are 0)
- calibration: Pearson's r of predicted scores with labelled affinities over the candidates,
  negative r as 0; labels constant: 1 - mean absolute difference; only the predictions
  constant: 0 (see edges.calibration)
- type_accuracy: candidates whose predicted type (NONE if none) equals the label
- valid: the reply is {"edges": [...]}, passes the schema and the validator's checks of shape
  (from the source, to candidates, each once, scores in [0, 1]), agreement aside
A reply without JSON edges scores 0 on everything. MAIN is f1: seed 002 sets targets on both
precision (> 80%) and recall (> 70%); recall alone rewards linking every candidate, precision
alone rewards linking none, and f1 only rises when both do. Latency is the core's.
"""

from __future__ import annotations

from factory.teacher.extract import extract_json
from pipelines.rem_edges.edges import NONE, agreement, calibration, check, gold_labels

MAIN = "f1"
METRICS = ("f1", "precision", "recall", "calibration", "type_accuracy", "valid")


def _edges(reply: str | None) -> tuple[object, list[dict]] | None:
    try:
        data = extract_json(reply)
    except ValueError:
        return None
    edges = data.get("edges") if isinstance(data, dict) else data
    if not isinstance(edges, list):
        return None
    return data, [e for e in edges if isinstance(e, dict)]


def _score(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    return min(1.0, max(0.0, float(value)))


def score(reply: str | None, record: dict, validator) -> dict[str, float]:
    found = _edges(reply)
    if found is None:
        return dict.fromkeys(METRICS, 0.0)
    data, edges = found
    gold = gold_labels(record["output"], (record.get("provenance") or {}).get("context"))
    types: dict[str, str] = {}
    scores: dict[str, float] = {}
    for edge in edges:
        to = edge.get("to")
        if isinstance(to, str) and to not in types:
            types[to] = edge.get("type") if isinstance(edge.get("type"), str) else NONE
            scores[to] = _score(edge.get("score"))
    match = agreement(types, {cid: label["type"] for cid, label in gold.items()})
    precision, recall = match.precision, match.recall
    valid = not list(validator.iter_errors(data)) and check(record["input"], data) is None
    return {
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "precision": precision,
        "recall": recall,
        "calibration": calibration(
            [scores.get(cid, 0.0) for cid in gold], [gold[cid]["affinity"] for cid in gold]
        ),
        "type_accuracy": match.type_accuracy,
        "valid": float(valid),
    }
