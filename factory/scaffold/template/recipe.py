"""__NAME__: the hooks the factory calls (docs/recipes.md lists every hook, required and optional).

A record is a customer message (`input`, str) and its triage (`output`: category, priority, order_id,
the JSON Schema in ticket.schema.json). The factory checks the schema itself; `validate` checks
what a schema cannot say.

Sibling modules of this folder are imported relatively: `from . import helpers`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from factory.literals import spelled_out
from factory.record import Rejected, SeedError
from factory.sources.base import expand, read_json_lines

HERE = Path(__file__).resolve().parent
LABELS = ("category", "priority")  # recipe.yaml `labels`


def labels(output: dict) -> dict:
    """The label fields of an output; export stratifies on them."""
    return {name: output[name] for name in LABELS}


def _seed(obj: Any) -> dict:
    """A seed from one example line {"input": "...", "output": {...}}; ValueError says what is missing."""
    if (
        not isinstance(obj, dict)
        or not isinstance(obj.get("input"), str)
        or not obj["input"].strip()
    ):
        raise ValueError(
            'each line needs {"input": "<message>", "output": {"category", "priority", "order_id"}}'
        )
    output = obj.get("output")
    if not isinstance(output, dict) or not {"category", "priority", "order_id"} <= set(output):
        raise ValueError('"output" needs the keys category, priority and order_id')
    return {"input": obj["input"].strip(), "output": output, "labels": labels(output)}


def source_seeds(config: dict, count: int, random_seed: int) -> Iterator[dict | Rejected]:
    """Seeds from the example files in config["paths"] (relative to this folder; --source FILE replaces
    them), at most `count`, in file order. A line that is not usable is Rejected with its reason: the
    build keeps it as a rejection, it is never silently dropped."""
    paths = [
        path if Path(path).is_absolute() else HERE / path
        for path in config.get("paths") or ["examples.jsonl"]
    ]
    kept = 0
    for path in expand(paths, suffixes=(".jsonl",)):
        if isinstance(path, Rejected):
            yield path
            continue
        for item in read_json_lines(path):
            if isinstance(item, Rejected):
                yield item
                continue
            lineno, obj = item
            try:
                seed = _seed(obj)
            except ValueError as exc:
                yield Rejected.at(f"{path}:{lineno}", "source_bad_shape", str(exc))
                continue
            if kept == count:
                return
            kept += 1
            yield {**seed, "provenance": {"origin": "example", "source": f"{path}:{lineno}"}}


def user_seed(obj: Any) -> dict:
    """One line of `factory build --seeds FILE` or `factory eval --data FILE`: the examples' format.
    A line in the wrong shape raises ValueError (rejected as bad_seed); one the validator refuses
    raises SeedError with the validator's reason (the seeds stage rejects it with that reason)."""
    seed = _seed(obj)
    problem = validate({**seed, "provenance": {}})
    if problem:
        raise SeedError(*problem)
    return seed


def keep_values(text: str, output: dict) -> list[str]:
    """The values a rewrite of `text` must keep: the order number, where the message gives it."""
    order_id = output.get("order_id")
    return [order_id] if order_id and spelled_out(order_id, text) else []


def validate(record: dict) -> tuple[str, str] | None:
    """None if the record is right, else (reason, detail). The schema has already passed."""
    order_id = record["output"]["order_id"]
    if order_id and not spelled_out(order_id, record["input"]):
        return "order_id_not_in_message", f"the output names {order_id!r}, the message does not"
    lost = [
        value
        for value in record["provenance"].get("keep_values", [])
        if not spelled_out(value, record["input"])
    ]
    if lost:
        return "variation_lost_value", f"the rewrite dropped {lost[0]!r}"
    return None
