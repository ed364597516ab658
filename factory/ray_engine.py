"""`factory build --engine ray`: the record-by-record stages of a build as distilabel's RayPipeline.

The build runner (factory.build) hands this module a segment: consecutive stages that judge
each record on its own (scrub, generate, faithfulness, validate; `Stage.per_record`) and the
file the first of them reads. They become one distilabel `RayPipeline`:

    ReadChunks (generator: the file, CHUNK records per row)
      -> StageStep(first stage) -> StageStep(next) -> ...     (each with replicas: Ray actors)

A StageStep rebuilds its stage from plain settings in `load()` (the recipe by name, the
options, the run folder, the teacher without its key, which travels in a private attribute
and is never written) and runs it on one chunk at a time; what a stage keeps is the next
stage's input, and each row carries every stage's kept and rejected records and counts.
The driver sorts the rows back into file order and writes each stage's files exactly as the
local runner does (stages/, rejected/, .done), so resume, the report and the dataset do not
depend on the engine. Teacher replies go through the same SQLite cache (safe for concurrent
writers), so a rerun after a crash pays for nothing twice.

`ray_session(address)` connects to a cluster, or starts a local Ray instance and stops it after.
Each stage gets one replica per CPU of the cluster.

Not here: stages that need all records at once (seeds reads the sources, dedup compares all
pairs) run in the driver. Budgets (--max-tokens/--max-cost) are refused: one budget cannot be
shared by replicas yet. A remote cluster must see the run folder and the data root at the
same paths (a shared file system) and reach the teacher's URL (the embedded teacher listens
on this machine's loopback only). --max-concurrency and --max-rps are shared out between the
replicas of the teacher stage.
"""

import json
import logging
import os
import shutil
import threading
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from factory.errors import ConfigError

CHUNK = 128  # records per pipeline row: generate's own batch at the default concurrency (16 x 8)


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
    os.environ.setdefault(
        "DISTILABEL_LOG_LEVEL", "ERROR"
    )  # read by the driver and by the workers Ray starts
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
            f"--engine ray: a local Ray instance did not start ({first}); see /tmp/ray/session_latest/logs"
        ) from None
    try:
        yield ray.cluster_resources()
    finally:
        ray.shutdown()


def _steps():
    """The distilabel step classes, defined on first use (distilabel is slow to import)."""
    from distilabel.steps import GeneratorStep, Step, StepInput
    from pydantic import PrivateAttr

    class ReadChunks(GeneratorStep):
        """Rows of CHUNK records each from a JSON Lines file, numbered in file order."""

        path: str
        chunk_size: int = CHUNK

        @property
        def outputs(self) -> List[str]:
            return ["chunk", "records"]

        def process(self, offset: int = 0):
            def chunks():
                lines, number = [], 0
                with open(self.path, encoding="utf-8") as handle:
                    for line in handle:
                        if line.strip():
                            lines.append(line.strip())
                        if len(lines) == self.chunk_size:
                            yield {"chunk": number, "records": "[" + ",".join(lines) + "]"}
                            lines, number = [], number + 1
                if lines:
                    yield {"chunk": number, "records": "[" + ",".join(lines) + "]"}

            pending = None
            for row in chunks():
                if row["chunk"] >= offset:
                    if pending is not None:
                        yield [pending], False
                    pending = row
            yield ([pending] if pending is not None else []), True

    class StageStep(Step):
        """One factory stage over one chunk per call; its kept records are the next step's input."""

        settings: Dict[str, Any]
        position: int
        first: bool = False
        segment: List[
            int
        ] = []  # set on the last step: it writes every stage's results of a chunk to
        work: str = ""  # <work>/chunks/<chunk>.jsonl and passes on only the chunk's number
        _secret: Optional[str] = PrivateAttr(default=None)
        _stage: Any = PrivateAttr(default=None)

        @property
        def inputs(self) -> List[str]:
            return ["chunk", "records" if self.first else f"kept_{self.position - 1}"]

        @property
        def outputs(self) -> List[str]:
            return [f"kept_{self.position}", f"rejected_{self.position}", f"stats_{self.position}"]

        def load(self) -> None:
            super().load()
            self._stage = stage_from_settings(self.settings, self.position, self._secret)

        def process(self, inputs: StepInput):  # type: ignore[override]
            for row in inputs:
                records = json.loads(
                    row["records"] if self.first else row[f"kept_{self.position - 1}"]
                )
                kept, rejected, counts, started = [], [], Counter(), time.monotonic()
                self._stage.extras = {}
                for item in self._stage.process(iter(records)):
                    if isinstance(item, dict):
                        kept.append(item)
                    else:
                        rejected.append(item.to_dict(self._stage.name))
                        counts[item.reason] += 1
                row[f"kept_{self.position}"] = json.dumps(kept, ensure_ascii=False)
                row[f"rejected_{self.position}"] = json.dumps(rejected, ensure_ascii=False)
                row[f"stats_{self.position}"] = json.dumps(
                    {
                        "in": len(records),
                        "out": len(kept),
                        "rejected": counts,
                        "seconds": time.monotonic() - started,
                        "extras": self._stage.extras,
                    }
                )
                if self.segment:
                    self._write_chunk(row)
            yield inputs

        def _write_chunk(self, row: dict) -> None:
            """The chunk's results in a file of their own, so that they leave distilabel's data (which
            it would copy into the Hugging Face cache) and the driver can read them in order, one by one."""
            path = Path(self.work) / "chunks" / f"{row['chunk']:09d}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path.with_suffix(".partial"), "w", encoding="utf-8") as out:
                for p in self.segment:
                    out.write(
                        f'{{"position": {p}, "stats": {row[f"stats_{p}"]}, "kept": {row[f"kept_{p}"]}, '
                        f'"rejected": {row[f"rejected_{p}"]}}}\n'
                    )
            os.replace(path.with_suffix(".partial"), path)
            for column in list(row):
                if column != "chunk":
                    row[column] = ""

    return ReadChunks, StageStep


def settings_of(context, position: int, replicas: int = 1) -> dict:
    """What a worker needs to rebuild the stage at `position` of the recipe: plain values, no key;
    the teacher's concurrency and rate shared out between `replicas`."""
    options = {
        k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(context.options).items()
    }
    options["max_concurrency"] = max(1, options["max_concurrency"] // replicas)
    options["max_rps"] = options["max_rps"] / replicas if options["max_rps"] else None
    teacher = None
    if context.teacher is not None:
        teacher = {k: v for k, v in asdict(context.teacher).items() if k != "api_key"}
    return {
        "recipe": str(context.recipe.folder),
        "options": options,
        "run_dir": str(context.run_dir),
        "cache_path": str(context.cache_path),
        "teacher": teacher,
    }


def stage_from_settings(settings: dict, position: int, api_key: str | None):
    from factory.build import _stages
    from factory.recipes import load_recipe
    from factory.stages.base import BuildContext, BuildOptions
    from factory.teacher.spec import TeacherSpec

    options = dict(settings["options"])
    if options.get("seeds_file"):
        options["seeds_file"] = Path(options["seeds_file"])
    options["source_paths"] = tuple(options.get("source_paths") or ())
    teacher = None
    if settings["teacher"] is not None:
        teacher = TeacherSpec(**settings["teacher"], api_key=api_key or "none")
    recipe = load_recipe(settings["recipe"])
    context = BuildContext(
        recipe=recipe,
        options=BuildOptions(**options),
        run_dir=Path(settings["run_dir"]),
        cache_path=Path(settings["cache_path"]),
        teacher=teacher,
    )
    return _stages(recipe.stages, context)[position]


class WorkerDied(RuntimeError):
    """A Ray worker of the pipeline ended before its step finished (killed, out of memory, node lost)."""


def _pipeline_class():
    """distilabel's RayPipeline, keeping a handle on each step's actor and its `run` call, so that
    a worker that dies stops the pipeline (distilabel alone would wait for its batch forever)."""
    import ray
    from distilabel.pipeline import RayPipeline
    from distilabel.pipeline.step_wrapper import _StepWrapper
    from distilabel.utils.logging import setup_logging

    @ray.remote
    class _StepActor:
        def __init__(
            self, step_wrapper, log_queue, pipeline_name: str, pipeline_cache_id: str
        ) -> None:
            from distilabel.pipeline.base import set_pipeline_running_env_variables

            self._step_wrapper, self._log_queue = step_wrapper, log_queue
            set_pipeline_running_env_variables(pipeline_name, pipeline_cache_id)

        def run(self) -> str:
            setup_logging(log_queue=self._log_queue)
            try:  # `ps` shows which step a worker runs: "ray::factory-step stage-2-generate 0"
                ray._raylet.setproctitle(
                    f"ray::factory-step {self._step_wrapper.step.name} {self._step_wrapper.replica}"
                )
            except Exception:  # a private Ray call: the title is a convenience
                pass
            return self._step_wrapper.run()

    class WatchedRayPipeline(RayPipeline):
        died: str | None = None

        def _run_step(self, step, input_queue, replica: int) -> None:
            actor = _StepActor.options(name=f"distilabel-{self.name}-{step.name}-{replica}").remote(
                _StepWrapper(
                    step=step,
                    replica=replica,
                    input_queue=input_queue,
                    output_queue=self._output_queue,
                    load_queue=self._load_queue,
                    dry_run=self._dry_run,
                    ray_pipeline=True,
                ),
                self._log_queue,
                self.name,
                self.signature,
            )
            self.__dict__.setdefault("actors", []).append(actor)
            self.__dict__.setdefault("runs", {})[actor.run.remote()] = (
                f"{step.name} (replica {replica})"
            )
            if "watchdog" not in self.__dict__:
                self.watchdog = threading.Thread(target=self._watch, daemon=True)
                self.watchdog.start()

        def _watch(self) -> None:
            while self.runs and not self._stop_called:
                finished, _ = ray.wait(list(self.runs), num_returns=1, timeout=1.0)
                for ref in finished:
                    name = self.runs.pop(ref)
                    try:
                        ray.get(ref)
                    except Exception as exc:  # RayActorError and friends: the worker is gone
                        self.died = f"{name}: {str(exc).splitlines()[0][:200]}"
                        self.kill_actors()  # a graceful stop would wait for the dead step forever
                        return

        def kill_actors(self) -> None:
            queues = [self._output_queue, self._load_queue, self._log_queue]
            queues += [self.dag.get_step(name).get("input_queue") for name in self.dag]
            for handle in [
                *self.__dict__.get("actors", []),
                *(q.actor for q in queues if q is not None),
            ]:
                try:
                    ray.kill(handle)
                except Exception:  # already gone
                    pass

    return WatchedRayPipeline


ATTEMPTS = (
    3  # a segment whose worker died runs again (replies come from the cache) at most this often
)


def run_segment(
    stages: list, positions: list[int], source: Path, context, replicas: int, progress
) -> list[dict]:
    """Run consecutive per-record `stages` (at `positions` in the recipe) over `source` on Ray;
    write their files like the local runner; return their stats rows. A worker that dies stops
    the pipeline; the segment runs again from its input (finished teacher calls are cached), up
    to ATTEMPTS times. Progress shows each stage once its files are written (distilabel reports
    no counts while it runs)."""
    tasks = [progress.add_task(f"{stage.name} (ray)", total=None) for stage in stages]
    chunks: list[Path] = []
    work = (
        context.run_dir / ".ray-pipeline"
    )  # distilabel's cache of this run and the chunks' results
    with open(source, "rb") as handle:
        empty = not any(line.strip() for line in handle)
    for attempt in range(1, 0 if empty else ATTEMPTS + 1):  # nothing to read: nothing to start
        shutil.rmtree(work, ignore_errors=True)
        try:
            chunks = _run_pipeline(stages, positions, source, context, replicas, work)
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
        written = _write(stages, positions, chunks, context.run_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for task, row in zip(tasks, written):
        progress.update(task, total=row["in"], completed=row["in"])
    return written


def _run_pipeline(
    stages: list, positions: list[int], source: Path, context, replicas: int, work: Path
) -> list[Path]:
    """The chunk files of one run of the pipeline, in order; WorkerDied if a worker died."""
    from distilabel.steps import StepResources

    ReadChunks, StageStep = _steps()
    with _pipeline_class()(
        name=f"factory-{context.recipe.name}-{stages[0].name}", cache_dir=str(work)
    ) as pipeline:
        previous = ReadChunks(name="read", path=str(source), batch_size=1)
        for index, (stage, position) in enumerate(zip(stages, positions)):
            last = index == len(stages) - 1
            step = StageStep(
                name=f"stage-{position}-{stage.name}",
                settings=settings_of(context, position, replicas),
                position=position,
                first=index == 0,
                input_batch_size=1,
                segment=positions if last else [],
                work=str(work),
                resources=StepResources(replicas=replicas),
            )
            if stage.needs_teacher and context.teacher is not None:
                step._secret = context.teacher.api_key
            previous.connect(step)
            previous = step
    import datasets.config

    hf_cache = (
        datasets.config.HF_DATASETS_CACHE
    )  # where distilabel's closing load_dataset copies its rows
    datasets.config.HF_DATASETS_CACHE = work / "hf-datasets"
    quiet = threading.excepthook
    threading.excepthook = lambda args: (
        None if pipeline.died else quiet(args)
    )  # distilabel's threads on dead queues
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


def _write(stages: list, positions: list[int], chunks: list[Path], run_dir: Path) -> list[dict]:
    """Each stage's kept and rejected records, chunk after chunk in file order, and its .done row."""
    from factory.jsonl import AtomicWriter, write_json_file

    index = {position: k for k, position in enumerate(positions)}
    totals = [
        {"in": 0, "out": 0, "rejected": Counter(), "seconds": 0.0, "extras": {}} for _ in stages
    ]
    with ExitStack() as files:
        kept = [
            files.enter_context(AtomicWriter(run_dir / "stages" / f"{s.name}.jsonl"))
            for s in stages
        ]
        dropped = [
            files.enter_context(AtomicWriter(run_dir / "rejected" / f"{s.name}.jsonl"))
            for s in stages
        ]
        for chunk in chunks:
            with open(chunk, encoding="utf-8") as lines:
                for line in lines:
                    part = json.loads(line)
                    k, stats = index[part["position"]], part["stats"]
                    for record in part["kept"]:
                        kept[k].write_json(record)
                    for rejection in part["rejected"]:
                        dropped[k].write_json(rejection)
                    totals[k]["in"] += stats["in"]
                    totals[k]["out"] += stats["out"]
                    totals[k]["rejected"].update(stats["rejected"])
                    totals[k]["seconds"] += stats["seconds"]
                    totals[k]["extras"] = _add(totals[k]["extras"], stats["extras"])
    rows = []
    for stage, total in zip(stages, totals):
        row = {
            "name": stage.name,
            "in": total["in"],
            "out": total["out"],
            "rejected": dict(sorted(total["rejected"].items())),
            "seconds": round(total["seconds"], 2),
            "engine": "ray",
            **_sorted(total["extras"]),
        }
        write_json_file(run_dir / "stages" / f"{stage.name}.done", row)
        rows.append(row)
    return rows


def _add(left: Any, right: Any) -> Any:
    """Stage extras summed over chunks: numbers add, dicts add key by key."""
    if isinstance(left, dict) and isinstance(right, dict):
        return {key: _add(left.get(key), right.get(key)) for key in {**left, **right}}
    if left is None:
        return right
    if right is None:
        return left
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left + right
    return right


def _sorted(value: Any) -> Any:
    return {k: _sorted(v) for k, v in sorted(value.items())} if isinstance(value, dict) else value
