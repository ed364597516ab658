"""The Ray executor (`factory build --engine ray`): runs of record-by-record stages as
distilabel's RayPipeline.

`RayExecutor.group` hands the build a segment: consecutive stages that judge each record on
its own (scrub, generate, faithfulness, validate; `Stage.per_record`) after the first file
exists. A segment becomes one distilabel `RayPipeline` (pieces in factory.runner.ray_steps):

    ReadChunks (generator: the file, CHUNK records per row)
      -> StageStep(first stage) -> StageStep(next) -> ...     (each with replicas: Ray actors)

Each StageStep carries its stage as it is (pickled: class, plain settings, name; the
teacher's key beside it, never written). What a stage keeps is the next stage's input; the
last step writes each chunk's results to a file of its own. The driver reads the chunks
back in file order into each stage's `StageWriter` (factory.runner.writer), the same code
that writes a local stage's files, so resume, the report and the dataset do not depend on
the engine. Teacher replies go through the same SQLite cache (safe for concurrent writers),
so a rerun after a crash pays for nothing twice. A worker that dies stops the pipeline and
the segment runs again from its input, up to ATTEMPTS times.

The Ray session starts on the first segment (a resumed build whose Ray stages are done never
starts Ray): the cluster at --ray-address, else a local instance stopped with the executor.
Each stage gets one replica per CPU of the cluster; --max-concurrency and --max-rps are
shared out between the replicas of the teacher stage.

Not here: stages that need all records at once (seeds reads the sources, dedup compares all
pairs) run locally (factory.runner.local). Budgets (--max-tokens/--max-cost) are refused by
the build: one budget cannot be shared by replicas yet. A remote cluster must see the run
folder and the data root at the same paths (a shared file system) and reach the teacher's
URL (the embedded teacher listens on this machine's loopback only).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from factory.errors import ConfigError
from factory.runner.local import run_stage
from factory.runner.ray_steps import (
    WorkerDied,
    add_extras,
    pipeline_class,
    sorted_extras,
    steps,
)
from factory.runner.writer import StageWriter
from factory.stages.base import Stage

ATTEMPTS = 3  # a segment whose worker died runs again (replies from the cache) at most this often


def ray_module():
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "--engine ray needs Ray: pip install 'factory[ray]' (or pip install 'ray[default]')"
        ) from None
    return ray


@contextmanager
def ray_session(address: str | None) -> Iterator[dict]:
    """Connected to Ray for the block: the cluster at `address`, else a local instance started
    here and shut down after. Yields the cluster's resources. Ray will not run a node on the
    loopback address (it swaps 127.0.0.1 for the machine's own) and its servers listen on all
    interfaces, so the local instance keeps Ray's token authentication on (the token is in
    ~/.ray/auth_token) and lives only as long as the build."""
    ray = ray_module()
    # read by the driver and by the workers Ray starts
    os.environ.setdefault("DISTILABEL_LOG_LEVEL", "ERROR")
    if ray.is_initialized():  # a caller (a test, a notebook) already connected: use it, leave it up
        yield ray.cluster_resources()
        return
    try:
        if address:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        else:
            # "local": a new instance, never a cluster that `ray start` once left in /tmp/ray
            ray.init(
                address="local",
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
            )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if address:
            raise ConfigError(
                f"--ray-address {address}: Ray did not answer ({first}); check the address and the "
                "cluster's token (RAY_AUTH_TOKEN), or drop --ray-address to start Ray here"
            ) from None
        raise ConfigError(
            f"--engine ray: a local Ray instance did not start ({first}); "
            "see /tmp/ray/session_latest/logs"
        ) from None
    try:
        yield ray.cluster_resources()
    finally:
        ray.shutdown()


def segment(stages: list, start: int) -> list:
    """The run of per-record stages from `start` (what one Ray pipeline does), or just that stage."""
    end = start
    while end < len(stages) and stages[end].per_record:
        end += 1
    return stages[start:end] or [stages[start]]


class RayExecutor:
    """Per-record stages on Ray, the others here. See factory.runner.Executor."""

    def __init__(self, run_dir: Path, address: str | None = None):
        self.run_dir, self.address = Path(run_dir), address
        self._session, self.replicas = ExitStack(), 0

    def __enter__(self) -> "RayExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self._session.close()

    def group(self, stages: list[Stage], position: int, source: Path | None) -> list[Stage]:
        return segment(stages, position) if source is not None else [stages[position]]

    def run(self, stages: list[Stage], source: Path | None, progress) -> list[dict]:
        if source is None or not stages[0].per_record:
            return [run_stage(stages[0], source, self.run_dir, progress)]
        if not self.replicas:
            resources = self._session.enter_context(ray_session(self.address))
            self.replicas = max(1, int(resources.get("CPU", 1)))
        return run_segment(stages, source, self.run_dir, self.replicas, progress)


def shared_out(stage: Stage, replicas: int) -> Stage:
    """The stage for one of `replicas`: the teacher's concurrency and rate shared out."""
    options = stage.settings.options
    share = replace(
        options,
        max_concurrency=max(1, options.max_concurrency // replicas),
        max_rps=options.max_rps / replicas if options.max_rps else None,
    )
    return stage.with_settings(stage.settings.replace(options=share))


def run_segment(
    stages: list[Stage], source: Path, run_dir: Path, replicas: int, progress
) -> list[dict]:
    """Run consecutive per-record `stages` over `source` on Ray; write their files like the
    local runner; return their stats rows. A worker that dies stops the pipeline; the segment
    runs again from its input (finished teacher calls are cached), up to ATTEMPTS times.
    Progress shows each stage once its files are written (distilabel reports no counts while
    it runs)."""
    tasks = [progress.add_task(f"{stage.name} (ray)", total=None) for stage in stages]
    chunks: list[Path] = []
    work = run_dir / ".ray-pipeline"  # distilabel's cache of this run and the chunks' results
    with open(source, "rb") as handle:
        empty = not any(line.strip() for line in handle)
    for attempt in range(1, 0 if empty else ATTEMPTS + 1):  # nothing to read: nothing to start
        shutil.rmtree(work, ignore_errors=True)
        try:
            chunks = _run_pipeline(stages, source, replicas, work)
            break
        except WorkerDied as exc:
            if attempt == ATTEMPTS:
                raise ConfigError(
                    f"a Ray worker died {ATTEMPTS} times ({exc}); what finished is kept: rerun the "
                    "same command (same --run) to resume, teacher replies come from the cache"
                ) from None
            logging.getLogger("factory").warning(
                "a Ray worker died (%s); running %s again", exc, ", ".join(s.name for s in stages)
            )
    try:
        written = _write(stages, chunks, run_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for task, row in zip(tasks, written):
        progress.update(task, total=row["in"], completed=row["in"])
    return written


def _run_pipeline(stages: list[Stage], source: Path, replicas: int, work: Path) -> list[Path]:
    """The chunk files of one run of the pipeline, in order; WorkerDied if a worker died."""
    from distilabel.steps import StepResources

    ReadChunks, StageStep = steps()
    recipe = stages[0].settings.recipe.name
    positions = list(range(len(stages)))
    with pipeline_class()(
        name=f"factory-{recipe}-{stages[0].name}", cache_dir=str(work)
    ) as pipeline:
        previous = ReadChunks(name="read", path=str(source), batch_size=1)
        for position, stage in enumerate(stages):
            step = StageStep(
                name=f"stage-{position}-{stage.name}",
                position=position,
                first=position == 0,
                input_batch_size=1,
                segment=positions if position == len(stages) - 1 else [],
                work=str(work),
                resources=StepResources(replicas=replicas),
            )
            step._stage = shared_out(stage, replicas)
            if stage.needs_teacher and stage.settings.teacher is not None:
                step._secret = stage.settings.teacher.api_key
            previous.connect(step)
            previous = step
    import datasets.config

    # where distilabel's closing load_dataset copies its rows
    hf_cache = datasets.config.HF_DATASETS_CACHE
    datasets.config.HF_DATASETS_CACHE = work / "hf-datasets"
    quiet = threading.excepthook  # distilabel's threads on dead queues
    threading.excepthook = lambda args: None if pipeline.died else quiet(args)
    try:
        try:
            distiset = pipeline.run(use_cache=False)
        except Exception:
            if pipeline.died:  # what failed is the killed queues; the cause is the dead worker
                raise WorkerDied(pipeline.died) from None
            raise
        if pipeline.died:
            raise WorkerDied(pipeline.died)
        chunks = sorted((work / "chunks").glob("*.jsonl"))
        expected = len(distiset["default"]["train"]) if "default" in distiset else 0
        if len(chunks) != expected:
            raise WorkerDied(
                f"{expected} chunks went through the pipeline, {len(chunks)} were written"
            )
        return chunks
    finally:
        threading.excepthook, datasets.config.HF_DATASETS_CACHE = quiet, hf_cache
        pipeline.kill_actors()


def _write(stages: list[Stage], chunks: list[Path], run_dir: Path) -> list[dict]:
    """Each stage's kept and rejected records, chunk after chunk in file order, and its .done row."""
    records_in, seconds, extras = [0] * len(stages), [0.0] * len(stages), [{} for _ in stages]
    with ExitStack() as files:
        writers = [files.enter_context(StageWriter(run_dir, s.name)) for s in stages]
        for chunk in chunks:
            with open(chunk, encoding="utf-8") as lines:
                for line in lines:
                    part = json.loads(line)
                    k, stats = part["position"], part["stats"]
                    for record in part["kept"]:
                        writers[k].keep(record)
                    for rejection in part["rejected"]:
                        writers[k].reject(rejection)
                    records_in[k] += stats["in"]
                    seconds[k] += stats["seconds"]
                    extras[k] = add_extras(extras[k], stats["extras"])
    return [
        writer.finish(records_in[k], seconds[k], sorted_extras(extras[k]), engine="ray")
        for k, writer in enumerate(writers)
    ]
