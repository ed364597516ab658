"""The stage seam: `Stage.process(records)` yields kept records (dicts) or `Rejected`.

A runner (factory.runner) feeds a stage the previous stage's output, writes what it yields
to stages/<name>.jsonl and rejected/<name>.jsonl, counts reasons, and shows progress over
the records consumed. A stage that generates its input (seeds) receives an empty iterator.

A stage is built from `StageSettings` (`self.context`): plain values only - the recipe's
folder (the Recipe is loaded from it on first use), the options, the run folder, the
teacher cache's path, and the teacher's spec once it is up. So a stage pickles as it is
(its class, its settings, its name) and can be sent to a Ray worker. Never pickled: the
teacher's API key (a pickled stage's teacher says "none" until `restore_key`), the loaded
Recipe, the build's shared teacher budget; nor what a stage builds from its settings
(clients, caches, `extras`, the progress callback `advance`): those are built again where
the stage lands.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from factory.recipes import Recipe, load_recipe
from factory.record import Rejected

KEYLESS = "none"  # the key a pickled teacher spec carries (what key-less local servers get)


def cache_file(data_root: Path, name: str) -> Path:
    """Where the caches shared by all runs under a data root live (teacher replies, embeddings)."""
    return Path(data_root) / "_cache" / name


def batches(records: Iterable[dict], size: int) -> Iterator[list[dict]]:
    """Consecutive lists of up to `size` records, read lazily."""
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


@dataclass
class BuildOptions:
    limit: int | None = None
    variations: int | None = None
    # --new-examples: the invent stage's per seed (None: the recipe's; 0: none)
    new_examples: int | None = None
    seeds_file: Path | None = None
    max_concurrency: int = 8
    pii_policy: str | None = None  # None: the recipe's
    source_paths: tuple[str, ...] = ()  # --source: files, folders, globs for source_seeds
    max_rps: float | None = None  # teacher HTTP requests started per second (retries included)
    teacher_timeout: int = 120  # whole seconds one teacher request may take (then retried)
    max_tokens: int | None = None  # teacher tokens (prompt + completion) this build may spend
    max_cost: float | None = None  # USD this build may spend (needs the teacher's price)
    price_in: float | None = None  # USD per 1M prompt tokens (default: factory.budget.PRICES)
    price_out: float | None = None  # USD per 1M completion tokens
    engine: str = "local"  # "ray": per-record stages run as distilabel's RayPipeline
    ray_address: str | None = None  # an existing Ray cluster; None: a local instance for the build


class StageSettings:
    """What every stage of a build is built from; the build's stages share one instance, so the
    teacher set on it once it is up is every stage's teacher. Pickles as plain values, without
    the key (see the module docstring)."""

    teacher_budget = None  # runtime: one Budget for the build's teacher stages (never pickled)

    def __init__(
        self,
        recipe: Recipe | str | Path,
        options: BuildOptions,
        run_dir: str | Path,
        cache_path: str | Path,
        teacher: Any = None,  # a TeacherSpec once resolved or started
    ):
        self.recipe = recipe
        self.options = options
        self.run_dir = Path(run_dir)
        self.cache_path = Path(cache_path)
        self.teacher = teacher

    @property
    def recipe(self) -> Recipe:
        """The Recipe, loaded from `recipe_folder` on first use and kept (never pickled)."""
        if self._recipe is None:
            self._recipe = load_recipe(self.recipe_folder)
        return self._recipe

    @recipe.setter
    def recipe(self, recipe: Recipe | str | Path) -> None:
        if isinstance(recipe, Recipe):
            self.recipe_folder, self._recipe = str(recipe.folder), recipe
        else:
            self.recipe_folder, self._recipe = str(recipe), None

    @property
    def embedding_cache_path(self) -> Path:
        """Beside the teacher cache: cache_file(root, "embeddings.sqlite")."""
        return self.cache_path.with_name("embeddings.sqlite")

    def replace(self, **changes: Any) -> "StageSettings":
        """A copy in memory with `changes` (e.g. options): the teacher keeps its key, the loaded
        recipe is shared, the teacher budget is not."""
        values = {
            "recipe": self._recipe or self.recipe_folder,
            "options": self.options,
            "run_dir": self.run_dir,
            "cache_path": self.cache_path,
            "teacher": self.teacher,
        }
        return StageSettings(**{**values, **changes})

    def restore_key(self, api_key: str | None) -> None:
        """Give a teacher spec that travelled without its key (pickled) the key back."""
        if self.teacher is not None and api_key:
            self.teacher = replace(self.teacher, api_key=api_key)

    def __getstate__(self) -> dict:
        teacher = None
        if self.teacher is not None:
            teacher = {k: v for k, v in asdict(self.teacher).items() if k != "api_key"}
        return {
            "recipe": self.recipe_folder,
            "options": asdict(self.options),
            "run_dir": str(self.run_dir),
            "cache_path": str(self.cache_path),
            "teacher": teacher,
        }

    def __setstate__(self, state: dict) -> None:
        from factory.teacher.spec import TeacherSpec

        teacher = state["teacher"]
        self.__init__(
            state["recipe"],
            BuildOptions(**state["options"]),
            state["run_dir"],
            state["cache_path"],
            None if teacher is None else TeacherSpec(**teacher, api_key=KEYLESS),
        )

    def __repr__(self) -> str:  # never the key
        teacher = None if self.teacher is None else getattr(self.teacher, "model", "?")
        return f"StageSettings(recipe={self.recipe_folder!r}, run_dir={str(self.run_dir)!r}, teacher={teacher!r})"


def _rebuilt(cls: type, settings: StageSettings, name: str) -> "Stage":
    stage = cls(settings)
    stage.name = name
    return stage


class Stage:
    name: str = ""
    needs_teacher: bool = False
    # A stage that reads ahead (batches) says itself how many inputs it has finished, by
    # calling self.advance(n); for the others the runner counts the records they consume.
    reports_progress: bool = False
    # A stage that judges each record on its own (no state across records, any chunking gives the
    # same output) can run in chunks on Ray replicas; seeds and dedup need everything at once.
    per_record: bool = False

    def __new__(cls, settings: StageSettings | None = None, *args: Any, **kwargs: Any):
        stage = super().__new__(cls)
        # what the stage was built from, whatever view of it a subclass keeps as self.context
        stage.settings = settings if settings is not None else kwargs.get("context")
        return stage

    def __init__(self, context: StageSettings):
        self.context = context
        self.extras: dict[str, Any] = {}  # what the stage reports beyond counts (tokens, cache)
        self.advance: Callable[[int], None] = lambda n: None

    def __reduce__(self):
        """A stage pickles as its class, its settings (plain values, no key) and its name;
        everything else is built again from them where it is unpickled."""
        return _rebuilt, (type(self), self.settings, self.name)

    def with_settings(self, settings: StageSettings) -> "Stage":
        """The same stage (class and name) built from other settings (e.g. options shared out)."""
        return _rebuilt(type(self), settings, self.name)

    def asks_teacher(self) -> bool:
        """Whether this stage sends the teacher anything with these settings: a teacher stage
        asked for 0 per record (--new-examples 0 as invent sees it) asks nothing."""
        return self.needs_teacher and self.context.options.variations != 0

    def check_inputs(self) -> None:
        """Read what the user gave this stage (files) and raise InputError now, before any work."""

    def expected_input(self) -> int | None:
        """Records this stage will read, when it produces its own input (for progress)."""
        return None

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        raise NotImplementedError
