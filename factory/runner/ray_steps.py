"""The distilabel pieces of the Ray executor (factory.runner.ray_engine), defined on first use
(distilabel and Ray are slow to import):

- `ReadChunks`: a generator step, rows of CHUNK records each from a JSON Lines file, numbered.
- `StageStep`: one factory stage over one chunk per call. The stage travels in the step as it
  is (pickled: its class, its plain settings, its name); the teacher's key travels beside it
  in a private attribute (Ray ships it to the actor; distilabel never writes private
  attributes to pipeline.yaml or the signature) and is given back to the stage in `load()`.
  The last step of a segment writes every stage's results of a chunk to
  <work>/chunks/<chunk>.jsonl and passes on only the chunk's number.
- `pipeline_class()`: distilabel's RayPipeline keeping a handle on each step's actor, so that a
  worker that dies stops the pipeline (`WorkerDied`) instead of waiting for it forever.
Not here: writing the stage files (factory.runner.writer), retrying, sessions.
"""

# no `from __future__ import annotations`: distilabel reads the `StepInput` hint of process()
import json
import os
import threading
import time
from pathlib import Path
from typing import Any, List, Optional

CHUNK = 128  # records per pipeline row: generate's own batch at the default concurrency (16 x 8)


class WorkerDied(RuntimeError):
    """A Ray worker of the pipeline ended before its step finished (killed, out of memory, node lost)."""


def steps():
    """(ReadChunks, StageStep), the distilabel step classes."""
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

        position: int
        first: bool = False
        # set on the last step: it writes every stage's results of a chunk to
        # <work>/chunks/<chunk>.jsonl and passes on only the chunk's number
        segment: List[int] = []
        work: str = ""
        _stage: Any = PrivateAttr(default=None)  # the factory Stage (pickles without the key)
        _secret: Optional[str] = PrivateAttr(default=None)  # the teacher's key, never written

        @property
        def inputs(self) -> List[str]:
            return ["chunk", "records" if self.first else f"kept_{self.position - 1}"]

        @property
        def outputs(self) -> List[str]:
            return [f"kept_{self.position}", f"rejected_{self.position}", f"stats_{self.position}"]

        def load(self) -> None:
            super().load()
            self._stage.settings.restore_key(self._secret)

        def process(self, inputs: StepInput):  # type: ignore[override]
            stage = self._stage
            for row in inputs:
                records = json.loads(
                    row["records"] if self.first else row[f"kept_{self.position - 1}"]
                )
                kept, rejected, started = [], [], time.monotonic()
                stage.extras = {}
                for item in stage.process(iter(records)):
                    if isinstance(item, dict):
                        kept.append(item)
                    else:
                        rejected.append(item.to_dict(stage.name))
                row[f"kept_{self.position}"] = json.dumps(kept, ensure_ascii=False)
                row[f"rejected_{self.position}"] = json.dumps(rejected, ensure_ascii=False)
                row[f"stats_{self.position}"] = json.dumps(
                    {
                        "in": len(records),
                        "seconds": time.monotonic() - started,
                        "extras": stage.extras,
                    }
                )
                if self.segment:
                    self._write_chunk(row)
            yield inputs

        def _write_chunk(self, row: dict) -> None:
            """The chunk's results in a file of their own, so that they leave distilabel's data
            (which it would copy into the Hugging Face cache) and the driver can read them in
            order, one by one."""
            path = Path(self.work) / "chunks" / f"{row['chunk']:09d}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path.with_suffix(".partial"), "w", encoding="utf-8") as out:
                for p in self.segment:
                    out.write(
                        f'{{"position": {p}, "stats": {row[f"stats_{p}"]}, '
                        f'"kept": {row[f"kept_{p}"]}, "rejected": {row[f"rejected_{p}"]}}}\n'
                    )
            os.replace(path.with_suffix(".partial"), path)
            for column in list(row):
                if column != "chunk":
                    row[column] = ""

    return ReadChunks, StageStep


def pipeline_class():
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
            # getattr: a run that failed before distilabel made its queues has none to kill
            queues = [
                getattr(self, q, None) for q in ("_output_queue", "_load_queue", "_log_queue")
            ]
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


def add_extras(left: Any, right: Any) -> Any:
    """Stage extras summed over chunks: numbers add, dicts add key by key."""
    if isinstance(left, dict) and isinstance(right, dict):
        return {key: add_extras(left.get(key), right.get(key)) for key in {**left, **right}}
    if left is None:
        return right
    if right is None:
        return left
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left + right
    return right


def sorted_extras(value: Any) -> Any:
    return (
        {k: sorted_extras(v) for k, v in sorted(value.items())}
        if isinstance(value, dict)
        else value
    )
