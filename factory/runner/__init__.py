"""The runner seam: how a build's stages are run and their results written.

An executor runs stages over the previous stage's file and writes each stage's files through
the one `StageWriter` (writer.py): stages/<name>.jsonl, rejected/<name>.jsonl, and the .done
stats row that marks it finished. Two executors, one interface (`Executor`):

- `LocalExecutor` (local.py): every stage here, streaming, one after the other;
- `RayExecutor` (ray_engine.py): runs of per-record stages as one distilabel RayPipeline
  (pieces in ray_steps.py), the other stages here.

The build (factory.build) chooses the stages, resumes, and writes the report; it talks to an
`Executor` only. Nothing here imports the build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from factory.runner.writer import is_done, output_path  # noqa: F401 - the build's view of a run
from factory.stages.base import BuildOptions, Stage


class Executor(Protocol):
    """Runs stages and writes their files; a context manager (what it starts, e.g. a Ray
    session, ends with the block)."""

    def __enter__(self) -> "Executor": ...

    def __exit__(self, *exc) -> None: ...

    def group(self, stages: list[Stage], position: int, source: Path | None) -> list[Stage]:
        """The stages from `position` that run together over `source` (at least that one)."""
        ...

    def run(self, stages: list[Stage], source: Path | None, progress) -> list[dict]:
        """Run `stages` (a group) from `source` (None: the first makes its own input), each
        reading the previous one's output; write their files; return their .done rows."""
        ...


def executor_for(options: BuildOptions, run_dir: Path) -> Executor:
    """The executor --engine names (checked by the build before any work)."""
    if options.engine == "ray":
        from factory.runner.ray_engine import RayExecutor

        return RayExecutor(run_dir, options.ray_address)
    from factory.runner.local import LocalExecutor

    return LocalExecutor(run_dir)


def check_engine(options: BuildOptions) -> None:
    """A clear one-line error now if the engine cannot run (Ray not installed)."""
    if options.engine == "ray":
        from factory.runner.ray_engine import ray_module

        ray_module()
