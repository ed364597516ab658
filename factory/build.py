"""`factory build`: run a recipe's stages into data/<recipe>/<run-id>/ and write the report.

Layout of a run:
    stages/<stage>.jsonl   what each stage kept      stages/<stage>.done   its stats (resume marker)
    rejected/<stage>.jsonl what it rejected, with reason and detail
    dataset.jsonl          the final records         report.json           counts, tokens, teacher
and data/<recipe>/latest points at the newest run. A rerun with the same --run skips
stages that are done. Everything the user can get wrong is checked before the first stage.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from factory.errors import ConfigError
from factory.jsonl import AtomicWriter, read_jsonl, write_json_file
from factory.recipes import load_recipe
from factory.record import Rejected
from factory.stages import stage_class
from factory.stages.base import BuildContext, BuildOptions, Stage
from factory.teacher import spec as teacher_spec


def _records(path: Path | None) -> Iterator[dict]:
    return (obj for _, obj in read_jsonl(path)) if path else iter(())


def _count_lines(path: Path | None) -> int:
    if path is None:
        return 0
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip())


def _consumed(records: Iterable[dict], advance) -> Iterator[dict]:
    for record in records:
        yield record
        advance()


def run_stage(stage: Stage, source: Path | None, run_dir: Path, progress) -> dict:
    """Run one stage from `source` into stages/<name>.jsonl; return its stats row."""
    out_path = run_dir / "stages" / f"{stage.name}.jsonl"
    done_path = out_path.with_suffix(".done")
    if done_path.is_file() and out_path.is_file():
        return json.loads(done_path.read_text())
    total = stage.expected_input() if source is None else _count_lines(source)
    task = progress.add_task(stage.name, total=total)
    started, rejected = time.monotonic(), Counter()
    records = _records(source)
    if source is not None:
        records = _consumed(records, lambda: progress.advance(task))
    with AtomicWriter(out_path) as kept, AtomicWriter(run_dir / "rejected" / f"{stage.name}.jsonl") as dropped:
        for item in stage.process(records):
            if isinstance(item, Rejected):
                dropped.write_json(item.to_dict(stage.name))
                rejected[item.reason] += 1
            else:
                kept.write_json(item)
            if source is None:
                progress.advance(task)
    progress.update(task, completed=total)
    row = {"name": stage.name, "in": total if source is not None else kept.count + sum(rejected.values()),
           "out": kept.count, "rejected": dict(sorted(rejected.items())),
           "seconds": round(time.monotonic() - started, 2), **stage.extras}
    write_json_file(done_path, row)
    return row


def _point_latest(recipe_dir: Path, run_id: str) -> None:
    link, tmp = recipe_dir / "latest", recipe_dir / f".latest.{os.getpid()}"
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(run_id)
    os.replace(tmp, link)


def _summary(dataset: Path, recipe) -> dict:
    labels = {name: Counter() for name in recipe.labels}
    origins: Counter = Counter()
    for record in _records(dataset):
        origins[record["provenance"].get("origin", "unknown")] += 1
        for name in recipe.labels:
            labels[name][str(record["labels"].get(name))] += 1
    return {"origins": dict(sorted(origins.items())), "labels": {k: dict(sorted(v.items())) for k, v in labels.items()}}


def build(recipe_name: str, *, options: BuildOptions, out: Path, teacher: str | None = None,
          teacher_url: str | None = None, run_id: str | None = None, progress=None, command: str = "") -> dict:
    """Run a build and return its report (also written to report.json)."""
    from contextlib import nullcontext

    recipe = load_recipe(recipe_name)
    if options.limit is not None and options.limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {options.limit}")
    if options.variations is not None and options.variations < 1:
        raise ConfigError(f"--variations must be at least 1, got {options.variations}")
    if options.max_concurrency < 1:
        raise ConfigError(f"--max-concurrency must be at least 1, got {options.max_concurrency}")
    run_id = run_id or datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    run_dir = Path(out) / recipe.name / run_id
    context = BuildContext(recipe=recipe, options=options, run_dir=run_dir, cache_path=Path(out) / "_cache" / "teacher.sqlite")
    stages = [stage_class(name)(context) for name in recipe.stages]
    for stage in stages:  # inputs the user gave are read before any work
        if hasattr(stage, "check_inputs"):
            stage.check_inputs()
    spec = teacher_spec.resolve(teacher, teacher_url)
    if spec is None and any(s.needs_teacher for s in stages):
        from factory.teacher.embedded import EmbeddedTeacher, model_path

        model_path()
    run_dir.mkdir(parents=True, exist_ok=True)
    rows, source, started = [], None, time.monotonic()
    with ExitStack() as stack:
        bar = progress if progress is not None else _SilentProgress()
        stack.enter_context(bar if hasattr(bar, "__enter__") else nullcontext())
        for stage in stages:
            if stage.needs_teacher and context.teacher is None:
                done = (run_dir / "stages" / f"{stage.name}.done").is_file()
                context.teacher = spec or (None if done else stack.enter_context(EmbeddedTeacher(run_dir / "teacher-server.log")))
            rows.append(run_stage(stage, source, run_dir, bar))
            source = run_dir / "stages" / f"{stage.name}.jsonl"
    dataset = run_dir / "dataset.jsonl"
    shutil.copyfile(source, dataset)
    tokens = Counter()
    cache = Counter()
    for row in rows:
        tokens.update(row.get("tokens", {}))
        cache.update(row.get("cache", {}))
    report = {
        "recipe": recipe.name, "run_id": run_id, "kind": recipe.kind, "schema_version": recipe.schema_version,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "command": command,
        "teacher": (spec or context.teacher).public() if (spec or context.teacher) else {"embedded": True},
        "stages": rows, "tokens": {"prompt": tokens["prompt"], "completion": tokens["completion"]},
        "cache": dict(cache), "records": _count_lines(dataset),
        "rejected": sum(sum(row["rejected"].values()) for row in rows), "seconds": round(time.monotonic() - started, 2),
        **_summary(dataset, recipe),
    }
    write_json_file(run_dir / "report.json", report)
    _point_latest(run_dir.parent, run_id)
    return report


class _SilentProgress:
    """The progress interface of rich.progress.Progress, doing nothing (library use)."""

    def add_task(self, *args, **kwargs) -> int:
        return 0

    def advance(self, *args, **kwargs) -> None:
        pass

    def update(self, *args, **kwargs) -> None:
        pass
