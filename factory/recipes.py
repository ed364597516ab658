"""Recipes: discover `pipelines/<name>/recipe.yaml`, check the config up front, bind the recipe module.

A recipe folder holds recipe.yaml (typed and checked here, every error named by its key),
prompts, and recipe.py (seeds and the task validator, see pipelines/rem_queries/recipe.py).
Seeds come from a grammar (`grammar_seeds`) or from real material (`source_seeds`, fed the
yaml's free-form `source:` mapping); `teacher.mode` says what the teacher writes
(variations | pairs | answer) and which hook turns its reply into records (keep_values,
make_pair, make_answer); load_recipe checks the module has them.
Adding a recipe means adding a folder; nothing here changes.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from factory import PIPELINES_DIR, SCHEMAS_DIR
from factory.errors import ConfigError
from factory.stages import STAGES

DEFAULT_PII_ENTITIES = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
                        "US_SSN", "URL_WITH_CREDENTIALS", "API_KEY", "PRIVATE_KEY")

KNOWN_STAGES = tuple(STAGES)
# What an annotator can tick when a record is wrong (recipe key annotation.issues overrides).
DEFAULT_ISSUE_TAGS = ("wrong_label", "wrong_output", "unnatural_input", "personal_data", "other")


@dataclass
class Recipe:
    name: str
    folder: Path
    description: str
    kind: str
    schema_path: Path
    schema_version: int
    labels: list[str]
    stages: list[str]
    seed_count: int
    random_seed: int
    system_prompt: Path
    prompt: Path
    variations: int
    temperature: float
    max_tokens: int
    faithfulness: tuple[float, float]
    pii_policy: str = "redact"
    pii_entities: tuple[str, ...] = ()
    pii_thresholds: dict = field(default_factory=dict)
    pii_allow: tuple[str, ...] = ()
    pii_context: bool = True  # scrub a seed's context too (off where it is developer-written, e.g. tool schemas)
    pii_ner_model: str = ""  # a spaCy pipeline for names; "" is the small English model (factory.pii.SPACY_MODEL)
    dedup_threshold: float = 0.87  # bench/dedup_calibration.py
    dedup_same_output_only: bool = False
    dedup_conflicts: str = "reject"  # same input, different outputs: reject all | keep (many right answers)
    student_prompt: str = ""
    annotation_issues: tuple[str, ...] = DEFAULT_ISSUE_TAGS
    annotation_guidelines: str = ""
    annotation_overlap: int = 1
    source: dict = field(default_factory=dict)  # handed to the module's source_seeds (see below)
    teacher_mode: str = "variations"
    teacher_reply: str = "text"  # answer mode: text (e.g. a code block) | json (the output, in the recipe's schema)
    module: ModuleType = field(repr=False, default=None)  # type: ignore[assignment]

    def schema(self) -> dict:
        return json.loads(self.schema_path.read_text(encoding="utf-8"))


def recipe_names() -> list[str]:
    return sorted(p.parent.name for p in PIPELINES_DIR.glob("*/recipe.yaml"))


def describe_all() -> list[tuple[str, str]]:
    return [(name, _read_yaml(PIPELINES_DIR / name / "recipe.yaml").get("description", "")) for name in recipe_names()]


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}); fix the file") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    return data


class _Checker:
    """Reads typed values from a YAML mapping and collects every error before raising."""

    def __init__(self, path: Path, data: dict):
        self.path, self.data, self.errors = path, data, []

    def get(self, dotted: str, kind: type | tuple, default: Any = None) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            if default is None:
                self.errors.append(f"{dotted}: missing")
            return default
        if not isinstance(node, kind) or isinstance(node, bool) and kind is not bool:
            names = "/".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__
            self.errors.append(f"{dotted}: expected {names}, got {node!r}")
            return default
        return node

    def unknown(self, allowed: dict[str, tuple[str, ...]]) -> None:
        for section, keys in allowed.items():
            node = self.data if section == "" else self.data.get(section) or {}
            for key in node if isinstance(node, dict) else []:
                if key not in keys:
                    name = f"{section}.{key}" if section else key
                    self.errors.append(f"{name}: unknown key (known: {', '.join(keys)})")


_ALLOWED = {
    "": ("description", "kind", "schema", "schema_version", "labels", "seeds", "source", "teacher", "faithfulness", "pii",
         "dedup", "export", "stages", "annotation"),
    "seeds": ("count", "random_seed"),
    "teacher": ("system", "prompt", "mode", "reply", "variations", "temperature", "max_tokens"),
    "faithfulness": ("min", "max"),
    "pii": ("policy", "entities", "thresholds", "allow", "context", "ner_model"),
    "dedup": ("threshold", "same_output_only", "conflicts"),
    "export": ("system_prompt",),
    "annotation": ("issues", "guidelines", "overlap"),
}
PII_POLICIES = ("redact", "drop", "off")
# What the teacher writes: rewrites of a seed's input (its output kept), new (input, output)
# pairs from a seed's context, or the output for a seed's input.
TEACHER_MODES = ("variations", "pairs", "answer")
# The recipe module's functions each mode needs (beside validate and labels).
MODE_HOOKS = {"variations": ("keep_values",), "pairs": ("make_pair",), "answer": ("make_answer",)}


def load_recipe(name: str) -> Recipe:
    """Load and check a recipe; raises ConfigError naming every bad key."""
    folder = PIPELINES_DIR / name
    path = folder / "recipe.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown recipe {name!r}; known recipes: {', '.join(recipe_names()) or 'none'} (see `factory recipes`)")
    c = _Checker(path, _read_yaml(path))
    c.unknown(_ALLOWED)
    recipe = Recipe(
        name=name, folder=folder,
        description=c.get("description", str, ""),
        kind=c.get("kind", str),
        schema_path=SCHEMAS_DIR / c.get("schema", str, ""),
        schema_version=c.get("schema_version", int, 1),
        labels=c.get("labels", list, []),
        stages=c.get("stages", list, list(KNOWN_STAGES)),
        seed_count=c.get("seeds.count", int, 100),
        random_seed=c.get("seeds.random_seed", int, 0),
        system_prompt=folder / c.get("teacher.system", str, ""),
        prompt=folder / c.get("teacher.prompt", str, ""),
        variations=c.get("teacher.variations", int, 3),
        temperature=float(c.get("teacher.temperature", (int, float), 0.7)),
        max_tokens=c.get("teacher.max_tokens", int, 256),
        faithfulness=(float(c.get("faithfulness.min", (int, float), 0.5)), float(c.get("faithfulness.max", (int, float), 0.97))),
        pii_policy=c.get("pii.policy", str, "redact"),
        pii_entities=tuple(c.get("pii.entities", list, list(DEFAULT_PII_ENTITIES))),
        pii_thresholds=c.get("pii.thresholds", dict, {}),
        pii_allow=tuple(str(term) for term in c.get("pii.allow", list, [])),
        pii_context=c.get("pii.context", bool, True),
        pii_ner_model=c.get("pii.ner_model", str, ""),
        dedup_threshold=float(c.get("dedup.threshold", (int, float), 0.87)),
        dedup_same_output_only=c.get("dedup.same_output_only", bool, False),
        dedup_conflicts=c.get("dedup.conflicts", str, "reject"),
        student_prompt=c.get("export.system_prompt", str, "").strip(),
        annotation_issues=tuple(str(tag) for tag in c.get("annotation.issues", list, list(DEFAULT_ISSUE_TAGS))),
        annotation_guidelines=c.get("annotation.guidelines", str, "").strip(),
        annotation_overlap=c.get("annotation.overlap", int, 1),
        source=c.get("source", dict, {}),
        teacher_mode=c.get("teacher.mode", str, "variations"),
        teacher_reply=c.get("teacher.reply", str, "text"),
    )
    for stage in recipe.stages:
        if stage not in KNOWN_STAGES:
            c.errors.append(f"stages: unknown stage {stage!r} (known: {', '.join(KNOWN_STAGES)})")
    for key, file in (("schema", recipe.schema_path), ("teacher.system", recipe.system_prompt), ("teacher.prompt", recipe.prompt)):
        if not file.is_file():
            c.errors.append(f"{key}: file {file} does not exist")
    if recipe.schema_path.is_file():
        c.errors += _schema_problems(recipe.schema_path)
    if recipe.pii_policy not in PII_POLICIES:
        c.errors.append(f"pii.policy: expected one of {', '.join(PII_POLICIES)}, got {recipe.pii_policy!r}")
    if recipe.dedup_conflicts not in ("reject", "keep"):
        c.errors.append(f"dedup.conflicts: expected reject or keep, got {recipe.dedup_conflicts!r}")
    if recipe.teacher_reply not in ("text", "json"):
        c.errors.append(f"teacher.reply: expected text or json, got {recipe.teacher_reply!r}")
    if recipe.teacher_mode not in TEACHER_MODES:
        c.errors.append(f"teacher.mode: expected one of {', '.join(TEACHER_MODES)}, got {recipe.teacher_mode!r}")
    if recipe.annotation_overlap < 1:
        c.errors.append(f"annotation.overlap: need >= 1 annotators per record, got {recipe.annotation_overlap}")
    if not recipe.annotation_issues:
        c.errors.append("annotation.issues: need at least one issue tag")
    if not 0.0 < recipe.dedup_threshold <= 1.0:
        c.errors.append(f"dedup.threshold: need 0 < threshold <= 1, got {recipe.dedup_threshold}")
    low, high = recipe.faithfulness
    if not 0.0 <= low < high <= 1.0:
        c.errors.append(f"faithfulness: need 0 <= min < max <= 1, got min={low} max={high}")
    if c.errors:
        raise ConfigError(f"{path}: " + "; ".join(c.errors))
    try:
        recipe.module = importlib.import_module(f"pipelines.{name}.recipe")
    except ImportError as exc:
        raise ConfigError(f"{folder}/recipe.py cannot be imported ({exc}); every recipe needs one") from exc
    _check_hooks(recipe, folder / "recipe.py")
    return recipe


def _schema_problems(path: Path) -> list[str]:
    """The schema file is JSON and a valid JSON Schema (checked before any work)."""
    import jsonschema

    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return [f"schema: {path} is not JSON ({exc}); fix the file"]
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        return [f"schema: {path} is not a valid JSON Schema ({exc.message}); fix the schema"]
    return []


def _check_hooks(recipe: Recipe, path: Path) -> None:
    """The module has what its config asks for: seeds from a grammar or a source, the mode's hook."""
    module = recipe.module
    missing = [name for name in ("validate", "labels", *MODE_HOOKS.get(recipe.teacher_mode, ()))
               if not hasattr(module, name)]
    if not (hasattr(module, "source_seeds") or hasattr(module, "grammar_seeds")):
        missing.append("grammar_seeds or source_seeds")
    if missing:
        raise ConfigError(f"{path}: missing {', '.join(missing)} (needed by teacher.mode {recipe.teacher_mode})")
