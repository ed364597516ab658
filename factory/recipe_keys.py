"""Every recipe.yaml key: its type, default and meaning, in one table.

factory.recipes reads recipe.yaml through this table (an unknown key is an error naming it),
and docs/recipes.md lists the same keys with the same defaults (tests/test_recipe_docs.py
checks both ways). Cross-key rules (a policy among its choices, min < max) live in
factory.recipes; this module only says what exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from factory.stages import STAGES

REQUIRED = object()  # the default of a key a recipe must give

DEFAULT_PII_ENTITIES = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_SSN",
    "URL_WITH_CREDENTIALS",
    "API_KEY",
    "PRIVATE_KEY",
)
# What an annotator can tick when a record is wrong (recipe key annotation.issues overrides).
DEFAULT_ISSUE_TAGS = ("wrong_label", "wrong_output", "unnatural_input", "personal_data", "other")
# The default `stages:`: every stage but roundtrip, which scores with the recipe's metrics.py
# (recipes that have one list it; see pipelines/rem_queries/recipe.yaml).
ALL_STAGES = tuple(name for name in STAGES if name != "roundtrip")
PII_POLICIES = ("redact", "drop", "off")


@dataclass(frozen=True)
class Key:
    name: str  # dotted: section.key
    kind: type | tuple
    default: Any
    meaning: str

    @property
    def shown_default(self) -> str:
        """The default as docs/recipes.md writes it."""
        if self.default is REQUIRED:
            return "required"
        value = list(self.default) if isinstance(self.default, tuple) else self.default
        return json.dumps(value)


KEYS = (
    Key("description", str, "", "one line shown by `factory recipes`"),
    Key("kind", str, REQUIRED, "the record kind, e.g. rem_query (each record's `kind`)"),
    Key(
        "schema",
        str,
        REQUIRED,
        "the JSON Schema of a record's output: a file in the recipe folder, "
        "else one of the built-in schemas (factory/schemas/)",
    ),
    Key("schema_version", int, 1, "the schema's version, written into every record"),
    Key(
        "labels",
        list,
        (),
        "the output's label fields (the `labels` hook returns them); export stratifies on them",
    ),
    Key(
        "stages",
        list,
        ALL_STAGES,
        "the stages to run, in order; a stage may run twice (e.g. scrub)",
    ),
    Key("seeds.count", int, 100, "seeds to make or read (`--limit` caps it)"),
    Key("seeds.random_seed", int, 0, "the seed of the seed hooks' random choices"),
    Key(
        "source",
        dict,
        {},
        "free-form settings handed to the `source_seeds` hook (`--source` sets `paths`)",
    ),
    Key(
        "teacher.system",
        str,
        REQUIRED,
        "the teacher's system prompt, a Jinja template in the recipe folder",
    ),
    Key(
        "teacher.prompt",
        str,
        REQUIRED,
        "the teacher's user prompt, a Jinja template in the recipe folder",
    ),
    Key(
        "teacher.mode",
        str,
        "variations",
        "what the teacher writes: variations (rewrites of a seed's input, "
        "its output kept) | pairs (new input/output pairs from a seed's "
        "context) | answer (the output for a seed's input); each a distilabel Task "
        "(factory.teacher.modes) that the `teacher_task` hook may replace",
    ),
    Key(
        "teacher.reply",
        str,
        "text",
        "answer mode: the teacher replies with text | json (the output, in the schema)",
    ),
    Key(
        "teacher.variations", int, 3, "rewrites or pairs asked per seed (`--variations` overrides)"
    ),
    Key(
        "teacher.new_examples",
        int,
        3,
        "new examples (request and answer) the `invent` stage asks per seed; "
        "0 asks none (`--new-examples` overrides)",
    ),
    Key(
        "teacher.roundtrip",
        str,
        "",
        "the metric of the recipe's metrics.py that must be 1 for a teacher rewrite to pass the "
        "`roundtrip` stage (the teacher's own answer to the rewrite scored against the seed's "
        "output); empty: `exact` where METRICS has it, else MAIN",
    ),
    Key("teacher.temperature", (int, float), 0.7, "sampling temperature of the teacher"),
    Key("teacher.max_tokens", int, 256, "the teacher's reply budget, in tokens"),
    Key(
        "faithfulness.min",
        (int, float),
        0.5,
        "a rewrite less similar to its seed than this drifted (rejected)",
    ),
    Key(
        "faithfulness.max",
        (int, float),
        0.97,
        "a rewrite more similar than this is a copy (rejected)",
    ),
    Key("pii.policy", str, "redact", "redact | drop | off (`--pii-policy` overrides)"),
    Key("pii.entities", list, DEFAULT_PII_ENTITIES, "the presidio entities looked for"),
    Key("pii.thresholds", dict, {}, "minimum score per entity ({default: 0.5, PHONE_NUMBER: 0.4})"),
    Key(
        "pii.allow",
        list,
        (),
        "words never taken for personal data (the `pii_vocabulary` hook adds more)",
    ),
    Key(
        "pii.context", bool, True, "scrub a seed's context too (off where it is developer-written)"
    ),
    Key("pii.ner_model", str, "", "a spaCy pipeline for names; empty: the small English model"),
    Key(
        "dedup.threshold",
        (int, float),
        0.87,
        "cosine of two inputs above which they are near duplicates",
    ),
    Key(
        "dedup.same_output_only",
        bool,
        False,
        "near duplicates only when their outputs are equal too",
    ),
    Key(
        "dedup.conflicts",
        str,
        "reject",
        "same input, different outputs: reject all | keep (many right answers)",
    ),
    Key("export.system_prompt", str, "", "the student's system prompt in every exported example"),
    Key(
        "annotation.issues",
        list,
        DEFAULT_ISSUE_TAGS,
        "what Argilla reviewers can tick when a record is wrong",
    ),
    Key("annotation.guidelines", str, "", "the reviewers' guidelines"),
    Key(
        "annotation.overlap", int, 1, "submitted reviews a record needs before it leaves the queue"
    ),
)
BY_NAME = {key.name: key for key in KEYS}
# mappings whose keys are checked (source: is free-form)
SECTIONS = tuple(dict.fromkeys(key.name.split(".")[0] for key in KEYS if "." in key.name))
TOP_LEVEL = tuple(dict.fromkeys(key.name.split(".")[0] for key in KEYS))


def unknown_keys(data: dict) -> list[str]:
    """`name: unknown key (known: ...)` for every key the table does not know, and sections that are not mappings."""
    errors = [
        f"{name}: unknown key (known: {', '.join(TOP_LEVEL)})"
        for name in data
        if name not in TOP_LEVEL
    ]
    for section in SECTIONS:
        node = data.get(section)
        if node is None:
            continue
        if not isinstance(node, dict):
            errors.append(f"{section}: expected a mapping of keys, got {node!r}")
            continue
        known = [key.name.split(".", 1)[1] for key in KEYS if key.name.startswith(section + ".")]
        errors += [
            f"{section}.{name}: unknown key (known: {', '.join(known)})"
            for name in node
            if name not in known
        ]
    return errors
