"""`factory build`: run a recipe's stages into data/<recipe>/<run-id>/ and write the report.

Layout of a run:
    stages/<stage>.jsonl   what each stage kept      stages/<stage>.done   its stats (resume marker)
    rejected/<stage>.jsonl what it rejected, with reason and detail
    dataset.jsonl          the final records         report.json           counts, tokens, teacher
                                                                        (teacher_share: what it wrote)
and data/<recipe>/latest points at the newest run. `.lock` keeps a second build of the same
run out while one is running (released by the kernel when the process ends, SIGKILL too;
removed when the build ends). A rerun with the same --run skips
the leading stages that are done; from the first one that is not, every stage runs again.
Everything the user can get wrong is checked before the first stage.

The stages are built from one `StageSettings` (plain values; the teacher is set on it once it
is up) and run by an executor (factory.runner): `LocalExecutor`, or with --engine ray a
`RayExecutor` that runs each run of per-record stages (scrub, generate, faithfulness, ...) as
one distilabel RayPipeline; both write a stage's files through the same `StageWriter`. This
module chooses what runs (resume), starts the teacher, and writes the report; it does not
write stage files itself.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from factory.errors import ConfigError, InputError
from factory.jsonl import copy_atomically, remove_partials, write_json_file
from factory.recipes import load_recipe
from factory.record import Rejected
from factory.report import pii_rejections, teacher_share
from factory.runner import check_engine, executor_for, is_done, output_path
from factory.runner.local import (
    count_lines,
    records_of,
    run_stage,  # noqa: F401 - re-exported: bench/scale.py runs one stage with it
)
from factory.stages import stage_class
from factory.stages.base import BuildOptions, Stage, StageSettings, cache_file
from factory.teacher import embedded
from factory.teacher import spec as teacher_spec


def _point_latest(recipe_dir: Path, run_id: str) -> None:
    link, tmp = recipe_dir / "latest", recipe_dir / f".latest.{os.getpid()}"
    for stale in recipe_dir.glob(".latest.*"):  # a build killed between the two lines below left it
        pid = stale.name.rsplit(".", 1)[-1]
        if stale != tmp and stale.is_symlink() and (not pid.isdigit() or not _alive(int(pid))):
            stale.unlink(missing_ok=True)
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(run_id)
    os.replace(tmp, link)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dataset_summary(dataset: Path, recipe) -> dict:
    """Origins and label counts of a dataset.jsonl (report.json's; `annotate pull` recounts them)."""
    labels = {name: Counter() for name in recipe.labels}
    origins: Counter = Counter()
    for record in records_of(dataset):
        origins[record["provenance"].get("origin", "unknown")] += 1
        for name in recipe.labels:
            labels[name][str(record["labels"].get(name))] += 1
    return {
        "origins": dict(sorted(origins.items())),
        "labels": {k: dict(sorted(v.items())) for k, v in labels.items()},
    }


def default_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")


def _stages(names: list[str], settings: StageSettings) -> list[Stage]:
    """The recipe's stages, all built from the same settings; a stage listed twice writes its
    files as <name>-2 the second time."""
    stages, seen = [], Counter()
    for name in names:
        seen[name] += 1
        stage = stage_class(name)(settings)
        if seen[name] > 1:
            stage.name = f"{name}-{seen[name]}"
        stages.append(stage)
    return stages


def _check_options(options: BuildOptions) -> None:
    from factory.recipes import PII_POLICIES

    if options.pii_policy is not None and options.pii_policy not in PII_POLICIES:
        raise ConfigError(
            f"--pii-policy must be one of {', '.join(PII_POLICIES)}, got {options.pii_policy!r}"
        )
    for flag, value in (
        ("--limit", options.limit),
        ("--max-concurrency", options.max_concurrency),
        ("--teacher-timeout", options.teacher_timeout),
    ):
        if value is not None and value < 1:
            raise ConfigError(f"{flag} must be at least 1, got {value}")
    for flag, value in (
        ("--variations", options.variations),
        ("--new-examples", options.new_examples),
    ):
        if value is not None and value < 0:
            raise ConfigError(f"{flag} must be 0 or more, got {value}")
    if options.max_rps is not None and not options.max_rps > 0:
        raise ConfigError(f"--max-rps must be above 0, got {options.max_rps}")
    if options.engine not in ("local", "ray"):
        raise ConfigError(f"--engine must be local or ray, got {options.engine!r}")
    if options.ray_address and options.engine != "ray":
        raise ConfigError("--ray-address needs --engine ray")
    if options.engine == "ray" and (options.max_tokens is not None or options.max_cost is not None):
        raise ConfigError(
            "--max-tokens / --max-cost are not enforced across Ray replicas yet; "
            "drop them or use --engine local"
        )
    check_engine(options)  # a clear message now if Ray is not installed


@contextmanager
def run_lock(run_dir: Path, recipe_name: str) -> Iterator[None]:
    """One build per run folder at a time: an flock on <run>/.lock, which the kernel releases
    when the process ends however it ends (SIGKILL too), so a stale lock never blocks a resume.
    The holder removes the file when it is done (only a killed build leaves one behind); a lock
    taken on a file that was removed meanwhile is dropped and taken again on the new one."""
    path = run_dir / ".lock"
    while True:
        handle = open(path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise ConfigError(
                f"another build of {recipe_name} run {run_dir.name} is running (pid {holder}); "
                "wait for it or pick another --run"
            ) from None
        if _same_file(handle, path):
            break
        handle.close()  # its holder finished and removed it between our open and our flock
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        path.unlink(missing_ok=True)  # still ours: nobody else can hold it or have replaced it
        handle.close()


def _same_file(handle, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
    except FileNotFoundError:
        return False


def _publish(source: Path, dataset: Path) -> None:
    """Copy atomically; a fresh dataset.jsonl also retires the copy that `annotate pull` merges into."""
    copy_atomically(source, dataset)
    dataset.with_name("dataset.built.jsonl").unlink(missing_ok=True)


def build(
    recipe_name: str,
    *,
    options: BuildOptions,
    out: Path,
    teacher: str | None = None,
    teacher_url: str | None = None,
    run_id: str | None = None,
    progress=None,
    command: str = "",
) -> dict:
    """Run a build and return its report (also written to report.json)."""
    recipe = load_recipe(recipe_name)
    _check_options(options)
    run_dir = Path(out) / recipe.name / (run_id or default_run_id())
    settings = StageSettings(recipe, options, run_dir, cache_file(out, "teacher.sqlite"))
    stages = _stages(recipe.stages, settings)
    for stage in stages:  # inputs the user gave are read before any work
        stage.check_inputs()
    spec = teacher_spec.resolve(teacher, teacher_url)
    # --teacher embedded:NAME, FACTORY_EMBEDDED_TEACHER, the default
    chosen = embedded.choose(teacher) if spec is None else None
    if options.max_cost is not None:
        from factory.budget import price_of

        model = spec.model if spec else "the embedded teacher"
        if price_of(spec.model if spec else "", options.price_in, options.price_out) is None:
            raise ConfigError(
                f"--max-cost: no price for {model}; give --price-in and --price-out (USD per million tokens)"
            )
    if spec is None and any(s.asks_teacher() for s in stages):
        # now, not after the seeds: fetched once (progress on stderr) or a one-line error
        embedded.prepare(chosen)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"--out {out}: cannot create {run_dir} ({exc.strerror}); pick a writable folder"
        ) from None
    rows, source, started = [], None, time.monotonic()
    progress = progress if progress is not None else _SilentProgress()
    with ExitStack() as stack:
        stack.enter_context(run_lock(run_dir, recipe.name))
        # what a killed build was writing; finished files are whole (renamed into place)
        remove_partials(run_dir)
        stack.enter_context(progress)
        executor = stack.enter_context(executor_for(options, run_dir))
        resuming = True  # done stages are skipped until one has to run; all after it run again
        position = 0
        while position < len(stages):
            stage = stages[position]
            resuming = resuming and is_done(run_dir, stage.name)
            if resuming:
                done = [stage]
                rows.append(
                    json.loads(output_path(run_dir, stage.name).with_suffix(".done").read_text())
                )
            else:
                done = executor.group(stages, position, source)
                if any(s.asks_teacher() for s in done) and settings.teacher is None:
                    settings.teacher = spec or stack.enter_context(
                        embedded.EmbeddedTeacher(run_dir / "teacher-server.log", chosen)
                    )
                rows += executor.run(done, source, progress)
            source = output_path(run_dir, done[-1].name)
            if stage is stages[0] and rows[-1]["out"] == 0:
                read = ", ".join(
                    [
                        *options.source_paths,
                        *([str(options.seeds_file)] if options.seeds_file else []),
                    ]
                )
                raise InputError(
                    f"no seeds from {read or 'the recipe'}: every input was rejected or none was found; "
                    f"the reasons are in {run_dir / 'rejected' / (stage.name + '.jsonl')}"
                )
            position += len(done)
    _publish(source, run_dir / "dataset.jsonl")
    report = _report(
        recipe, run_dir, rows, spec or settings.teacher, command, time.monotonic() - started
    )
    write_json_file(run_dir / "report.json", report)
    _point_latest(run_dir.parent, run_dir.name)
    return report


def dry_run(
    recipe_name: str,
    *,
    options: BuildOptions,
    out: Path,
    teacher: str | None = None,
    teacher_url: str | None = None,
) -> dict:
    """What `build` would ask the teacher, without asking: the real seeds and the real prompts,
    counted (factory.budget.estimate). Nothing is written under `out` and no server is started."""
    import tempfile

    from factory.budget import estimate, price_of
    from factory.teacher.spec import TeacherSpec

    recipe = load_recipe(recipe_name)
    _check_options(options)
    if teacher_url:
        model = teacher or "(your server's model)"
    else:
        model = (
            f"{embedded.choose(teacher).alias} (embedded)"
            if teacher is None or embedded.is_embedded(teacher)
            else teacher
        )
    with tempfile.TemporaryDirectory(prefix="factory-dry-run-") as tmp:
        settings = StageSettings(recipe, options, Path(tmp) / "run", Path(tmp) / "teacher.sqlite")
        stages = _stages(recipe.stages, settings)
        for stage in stages:
            stage.check_inputs()
        seeds = [r for r in stages[0].process(iter(())) if not isinstance(r, Rejected)]
        rows = []
        # never called
        settings.teacher = TeacherSpec(
            model=model, base_url="http://127.0.0.1:9/v1", api_key="none"
        )
        for teaching in (s for s in stages if s.asks_teacher()):  # generate, invent, roundtrip
            rows += teaching.dry_run_prompts(seeds)
    price = (
        price_of(teacher, options.price_in, options.price_out)
        if teacher
        else price_of("", options.price_in, options.price_out)
    )
    return {
        "recipe": recipe.name,
        "teacher": model,
        "seeds": len(seeds),
        **estimate(rows, recipe.max_tokens, price),
        "note": "prompt tokens estimated as characters / 4; completions counted at the recipe's max_tokens; "
        "replies already in the cache would cost nothing",
    }


def _report(recipe, run_dir: Path, rows: list[dict], teacher, command: str, seconds: float) -> dict:
    tokens, cache, pii = Counter(), Counter(), Counter()
    for row in rows:
        tokens.update(row.get("tokens", {}))
        cache.update(row.get("cache", {}))
        pii.update(row.get("entities", {}))
    dataset = run_dir / "dataset.jsonl"
    return {
        "recipe": recipe.name,
        "run_id": run_dir.name,
        "kind": recipe.kind,
        "schema_version": recipe.schema_version,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "teacher": teacher.public()
        if teacher
        else {"embedded": True, "note": "all teacher stages were already done"},
        "stages": rows,
        "tokens": {"prompt": tokens["prompt"], "completion": tokens["completion"]},
        "cache": dict(cache),
        "pii": dict(sorted(pii.items())),
        "pii_rejections": pii_rejections(run_dir, rows),
        "records": count_lines(dataset),
        "rejected": sum(sum(row["rejected"].values()) for row in rows),
        "seconds": round(seconds, 2),
        **dataset_summary(dataset, recipe),
        "teacher_share": teacher_share(run_dir, rows),
    }


class _SilentProgress:
    """The progress interface of rich.progress.Progress, doing nothing (library use)."""

    def __enter__(self) -> "_SilentProgress":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def add_task(self, *args, **kwargs) -> int:
        return 0

    def advance(self, *args, **kwargs) -> None:
        pass

    def update(self, *args, **kwargs) -> None:
        pass
