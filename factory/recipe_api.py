"""The recipe interface: the functions a recipe's recipe.py defines, which are required, and defaults.

`RecipeModule` is the typed contract (a Protocol): one method per hook, each saying what it
receives, what it returns and when the build calls it. docs/recipes.md lists the same hooks
(tests/test_recipe_docs.py compares both ways). `check_hooks` is what loading a recipe runs:
the always-required hooks, the one its `teacher.mode` needs, and a seed hook. `Hooks` is how
the core calls a recipe: every hook callable, the optional ones answering with their default
when the recipe does not define them, so no caller probes the module with hasattr.

Not here: reading recipe.yaml (factory.recipes) or finding recipe folders (factory.recipe_loading).
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable, Protocol

from factory.errors import ConfigError

# hooks every recipe defines
REQUIRED = ("validate", "labels", "user_seed")
# what the teacher writes (recipe.yaml teacher.mode) -> the hook that turns its reply into records
MODE_HOOKS = {"variations": ("keep_values",), "pairs": ("make_pair",), "answer": ("make_answer",)}
TEACHER_MODES = tuple(MODE_HOOKS)
# teacher.mode -> the distilabel Task that writes it, imported on first use (distilabel takes
# seconds to import; loading a recipe must not). A recipe's `teacher_task` hook may replace it.
TEACHER_TASKS = {
    "variations": "factory.teacher.modes:WriteVariations",
    "pairs": "factory.teacher.modes:WritePairs",
    "answer": "factory.teacher.modes:WriteAnswer",
}
# where the seeds come from: one of them (source_seeds wins where both are defined)
SEED_HOOKS = ("grammar_seeds", "source_seeds")
OPTIONAL = (
    "pii_vocabulary",
    "student_system",
    "student_answer",
    "student_output",
    "answer_schema",
    "annotation_questions",
    "annotation_suggestions",
    "apply_annotation",
    "teacher_task",
)


class RecipeModule(Protocol):
    """What a recipe's recipe.py may define. A seed is a dict {"input", "output", "labels"} with
    optional "context" (kept as provenance.context, shown to the teacher) and "provenance"."""

    # -- always required ------------------------------------------------------------------------
    def validate(self, record: dict) -> tuple[str, str] | None:
        """The task validator. Receives a record (its output already passed the JSON Schema);
        returns None when it is right, else (reason, detail): the record is rejected with that
        reason code. Called by the validate stage for every record, by `factory eval --data` on
        each gold answer, and by `factory annotate pull` on each human correction."""

    def labels(self, output: Any) -> dict:
        """The label fields of an output (the keys of recipe.yaml `labels`), e.g. {"intent": "search"}.
        Called for every record the teacher writes and for each human correction; export
        stratifies on them."""

    def user_seed(self, obj: Any) -> dict:
        """One line of a user's seed file (`factory build --seeds FILE`, `factory eval --data FILE`),
        parsed JSON. Returns a seed; raises ValueError (or KeyError/TypeError) saying what the line
        lacks: the line is rejected as bad_seed (a factory.record.SeedError is rejected with its `reason`)."""

    # -- one of these, for the seeds ---------------------------------------------------------------
    def grammar_seeds(self, count: int, random_seed: int) -> Iterable[dict]:
        """Seeds made by the recipe itself (a grammar, templates): up to `count`, the same ones for
        the same `random_seed`. Called once by the seeds stage when the recipe has no source_seeds."""

    def source_seeds(self, config: dict, count: int, random_seed: int) -> Iterable[dict]:
        """Seeds read from real material. `config` is recipe.yaml's `source:` mapping, with
        config["paths"] set from `--source` when given. Yields seeds, and factory.record.Rejected (`Rejected.at(where, reason, detail)`)
        for material it cannot use (kept as a rejection with its reason); at most `count` seeds.
        Called once by the seeds stage; wins over grammar_seeds."""

    # -- the one teacher.mode needs --------------------------------------------------------------
    def keep_values(self, text: str, output: Any) -> list[str]:
        """teacher.mode variations: the literal values of `output` that the request `text` spells
        out; the teacher is told to keep them and a rewrite that drops one is rejected (they travel
        as provenance.keep_values for validate). Called once per seed by the generate stage."""

    def make_pair(self, item: Any, seed: dict) -> dict:
        """teacher.mode pairs: one item of the teacher's JSON list (a new input/output pair written
        from the seed's context) -> {"input", "output"} with optional "labels". Raises ValueError
        (KeyError, TypeError) when the item is unusable: rejected as teacher_bad_pair. `seed` is
        the seed shown to the teacher: {"input", "output", "labels", "context"}."""

    def make_answer(self, reply: Any, seed: dict) -> dict:
        """teacher.mode answer: the teacher's reply to a seed's input (text, or JSON with
        teacher.reply json) -> {"input", "output"} with optional "labels". Raises ValueError when the
        reply is unusable: rejected as teacher_bad_answer."""

    # -- optional --------------------------------------------------------------------------------
    def pii_vocabulary(self) -> list[str]:
        """Words of the task (table names, commands) that are never personal data, whatever a name
        finder thinks; added to recipe.yaml pii.allow by the scrub stage. Default: none."""

    def student_system(self, record: dict, default: str) -> str:
        """The student's system prompt for this record (e.g. with the record's tools), given
        recipe.yaml export.system_prompt as `default`. Called by export, eval and the proxy.
        Default: `default` as it is."""

    def student_answer(self, record: dict) -> str:
        """The assistant turn the student learns for this record (e.g. a code block, a <tool_call>).
        Called by export and eval. Default: the output as JSON, the schema's required keys first
        (a string output as it is)."""

    def student_output(self, reply: str) -> Any:
        """The output a student's reply stands for: the inverse of student_answer (e.g. a bare query
        -> the record's whole output, its other fields derived from it). Raises ValueError when the
        reply holds none. Called by the proxy on every reply it judges, and by a recipe's metrics.
        Default: the JSON the reply holds (a string schema: the reply's text)."""

    def answer_schema(self, record: dict) -> dict | None:
        """The JSON Schema every answer turn for this record's request matches (e.g. a call of one of
        the record's tools with arguments that pass its parameters), or None where there is none.
        Called by `factory eval --constrain`, which has llama.cpp (or the endpoint) decode under it,
        so that the student's reply is valid JSON of that shape by construction. student_answer must
        write an object's keys in the order llama.cpp's grammar does: required keys first, then the
        optional ones, each in the schema's order.
        Default: None (the recipe cannot be evaluated with --constrain)."""

    def annotation_questions(self) -> list[dict]:
        """Extra questions for Argilla reviewers, each {"name", "kind": "rating" | "label", "title",
        "values" (rating) | "labels" (label)}. Called by `factory annotate push`. Default: none."""

    def annotation_suggestions(self, record: dict) -> dict:
        """Prefilled answers to annotation_questions for one record, {question name: value}
        (None: no suggestion). Called by `factory annotate push`. Default: none."""

    def apply_annotation(self, output: Any, answers: dict) -> Any:
        """The output with reviewers' answers to annotation_questions written in ({name: value});
        raises ValueError for an answer that does not fit. Called by `factory annotate pull` before
        the corrected record is validated again. Default: answers to extra questions change nothing."""

    def teacher_task(self) -> type:
        """The recipe's own teacher mode: a subclass of factory.teacher.task.TeacherTask (a
        distilabel Task; e.g. one of factory.teacher.modes with another reply schema, or a judge),
        run by the generate stage instead of the class teacher.mode names. It keeps that mode's
        hooks (the recipe still defines them). Called once, when the build first needs the task.
        Default: the class teacher.mode names (factory.recipe_api.TEACHER_TASKS)."""


def hook_names() -> list[str]:
    """Every hook of the interface, in the Protocol's order."""
    return [
        name
        for name, value in vars(RecipeModule).items()
        if inspect.isfunction(value) and not name.startswith("_")
    ]


def hook_signature(name: str) -> str:
    """`name(args) -> result` as written in the Protocol, without `self` (what docs/recipes.md shows)."""
    signature = inspect.signature(getattr(RecipeModule, name))
    parameters = [p for p in signature.parameters.values() if p.name != "self"]
    return f"{name}{signature.replace(parameters=parameters)}".replace("'", "")


def check_hooks(module: ModuleType, teacher_mode: str, path: Path) -> None:
    """One-line ConfigError naming the file and every hook the recipe needs and lacks."""
    needed = (*REQUIRED, *MODE_HOOKS.get(teacher_mode, ()))
    missing = [name for name in needed if not callable(getattr(module, name, None))]
    if not any(callable(getattr(module, name, None)) for name in SEED_HOOKS):
        missing.append(" or ".join(SEED_HOOKS))
    if missing:
        raise ConfigError(
            f"{path}: missing {', '.join(missing)} (needed by teacher.mode {teacher_mode}); "
            "the hooks: docs/recipes.md"
        )


class Hooks:
    """A recipe module seen through the interface: the core calls these, never the module directly.
    Required hooks are the module's own (check_hooks ran on load); optional ones have defaults."""

    def __init__(self, module: ModuleType):
        self.module = module

    def defines(self, name: str) -> bool:
        return callable(getattr(self.module, name, None))

    def _own(self, name: str) -> Callable | None:
        return getattr(self.module, name, None) if self.defines(name) else None

    # required: the module's own
    def validate(self, record: dict) -> tuple[str, str] | None:
        return self.module.validate(record)

    def labels(self, output: Any) -> dict:
        return self.module.labels(output)

    def user_seed(self, obj: Any) -> dict:
        return self.module.user_seed(obj)

    def keep_values(self, text: str, output: Any) -> list[str]:
        return self.module.keep_values(text, output)

    def make_pair(self, item: Any, seed: dict) -> dict:
        return self.module.make_pair(item, seed)

    def make_answer(self, reply: Any, seed: dict) -> dict:
        return self.module.make_answer(reply, seed)

    # seeds: source_seeds where defined, else grammar_seeds
    @property
    def reads_sources(self) -> bool:
        return self.defines("source_seeds")

    def seeds(self, config: dict, count: int, random_seed: int) -> Iterable[dict]:
        if self.reads_sources:
            return self.module.source_seeds(config, count, random_seed)
        return self.module.grammar_seeds(count, random_seed)

    # optional: defaults where the module has none
    def pii_vocabulary(self) -> list[str]:
        own = self._own("pii_vocabulary")
        return list(own()) if own else []

    def student_system(self, record: dict, default: str) -> str:
        own = self._own("student_system")
        return own(record, default) if own else default

    def student_answer(self, record: dict) -> str | None:
        """The recipe's answer turn, or None: the caller writes the output as JSON (factory.export.formats)."""
        own = self._own("student_answer")
        return own(record) if own else None

    def student_output(self, reply: str) -> Any:
        """The recipe's reading of a reply; None where the recipe has none (the caller reads JSON).
        Raises ValueError for a reply the recipe's reading finds no output in."""
        own = self._own("student_output")
        return own(reply) if own else None

    def answer_schema(self, record: dict) -> dict | None:
        own = self._own("answer_schema")
        return own(record) if own else None

    def annotation_questions(self) -> list[dict]:
        own = self._own("annotation_questions")
        return list(own()) if own else []

    def annotation_suggestions(self, record: dict) -> dict:
        own = self._own("annotation_suggestions")
        return dict(own(record)) if own else {}

    def apply_annotation(self, output: Any, answers: dict) -> Any:
        own = self._own("apply_annotation")
        return own(output, answers) if own else output

    def teacher_task(self) -> type | None:
        """The recipe's own teacher Task class, or None: the one its teacher.mode names."""
        own = self._own("teacher_task")
        return own() if own else None


def teacher_task_class(mode: str, hooks: Hooks, path: Path) -> type:
    """The Task class a recipe's teacher runs: its `teacher_task` hook's, else TEACHER_TASKS[mode];
    ConfigError naming recipe.py (`path`) when the hook's answer is not a TeacherTask."""
    from factory.teacher.task import TeacherTask

    own = hooks.teacher_task()
    if own is None:
        module, _, name = TEACHER_TASKS[mode].partition(":")
        return getattr(importlib.import_module(module), name)
    if not (isinstance(own, type) and issubclass(own, TeacherTask)):
        raise ConfigError(
            f"{path}: teacher_task() returned {own!r}; expected a subclass of "
            "factory.teacher.task.TeacherTask (see docs/recipes.md)"
        )
    return own
