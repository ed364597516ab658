"""The one record type every stage reads and writes (see DESIGN.md, "The record").

A record is the training pair (`input`, `output`) with its lineage (`seed_id`,
`provenance`) and what each stage concluded (`checks`). Its `id` is a content hash of
recipe, input and output, so the same pair always has the same id. Records travel as
plain dicts in JSON Lines; `Record` builds and reads them.

`Rejected` is the one way anything is dropped with a reason, by every stage and source: a
machine-readable `reason` code (snake_case: `source_bad_json`, `pii_found`, `rem_unknown_table`;
reports, README tables and tests count these strings), a one-line `detail`, and what is kept of
the input (a record, a seed line's payload, or only the location a source could not read).
`SeedError(reason, detail)` is what a recipe raises for a seed it cannot use; the seeds stage
turns it into a `Rejected` with that reason. Nothing here writes files (factory.build does).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


def content_hash(*parts: Any, length: int = 16) -> str:
    payload = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:length]


@dataclass
class Record:
    recipe: str
    kind: str
    schema_version: int
    seed_id: str
    input: Any
    output: Any
    labels: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, Any] = field(default_factory=dict)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = content_hash(self.recipe, self.input, self.output)

    def rehash(self) -> None:
        self.id = content_hash(self.recipe, self.input, self.output)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict, id first. Values are shared, not copied: records are written, not mutated."""
        return {
            "id": self.id,
            "recipe": self.recipe,
            "kind": self.kind,
            "schema_version": self.schema_version,
            "seed_id": self.seed_id,
            "input": self.input,
            "output": self.output,
            "labels": self.labels,
            "provenance": self.provenance,
            "checks": self.checks,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Record":
        return cls(**data)


@dataclass
class Rejected:
    """What a stage or source did not keep, with why. Written to rejected/<stage>.jsonl.

    `record`: what is kept of the input (the record; a seed line's payload; for an input a source
    could not read, {"input": None, "provenance": {"source": where}}). `where`: the path or
    path:line it came from, when it came from a file (not written by `to_dict`: the stage that
    writes it puts it in the detail or the record)."""

    record: dict[str, Any]
    reason: str
    detail: str = ""
    refs: dict[str, Any] = field(default_factory=dict)  # e.g. {"duplicate_of": id}
    where: str = ""

    @classmethod
    def at(cls, where: str, reason: str, detail: str = "") -> "Rejected":
        """An input a source could not use (a file, a line, a page), kept as its location."""
        return cls({"input": None, "provenance": {"source": where}}, reason, detail, where=where)

    def line(self) -> str:
        """`where: reason (detail)`, as a source rejection is shown to the user."""
        return f"{self.where}: {self.reason}" + (f" ({self.detail})" if self.detail else "")

    def to_dict(self, stage: str) -> dict[str, Any]:
        return {
            "stage": stage,
            "reason": self.reason,
            "detail": self.detail,
            **self.refs,
            "record": self.record,
        }


class SeedError(ValueError):
    """A seed (a user seed line, a source's material) a recipe cannot use: `reason` is the
    rejection's code, `detail` says why in one line. Recipes raise it (or a subclass: a domain
    parse error with its own reason); the seeds stage rejects the seed with `reason`, and a
    plain ValueError, KeyError or TypeError from a recipe's `user_seed` as `bad_seed`."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail)
        self.reason, self.detail = reason, detail
