"""Helpers to run one stage directly on records, without a build."""

from pathlib import Path

from factory.recipes import load_recipe
from factory.record import Record, Rejected
from factory.stages.base import BuildOptions, StageSettings
from pipelines.rem_queries.recipe import build_output, labels


def rem_record(text: str, rem: str, origin: str = "grammar", **provenance) -> dict:
    output = build_output(rem)
    record = Record(
        recipe="rem_queries",
        kind="rem_query",
        schema_version=1,
        seed_id="",
        input=text,
        output=output,
        labels=labels(output),
        provenance={"origin": origin, **provenance},
    )
    record.seed_id = record.id
    return record.to_dict()


def run(
    stage_cls, records: list[dict], tmp_path: Path, recipe=None, **options
) -> tuple[list[dict], list[Rejected], object]:
    context = StageSettings(
        recipe=recipe or load_recipe("rem_queries"),
        options=BuildOptions(**options),
        run_dir=tmp_path / "run",
        cache_path=tmp_path / "_cache" / "teacher.sqlite",
    )
    stage = stage_cls(context)
    out = list(stage.process(iter(records)))
    return (
        [r for r in out if not isinstance(r, Rejected)],
        [r for r in out if isinstance(r, Rejected)],
        stage,
    )
