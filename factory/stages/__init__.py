"""Build stages: each takes records and yields records or `Rejected` (see base.py).

A recipe lists the stages it runs in recipe.yaml (`stages:`). Stage classes are imported
only when a build runs, so listing them here costs nothing at start-up.
"""

from __future__ import annotations

import importlib

STAGES = {
    "seeds": "factory.stages.seeds:SeedsStage",
    "generate": "factory.stages.generate:GenerateStage",
    "invent": "factory.stages.invent:InventStage",
    "faithfulness": "factory.stages.faithfulness:FaithfulnessStage",
    "roundtrip": "factory.stages.roundtrip:RoundtripStage",
    "scrub": "factory.stages.scrub:ScrubStage",
    "dedup": "factory.stages.dedup:DedupStage",
    "validate": "factory.stages.validate:ValidateStage",
}


def stage_class(name: str):
    module, _, cls = STAGES[name].partition(":")
    return getattr(importlib.import_module(module), cls)
