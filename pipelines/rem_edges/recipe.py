"""rem_edges (seed 002, task 2): a source resource and candidates -> scored graph edges, one per candidate.

Design: the seeds carry the truth, the teacher writes answers that must agree with it.
- Seeds (`source_seeds`): the user's collections (`--source PATH`, user_files.py) first, then
  generated ones (generator.py) up to `count`. A generated collection's relations are known
  by construction (same thread earlier/later = PREREQUISITE/CONTINUATION, same topic =
  SEE_ALSO, other topic = NONE), so its seed is a record with a full answer, and its labels
  ({candidate id: {type, affinity}}) and the agreement thresholds of recipe.yaml
  (`source.agreement`) go in its context.
- Teacher (`teacher.mode: answer`): it sees the collection, never the labels, and scores every
  candidate; `make_answer` takes the JSON out of its reply. `validate` rejects an answer whose
  edges disagree with the labels (`edges_disagree_with_labels`: precision, recall or type
  accuracy below the thresholds), so a kept answer is an independent, agreeing judgment with
  the teacher's own reasons, scores and topics. For unlabeled user material only the shape
  can be checked. Why not `pairs`: edges the teacher invents for collections it invents have
  no truth to check against; why not `variations`: a rewrite of a whole collection does not
  fit a variation (at most 200 characters) and adds no judgment.
- Stages: dedup runs before generate. A kept teacher answer has the same input as its seed and
  another output (its own reasons and scores), which dedup would take for a conflict and drop
  both; deduplicating the seeds first and not the answers keeps both (two agreeing answers for
  one collection, which share the seed_id and so never cross export splits).
Hooks: source_seeds, user_seed (a `--seeds` line with edges), labels, validate, make_answer, and
annotation_questions / annotation_suggestions / apply_annotation (human labels per edge, via Argilla).
"""

from __future__ import annotations

import math
from typing import Any, Iterator

from factory.errors import ConfigError
from factory.record import Rejected
from factory.teacher.extract import extract_json
from pipelines.rem_edges import generator, user_files
from pipelines.rem_edges.edges import DEFAULT_AGREEMENT, NONE, TYPES, check, render_input
from pipelines.rem_edges.generator import MAX_CANDIDATES

SOURCE_KEYS = ("paths", "agreement")


def labels(output: dict | None) -> dict:
    """The strata of a record: which relation types its edges hold ("NONE" when none is related)."""
    edges = (output or {}).get("edges") or []
    kinds = sorted(
        {e.get("type") for e in edges if isinstance(e, dict) and isinstance(e.get("type"), str)}
        - {NONE}
    )
    return {"relations": "+".join(kinds) or NONE}


def _agreement(config: dict) -> dict:
    unknown = [key for key in config if key not in SOURCE_KEYS]
    if unknown:
        raise ConfigError(f"source.{unknown[0]}: unknown key (known: {', '.join(SOURCE_KEYS)})")
    given = config.get("agreement") or {}
    for key, value in given.items():
        if key not in DEFAULT_AGREEMENT:
            raise ConfigError(
                f"source.agreement.{key}: unknown key (known: {', '.join(DEFAULT_AGREEMENT)})"
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ConfigError(f"source.agreement.{key}: expected a number in [0, 1], got {value!r}")
    return {**DEFAULT_AGREEMENT, **{k: float(v) for k, v in given.items()}}


def _generated(made: dict, agreement: dict) -> dict:
    output = {"edges": made["edges"]}
    gold = {e["to"]: {"type": e["type"], "affinity": e["score"]} for e in made["edges"]}
    return {
        "input": render_input(made["source"], made["candidates"]),
        "output": output,
        "labels": labels(output),
        "provenance": {"origin": "grammar", "source": f"generator:{made['template']}"},
        "context": {"labels": gold, "agreement": agreement},
    }


def source_seeds(config: dict, count: int, random_seed: int) -> Iterator[dict | Rejected]:
    """The user's collections (config["paths"]), then generated ones until `count` seeds in all."""
    agreement = _agreement(config)
    made = 0
    for item in user_files.read(config.get("paths") or [], agreement):
        if not isinstance(item, Rejected):
            item["labels"] = labels(item["output"]) if item["output"] else {}
            made += 1
        yield item
    for generated in generator.generate(max(count - made, 0), random_seed):
        yield _generated(generated, agreement)


def user_seed(obj: Any) -> dict:
    """A `--seeds FILE` line: a collection with its edges (see user_files.py); raises ValueError."""
    seed = user_files.parse_line(obj, DEFAULT_AGREEMENT)
    if seed["output"] is None:
        raise ValueError("a --seeds line needs edges; give collections without them with --source")
    return {"input": seed["input"], "output": seed["output"], "labels": labels(seed["output"])}


def make_answer(reply: str, seed: dict) -> dict:
    """The teacher's edges for the seed's collection; ValueError when the reply holds none."""
    try:
        data = extract_json(reply)
    except ValueError as exc:
        raise ValueError(f"no JSON in the reply ({exc})") from None
    edges = data.get("edges") if isinstance(data, dict) else data
    if not isinstance(edges, list) or not edges:
        raise ValueError('expected {"edges": [...]} with at least one edge')
    if not all(isinstance(edge, dict) for edge in edges):
        raise ValueError("every edge must be a JSON object")
    output = {"edges": edges}
    return {"input": seed["input"], "output": output, "labels": labels(output)}


def validate(record: dict) -> tuple[str, str] | None:
    """After the schema: the edges fit the input and, where the seed had labels, agree with them."""
    context = (record.get("provenance") or {}).get("context")
    return check(record["input"], record["output"], context)


# Human labels (seed 002's annotation tool: an affinity score and a relationship per candidate):
# one relationship and one affinity question per edge slot of the output, prefilled with the
# teacher's values; pull writes what reviewers changed back into the edges (then validates).
def annotation_questions() -> list[dict]:
    questions = []
    for slot in range(1, MAX_CANDIDATES + 1):
        questions.append(
            {
                "name": f"relationship_{slot}",
                "kind": "label",
                "labels": list(TYPES),
                "title": f"Edge {slot} (the {slot}. in the output): relationship",
            }
        )
        questions.append(
            {
                "name": f"affinity_{slot}",
                "kind": "rating",
                "values": list(range(11)),
                "title": f"Edge {slot}: affinity, 0 = unrelated ... 10 = closely related",
            }
        )
    return questions


def _tenths(score: float) -> int:
    return math.floor(score * 10 + 0.5)


def annotation_suggestions(record: dict) -> dict:
    suggestions = {}
    for slot, edge in enumerate(
        (record.get("output") or {}).get("edges", [])[:MAX_CANDIDATES], start=1
    ):
        suggestions[f"relationship_{slot}"] = edge.get("type")
        if isinstance(edge.get("score"), (int, float)):
            suggestions[f"affinity_{slot}"] = _tenths(edge["score"])
    return suggestions


def apply_annotation(output: dict, answers: dict) -> dict:
    """The output with the reviewers' relationship and affinity answers written into its edges.
    An affinity left at its prefilled tenth keeps the exact score (0.85 stays 0.85)."""
    edges = output["edges"]
    for name, value in answers.items():
        question, _, slot = name.rpartition("_")
        if question not in ("relationship", "affinity") or not slot.isdigit():
            continue
        index = int(slot) - 1
        if not 0 <= index < len(edges):
            raise ValueError(f"{name}: the output has {len(edges)} edges")
        edge = edges[index]
        if question == "relationship":
            edge["type"] = value
        elif not isinstance(edge.get("score"), (int, float)) or _tenths(edge["score"]) != value:
            edge["score"] = value / 10
    return output
