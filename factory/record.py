"""The one record type every stage reads and writes (see DESIGN.md, "The record").

A record is the training pair (`input`, `output`) with its lineage (`seed_id`,
`provenance`) and what each stage concluded (`checks`). Its `id` is a content hash of
recipe, input and output, so the same pair always has the same id. Records travel as
plain dicts in JSON Lines; `Record` builds and reads them. Rejections wrap a record with
a machine-readable reason.
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
    """A record a stage did not keep, with why. Written to rejected/<stage>.jsonl."""

    record: dict[str, Any]
    reason: str
    detail: str = ""
    refs: dict[str, Any] = field(default_factory=dict)  # e.g. {"duplicate_of": id}

    def to_dict(self, stage: str) -> dict[str, Any]:
        return {
            "stage": stage,
            "reason": self.reason,
            "detail": self.detail,
            **self.refs,
            "record": self.record,
        }
