"""The local executor: each stage runs in this process, one after the other, streaming.

A stage reads the previous stage's file record by record and its items go straight to the
`StageWriter` (factory.runner.writer), so memory does not grow with the run. Progress counts
the records a stage consumes (or what it reports itself, `Stage.reports_progress`).
Not here: choosing stages, resume, the report (factory.build); Ray (factory.runner.ray_engine).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterable, Iterator

from factory.jsonl import read_jsonl
from factory.runner.writer import StageWriter
from factory.stages.base import Stage


def records_of(path: Path | None) -> Iterator[dict]:
    return (obj for _, obj in read_jsonl(path)) if path else iter(())


def count_lines(path: Path | None) -> int:
    if path is None:
        return 0
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip())


def _consumed(records: Iterable[dict], advance) -> Iterator[dict]:
    for record in records:
        yield record
        advance()


def run_stage(stage: Stage, source: Path | None, run_dir: Path, progress) -> dict:
    """Run one stage from `source` (None: it makes its own input) into its files; return its row."""
    total = stage.expected_input() if source is None else count_lines(source)
    task = progress.add_task(stage.name, total=total)
    started = time.monotonic()
    stage.advance = lambda n: progress.advance(task, n)
    records = records_of(source)
    if source is not None and not stage.reports_progress:
        records = _consumed(records, lambda: progress.advance(task))
    with StageWriter(run_dir, stage.name) as out:
        for item in stage.process(records):
            out.add(item)
            if source is None:
                progress.advance(task)
    progress.update(task, completed=total)
    return out.finish(
        total if source is not None else None, time.monotonic() - started, stage.extras
    )


class LocalExecutor:
    """Every stage on its own, here. See factory.runner.Executor."""

    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)

    def __enter__(self) -> "LocalExecutor":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def group(self, stages: list[Stage], position: int, source: Path | None) -> list[Stage]:
        return [stages[position]]

    def run(self, stages: list[Stage], source: Path | None, progress) -> list[dict]:
        rows = []
        for stage in stages:
            rows.append(run_stage(stage, source, self.run_dir, progress))
            source = self.run_dir / "stages" / f"{stage.name}.jsonl"
        return rows
