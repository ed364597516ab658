"""The stage seam: `Stage.process(records)` yields kept records (dicts) or `Rejected`.

The build runner (factory.build) feeds a stage the previous stage's output, writes what
it yields to stages/<name>.jsonl and rejected/<name>.jsonl, counts reasons, and shows
progress over the records consumed. A stage that generates its input (seeds) receives
an empty iterator. `BuildContext` carries what stages share: the recipe, the options,
the run folder, and the teacher once it is up.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from factory.recipes import Recipe
from factory.record import Rejected


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
    new_examples: int | None = (
        None  # --new-examples: the invent stage's per seed (None: the recipe's; 0: none)
    )
    seeds_file: Path | None = None
    max_concurrency: int = 8
    pii_policy: str | None = None  # None: the recipe's
    source_paths: tuple[
        str, ...
    ] = ()  # --source: files, folders, globs for the recipe's source_seeds
    max_rps: float | None = None  # teacher HTTP requests started per second (retries included)
    teacher_timeout: int = (
        120  # whole seconds one teacher request may take before it fails (and is retried)
    )
    max_tokens: int | None = None  # teacher tokens (prompt + completion) this build may spend
    max_cost: float | None = None  # USD this build may spend (needs the teacher's price)
    price_in: float | None = None  # USD per 1M prompt tokens (default: factory.budget.PRICES)
    price_out: float | None = None  # USD per 1M completion tokens
    engine: str = (
        "local"  # "ray": per-record stages run as distilabel's RayPipeline (factory.ray_engine)
    )
    ray_address: str | None = None  # an existing Ray cluster; None: a local instance for the build


@dataclass
class BuildContext:
    recipe: Recipe
    options: BuildOptions
    run_dir: Path
    cache_path: Path
    teacher: Any = None  # TeacherSpec once resolved or started

    @property
    def embedding_cache_path(self) -> Path:
        return self.cache_path.with_name(
            "embeddings.sqlite"
        )  # beside the teacher cache: cache_file(root, ...)


class Stage:
    name: str = ""
    needs_teacher: bool = False
    # A stage that reads ahead (batches) says itself how many inputs it has finished, by
    # calling self.advance(n); for the others the runner counts the records they consume.
    reports_progress: bool = False
    # A stage that judges each record on its own (no state across records, any chunking gives the
    # same output) can run in chunks on Ray replicas; seeds and dedup need everything at once.
    per_record: bool = False

    def __init__(self, context: BuildContext):
        self.context = context
        self.extras: dict[str, Any] = {}  # what the stage reports beyond counts (tokens, cache)
        self.advance: Callable[[int], None] = lambda n: None

    def check_inputs(self) -> None:
        """Read what the user gave this stage (files) and raise InputError now, before any work."""

    def expected_input(self) -> int | None:
        """Records this stage will read, when it produces its own input (for progress)."""
        return None

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        raise NotImplementedError
