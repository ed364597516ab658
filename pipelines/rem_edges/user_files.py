"""rem_edges' user files (`--source PATH`): JSON Lines of resource collections, one per line, as seeds.

A line is {"source": R, "candidates": [R, ...]} plus at most one of:
- "edges": the full answer (the output format: one edge per candidate): a labelled seed, a record
  itself; the teacher's answer for it is checked against these edges;
- "labels": {candidate id: {"type": SEE_ALSO|PREREQUISITE|CONTINUATION|NONE, "score": 0..1}} for
  every candidate (e.g. a human's affinity annotation, without reasons): an `unlabeled` seed whose
  labels go in its context; only a teacher answer that agrees with them becomes a record;
- neither: an `unlabeled` seed; the teacher's answer is checked for shape only.
A resource R is {"id", "text" (or "content" or "summary"), "name"?, "type"?, "timestamp"?}.
Every line that cannot be used is a `Rejected` with file:line: `source_bad_json`,
`source_bad_shape` (unknown key, missing id or text, duplicate id, bad labels), or for "edges"
the schema's or the validator's reason (`schema_invalid`, `edges_*`). Files and folders go
through factory.sources.base (.jsonl, .json, .gz in folders).
It does not generate collections (generator.py).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from factory.record import Rejected, SeedError
from factory.sources.base import expand, read_json_lines
from pipelines.rem_edges.edges import TYPES, check, render_input

TEXT_KEYS = ("text", "content", "summary")
RESOURCE_FIELDS = ("id", "name", "type", "timestamp", *TEXT_KEYS)
LINE_FIELDS = ("source", "candidates", "edges", "labels")


class BadLine(SeedError):
    """A collection line that cannot become a seed, with its reason (a source's or the validator's)."""


@lru_cache(maxsize=1)
def _schema_validator():
    """The build's own schema check of this recipe (the same one the validate stage applies)."""
    from factory.recipes import load_recipe
    from factory.stages.validate import schema_validator

    return schema_validator(load_recipe("rem_edges"))


def _resource(obj, where: str) -> dict:
    if not isinstance(obj, dict):
        raise BadLine("source_bad_shape", f"{where} is not an object")
    unknown = [k for k in obj if k not in RESOURCE_FIELDS]
    if unknown:
        known = ", ".join(RESOURCE_FIELDS)
        raise BadLine(
            "source_bad_shape", f"{where} has unknown key {unknown[0]!r} (known: {known})"
        )
    if not isinstance(obj.get("id"), str) or not obj["id"].strip():
        raise BadLine("source_bad_shape", f"{where} needs a non-empty string id")
    texts = [k for k in TEXT_KEYS if k in obj]
    if len(texts) != 1 or not isinstance(obj[texts[0]], str) or not obj[texts[0]].strip():
        raise BadLine(
            "source_bad_shape",
            f"{where} needs exactly one non-empty text (text, content or summary)",
        )
    for key in ("name", "type", "timestamp"):
        if key in obj and not isinstance(obj[key], str):
            raise BadLine("source_bad_shape", f"{where}.{key} must be a string")
    return {
        "id": obj["id"],
        "type": obj.get("type"),
        "timestamp": obj.get("timestamp"),
        "name": obj.get("name"),
        "text": obj[texts[0]],
    }


def _labels(obj, ids: list[str]) -> dict[str, dict]:
    if not isinstance(obj, dict):
        raise BadLine("source_bad_shape", "labels must map candidate ids to {type, score}")
    extra, missing = [k for k in obj if k not in ids], [i for i in ids if i not in obj]
    if extra or missing:
        raise BadLine(
            "source_bad_shape",
            f"labels need every candidate once: unknown {extra}, missing {missing}",
        )
    labels = {}
    for cid, label in obj.items():
        kind, score = (
            (label.get("type"), label.get("score")) if isinstance(label, dict) else (None, None)
        )
        if (
            kind not in TYPES
            or isinstance(score, bool)
            or not isinstance(score, (int, float))
            or not 0 <= score <= 1
        ):
            raise BadLine(
                "source_bad_shape",
                f"labels[{cid!r}] needs type ({'|'.join(TYPES)}) and a score in [0, 1]",
            )
        labels[cid] = {"type": kind, "affinity": float(score)}
    return labels


def parse_line(obj, agreement: dict) -> dict:
    """A seed from one line (without provenance); raises BadLine."""
    if not isinstance(obj, dict):
        raise BadLine("source_bad_shape", "a line must be a JSON object with source and candidates")
    unknown = [k for k in obj if k not in LINE_FIELDS]
    if unknown:
        raise BadLine(
            "source_bad_shape", f"unknown key {unknown[0]!r} (known: {', '.join(LINE_FIELDS)})"
        )
    if "edges" in obj and "labels" in obj:
        raise BadLine(
            "source_bad_shape", "give edges (a full answer) or labels (types and scores), not both"
        )
    if not isinstance(obj.get("candidates"), list) or not obj["candidates"]:
        raise BadLine("source_bad_shape", "candidates must be a non-empty list")
    source = _resource(obj.get("source"), "source")
    candidates = [_resource(c, f"candidates[{n}]") for n, c in enumerate(obj["candidates"])]
    ids = [source["id"], *(c["id"] for c in candidates)]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise BadLine("source_bad_shape", f"id {duplicate!r} is used twice")
    text = render_input(source, candidates)
    if "edges" in obj:
        output = {"edges": obj["edges"]}
        error = next(iter(_schema_validator().iter_errors(output)), None)
        if error is not None:
            path = "/".join(str(p) for p in error.absolute_path) or "(root)"
            raise BadLine("schema_invalid", f"output/{path}: {error.message}")
        if (problem := check(text, output)) is not None:
            raise BadLine(*problem)
        labels = {e["to"]: {"type": e["type"], "affinity": e["score"]} for e in output["edges"]}
        return {
            "input": text,
            "output": output,
            "context": {"labels": labels, "agreement": agreement},
        }
    if "labels" in obj:
        labels = _labels(obj["labels"], ids[1:])
        return {
            "input": text,
            "output": None,
            "unlabeled": True,
            "context": {"labels": labels, "agreement": agreement},
        }
    return {"input": text, "output": None, "unlabeled": True, "context": {}}


def read(paths: Iterable[str | Path], agreement: dict) -> Iterator[dict | Rejected]:
    """Seeds (origin user, source file:line) or Rejected, file by file, line by line."""
    for path in expand(list(paths), suffixes=(".jsonl", ".json", ".gz")):
        if isinstance(path, Rejected):
            yield path
            continue
        for item in read_json_lines(path):
            if isinstance(item, Rejected):
                yield item
                continue
            lineno, obj = item
            try:
                seed = parse_line(obj, agreement)
            except BadLine as exc:
                yield Rejected.at(f"{path}:{lineno}", exc.reason, exc.detail)
                continue
            seed["provenance"] = {"origin": "user", "source": f"{path}:{lineno}"}
            yield seed
