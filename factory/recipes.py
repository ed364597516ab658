"""Recipes: load one by name or path, check its recipe.yaml up front, bind its recipe.py.

A recipe folder holds recipe.yaml (every key in factory.recipe_keys, typed and checked here,
every error named by its key), prompts, a JSON Schema, and recipe.py: the hooks of
factory.recipe_api (seeds, the task validator, the hook its `teacher.mode` needs), checked on
load and called through `recipe.hooks`. Where a recipe comes from (built-in pipelines/, a path,
an installed package's entry point) is factory.recipe_loading's business.
Adding a recipe means adding a folder; nothing here changes. docs/recipes.md is the reference.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from factory import PIPELINES_DIR, SCHEMAS_DIR
from factory.errors import ConfigError
from factory.recipe_api import (
    MODE_HOOKS,  # noqa: F401 - re-exported
    TEACHER_MODES,
    Hooks,
    check_hooks,
    teacher_task_class,
)
from factory.recipe_keys import (
    BY_NAME,
    DEFAULT_ISSUE_TAGS,
    DEFAULT_PII_ENTITIES,  # noqa: F401 - re-exported
    PII_POLICIES,  # noqa: F401
    REQUIRED,
    unknown_keys,
)
from factory.recipe_loading import all_sources, find, import_recipe_module
from factory.stages import STAGES

KNOWN_STAGES = tuple(STAGES)


@dataclass
class Recipe:
    name: str
    folder: Path
    origin: str  # built-in | path (FOLDER) | entry point (VALUE from DISTRIBUTION)
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
    pii_context: bool = (
        True  # scrub a seed's context too (off where it is developer-written, e.g. tool schemas)
    )
    pii_ner_model: str = (
        ""  # a spaCy pipeline for names; "" is the small English model (factory.pii.SPACY_MODEL)
    )
    dedup_threshold: float = 0.87  # bench/dedup_calibration.py
    dedup_same_output_only: bool = False
    dedup_conflicts: str = (
        "reject"  # same input, different outputs: reject all | keep (many right answers)
    )
    student_prompt: str = ""
    annotation_issues: tuple[str, ...] = DEFAULT_ISSUE_TAGS
    annotation_guidelines: str = ""
    annotation_overlap: int = 1
    source: dict = field(default_factory=dict)  # handed to the module's source_seeds (see below)
    teacher_mode: str = "variations"
    new_examples: int = 3  # the invent stage's new examples per seed (0: none)
    roundtrip_metric: str = (
        ""  # teacher.roundtrip: the roundtrip stage's metric ("": exact or MAIN)
    )
    teacher_reply: str = (
        "text"  # answer mode: text (e.g. a code block) | json (the output, in the recipe's schema)
    )
    module: ModuleType = field(repr=False, default=None)  # type: ignore[assignment]

    @property
    def hooks(self) -> Hooks:
        """How the core calls recipe.py: every hook of factory.recipe_api, optional ones defaulted.
        Made from `module` each time, so a copy with another module (dataclasses.replace) gets its own."""
        return Hooks(self.module)

    @cached_property
    def teacher_task(self) -> type:
        """The distilabel Task the teacher runs (a factory.teacher.task.TeacherTask): the recipe's
        own (its teacher_task hook), else the one teacher.mode names. Resolved once per Recipe, on
        first use: importing distilabel takes seconds, which loading a recipe must not pay.
        teacher.mode itself is checked on load (an unknown mode is a ConfigError then)."""
        return teacher_task_class(self.teacher_mode, self.hooks, self.folder / "recipe.py")

    def schema(self) -> dict:
        return json.loads(self.schema_path.read_text(encoding="utf-8"))

    def metrics(self) -> ModuleType:
        """The recipe's metrics.py (score, METRICS, MAIN: what `factory eval` scores with)."""
        name = f"{self.module.__package__}.metrics"
        if not (self.folder / "metrics.py").is_file():
            raise ConfigError(
                f"{self.folder}/metrics.py: missing; `factory eval` scores with its score(), METRICS "
                "and MAIN (see docs/recipes.md)"
            )
        try:
            return importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - one line naming the file
            raise ConfigError(
                f"{self.folder}/metrics.py cannot be imported ({type(exc).__name__}: {exc})"
            ) from exc


def recipe_names() -> list[str]:
    """Every recipe `factory recipes` lists (built-in, installed, folders in the current directory)."""
    return [source.name for source in all_sources(PIPELINES_DIR)]


def describe_all() -> list[tuple[str, str, str]]:
    """(name, where it comes from, description) of every recipe; a recipe.yaml that does not read says so."""
    rows = []
    for source in all_sources(PIPELINES_DIR):
        try:
            description = str(_read_yaml(source.folder / "recipe.yaml").get("description", ""))
        except ConfigError as exc:
            description = f"(cannot be read: {exc})"
        rows.append((source.name, source.describe(), description))
    return rows


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}); fix the file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}); fix the file") from exc
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


def _value(c: _Checker, name: str) -> Any:
    """recipe.yaml's value of `name`, typed, its default where absent ("" for a missing required one)."""
    key = BY_NAME[name]
    if key.default is REQUIRED:
        return c.get(name, key.kind) or ""
    default = list(key.default) if isinstance(key.default, tuple) else key.default
    return c.get(name, key.kind, default)


def load_recipe(ref: str | Path) -> Recipe:
    """Load and check a recipe, by name or folder path (factory.recipe_loading); raises ConfigError
    naming the file and every bad key, or the file and the hook it lacks."""
    source = find(str(ref), PIPELINES_DIR)
    folder = source.folder
    path = folder / "recipe.yaml"
    c = _Checker(path, _read_yaml(path))
    c.errors += unknown_keys(c.data)
    files = {name: _value(c, name) for name in ("schema", "teacher.system", "teacher.prompt")}
    recipe = Recipe(
        name=source.name,
        folder=folder,
        origin=source.describe(),
        description=_value(c, "description"),
        kind=_value(c, "kind"),
        schema_path=_schema_path(folder, files["schema"]),
        schema_version=_value(c, "schema_version"),
        labels=_value(c, "labels"),
        stages=_value(c, "stages"),
        seed_count=_value(c, "seeds.count"),
        random_seed=_value(c, "seeds.random_seed"),
        system_prompt=folder / files["teacher.system"],
        prompt=folder / files["teacher.prompt"],
        variations=_value(c, "teacher.variations"),
        new_examples=_value(c, "teacher.new_examples"),
        roundtrip_metric=_value(c, "teacher.roundtrip"),
        temperature=float(_value(c, "teacher.temperature")),
        max_tokens=_value(c, "teacher.max_tokens"),
        faithfulness=(float(_value(c, "faithfulness.min")), float(_value(c, "faithfulness.max"))),
        pii_policy=_value(c, "pii.policy"),
        pii_entities=tuple(_value(c, "pii.entities")),
        pii_thresholds=_value(c, "pii.thresholds"),
        pii_allow=tuple(str(term) for term in _value(c, "pii.allow")),
        pii_context=_value(c, "pii.context"),
        pii_ner_model=_value(c, "pii.ner_model"),
        dedup_threshold=float(_value(c, "dedup.threshold")),
        dedup_same_output_only=_value(c, "dedup.same_output_only"),
        dedup_conflicts=_value(c, "dedup.conflicts"),
        student_prompt=_value(c, "export.system_prompt").strip(),
        annotation_issues=tuple(str(tag) for tag in _value(c, "annotation.issues")),
        annotation_guidelines=_value(c, "annotation.guidelines").strip(),
        annotation_overlap=_value(c, "annotation.overlap"),
        source=_value(c, "source"),
        teacher_mode=_value(c, "teacher.mode"),
        teacher_reply=_value(c, "teacher.reply"),
    )
    c.errors += _rule_problems(recipe, files)
    if c.errors:
        raise ConfigError(f"{path}: " + "; ".join(c.errors))
    recipe.module = import_recipe_module(source)
    check_hooks(recipe.module, recipe.teacher_mode, folder / "recipe.py")
    return recipe


def _schema_path(folder: Path, name: str) -> Path:
    """A schema file of the recipe's own folder, else a built-in one (factory/schemas/)."""
    own = folder / name
    return own if name and own.is_file() else SCHEMAS_DIR / name


def _rule_problems(recipe: Recipe, files: dict[str, str]) -> list[str]:
    """What the key table cannot say: choices, ranges, files that must exist, a schema that must parse."""
    errors = []
    for stage in recipe.stages:
        if stage not in KNOWN_STAGES:
            errors.append(f"stages: unknown stage {stage!r} (known: {', '.join(KNOWN_STAGES)})")
    for key, file in (
        ("schema", recipe.schema_path),
        ("teacher.system", recipe.system_prompt),
        ("teacher.prompt", recipe.prompt),
    ):
        if files[key] and not file.is_file():
            elsewhere = f" (nor in {SCHEMAS_DIR}, the built-in schemas)" if key == "schema" else ""
            errors.append(f"{key}: file {recipe.folder / files[key]} does not exist{elsewhere}")
    if files["schema"] and recipe.schema_path.is_file():
        errors += _schema_problems(recipe.schema_path)
    if recipe.pii_policy not in PII_POLICIES:
        errors.append(
            f"pii.policy: expected one of {', '.join(PII_POLICIES)}, got {recipe.pii_policy!r}"
        )
    if recipe.dedup_conflicts not in ("reject", "keep"):
        errors.append(f"dedup.conflicts: expected reject or keep, got {recipe.dedup_conflicts!r}")
    if recipe.teacher_reply not in ("text", "json"):
        errors.append(f"teacher.reply: expected text or json, got {recipe.teacher_reply!r}")
    if recipe.teacher_mode not in TEACHER_MODES:
        errors.append(
            f"teacher.mode: expected one of {', '.join(TEACHER_MODES)}, got {recipe.teacher_mode!r}"
        )
    if recipe.annotation_overlap < 1:
        errors.append(
            f"annotation.overlap: need >= 1 annotators per record, got {recipe.annotation_overlap}"
        )
    if not recipe.annotation_issues:
        errors.append("annotation.issues: need at least one issue tag")
    if not 0.0 < recipe.dedup_threshold <= 1.0:
        errors.append(f"dedup.threshold: need 0 < threshold <= 1, got {recipe.dedup_threshold}")
    low, high = recipe.faithfulness
    if not 0.0 <= low < high <= 1.0:
        errors.append(f"faithfulness: need 0 <= min < max <= 1, got min={low} max={high}")
    return errors


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
