"""rem_edges' shapes and checks: the student's input text, the edges output, and edges against labels.

- `render_input(source, candidates)` / `parse_input(text)`: a source resource and its candidates
  as one JSON text (one resource per line), the student's user message; resources have `id`,
  `text` and optionally `type`, `timestamp`, `name`.
- `check(input_text, output, context)`: None or (reason, detail) for a schema-valid output:
  `edges_bad_input`, `edges_not_from_source`, `edges_self_loop`, `edges_unknown_resource`,
  `edges_duplicate`, `edges_missing_candidate`, `edges_score_out_of_range`, and, when the
  context holds labels, `edges_disagree_with_labels` (agreement below context["agreement"]).
- `agreement(predicted, gold)` and `calibration(scores, affinities)`: the numbers that check and
  metrics.py share. An edge "counts" (is predicted or labelled related) when its type is not NONE.
It does not read files (user_files.py) or generate collections (generator.py).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

TYPES = ("SEE_ALSO", "PREREQUISITE", "CONTINUATION", "NONE")
NONE = "NONE"
RESOURCE_KEYS = ("id", "type", "timestamp", "name", "text")
DEFAULT_AGREEMENT = {
    "min_precision": 1.0,
    "min_recall": 1.0,
    "min_type_accuracy": 1.0,
}  # recipe.yaml sets them


def render_input(source: dict, candidates: list[dict]) -> str:
    """JSON with one resource per line: compact for the student, readable for a reviewer."""

    def one(resource: dict) -> str:
        return json.dumps(
            {k: resource[k] for k in RESOURCE_KEYS if resource.get(k) is not None},
            ensure_ascii=False,
        )

    lines = ",\n  ".join(one(c) for c in candidates)
    return f'{{"source": {one(source)},\n "candidates": [\n  {lines}]}}'


def parse_input(text: str) -> tuple[dict, list[dict]]:
    """(source, candidates) of an input text; ValueError saying what is wrong."""
    try:
        data = json.loads(text)
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"the input is not JSON ({exc})") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("source"), dict)
        or not isinstance(data.get("candidates"), list)
    ):
        raise ValueError('the input needs {"source": {...}, "candidates": [...]}')
    resources = [data["source"], *data["candidates"]]
    if not all(isinstance(r, dict) and isinstance(r.get("id"), str) and r["id"] for r in resources):
        raise ValueError("every resource needs a non-empty string id")
    return data["source"], data["candidates"]


@dataclass(frozen=True)
class Agreement:
    precision: float
    recall: float
    type_accuracy: float
    spurious: tuple[str, ...]  # predicted related, labelled NONE (or not a candidate)
    missed: tuple[str, ...]  # labelled related, predicted NONE or left out
    wrong_type: tuple[str, ...]  # candidates whose predicted type is not the labelled one


def agreement(predicted: dict[str, str], gold: dict[str, str]) -> Agreement:
    """Compare predicted types {to: type} with labelled types {candidate id: type} (every candidate).

    A candidate left out of the prediction counts as NONE. precision = related predictions that
    are labelled related / related predictions (1.0 when neither side has any, 0.0 when only the
    labels do: silence is not precise); recall = labelled related found / labelled related (1.0
    when none is labelled related); type accuracy = candidates whose predicted type equals the
    label, over all labelled candidates (NONE included)."""
    said = {to for to, kind in predicted.items() if kind != NONE}
    truth = {cid for cid, kind in gold.items() if kind != NONE}
    hits = said & truth
    precision = len(hits) / len(said) if said else (0.0 if truth else 1.0)
    recall = len(hits) / len(truth) if truth else 1.0
    wrong = tuple(sorted(cid for cid, kind in gold.items() if predicted.get(cid, NONE) != kind))
    type_accuracy = 1.0 - len(wrong) / len(gold) if gold else 1.0
    return Agreement(
        precision,
        recall,
        type_accuracy,
        tuple(sorted(said - truth)),
        tuple(sorted(truth - said)),
        wrong,
    )


def calibration(scores: list[float], affinities: list[float]) -> float:
    """How well predicted scores track labelled affinities, in [0, 1].

    Pearson's r, negative values counted as 0. Pearson is undefined for a constant vector: when
    the labels are constant (one candidate, or all equally related) it is 1 - the mean absolute
    difference (closeness instead of correlation); when only the predictions are constant they
    rank nothing, which scores 0."""
    if len(scores) != len(affinities):
        raise ValueError("scores and affinities differ in length")
    if not affinities:
        return 1.0
    n = len(scores)
    mean_s, mean_a = sum(scores) / n, sum(affinities) / n
    var_s = sum((s - mean_s) ** 2 for s in scores)
    var_a = sum((a - mean_a) ** 2 for a in affinities)
    if var_a <= 1e-12:
        return max(0.0, 1.0 - sum(abs(s - a) for s, a in zip(scores, affinities)) / n)
    if var_s <= 1e-12:
        return 0.0
    r = sum((s - mean_s) * (a - mean_a) for s, a in zip(scores, affinities)) / math.sqrt(
        var_s * var_a
    )
    return max(0.0, min(1.0, r))


def gold_labels(output: dict | None, context: dict | None) -> dict[str, dict]:
    """{candidate id: {"type", "affinity"}}: the context's labels, else the output's own edges."""
    if context and isinstance(context.get("labels"), dict):
        return context["labels"]
    edges = (output or {}).get("edges") or []
    return {e["to"]: {"type": e["type"], "affinity": e["score"]} for e in edges}


def check(input_text: str, output: dict, context: dict | None = None) -> tuple[str, str] | None:
    """The first problem of a schema-valid output for this input, or None."""
    try:
        source, candidates = parse_input(input_text)
    except ValueError as exc:
        return "edges_bad_input", str(exc)
    ids = [c["id"] for c in candidates]
    seen: set[str] = set()
    for n, edge in enumerate(output["edges"]):
        where = f"edges[{n}]"
        if edge["from"] != source["id"]:
            known = edge["from"] in ids
            return (
                "edges_not_from_source" if known else "edges_unknown_resource",
                f"{where}: from {edge['from']!r}, but the source is {source['id']!r}",
            )
        if edge["to"] == source["id"]:
            return "edges_self_loop", f"{where}: an edge from the source to itself"
        if edge["to"] not in ids:
            return (
                "edges_unknown_resource",
                f"{where}: to {edge['to']!r} is not a candidate ({', '.join(ids)})",
            )
        if edge["to"] in seen:
            return "edges_duplicate", f"{where}: a second edge to {edge['to']!r}"
        seen.add(edge["to"])
        score = edge["score"]
        if not (isinstance(score, (int, float)) and 0.0 <= score <= 1.0):
            return "edges_score_out_of_range", f"{where}: score {score!r} is not in [0, 1]"
    missing = [cid for cid in ids if cid not in seen]
    if missing:
        return "edges_missing_candidate", f"no edge (NONE included) to {', '.join(missing)}"
    if context and isinstance(context.get("labels"), dict):
        return _disagreement(output, context)
    return None


def _disagreement(output: dict, context: dict) -> tuple[str, str] | None:
    limits = {**DEFAULT_AGREEMENT, **(context.get("agreement") or {})}
    gold = {cid: label["type"] for cid, label in context["labels"].items()}
    found = agreement({e["to"]: e["type"] for e in output["edges"]}, gold)
    problems = []
    if found.precision < limits["min_precision"]:
        spurious = (
            f"spurious: {', '.join(found.spurious)}" if found.spurious else "no edge called related"
        )
        problems.append(f"precision {found.precision:.2f} < {limits['min_precision']} ({spurious})")
    if found.recall < limits["min_recall"]:
        problems.append(
            f"recall {found.recall:.2f} < {limits['min_recall']} (missed: {', '.join(found.missed)})"
        )
    if found.type_accuracy < limits["min_type_accuracy"]:
        problems.append(
            f"type accuracy {found.type_accuracy:.2f} < {limits['min_type_accuracy']} "
            f"(wrong: {', '.join(found.wrong_type)})"
        )
    return ("edges_disagree_with_labels", "; ".join(problems)) if problems else None
