"""`factory annotate push`: a sample of a build's records into the recipe's Argilla dataset.

Strategies: `random` (seeded), `stratified` (proportional over the recipe's label values,
every stratum at least one record while the sample allows), `low_confidence` (the
records the build was least sure of first: lowest faithfulness of a teacher rewrite;
grammar and user seeds, which have no such score, come last). The dataset (one per recipe,
in workspace `factory`) is created on first push with annotation/settings.py and reused
after, refusing settings that changed incompatibly. Records are upserted by id, so pushing
twice adds nothing twice. It reads only the run's dataset.jsonl (the build's, if a pull
already rewrote it) and never changes it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from factory.errors import ConfigError, command_hint
from factory.jsonl import read_jsonl
from factory.recipes import Recipe

STRATEGIES = ("random", "stratified", "low_confidence")


def run_dir(out: Path, recipe: Recipe, run: str) -> Path:
    path = Path(out) / recipe.name / run
    if not (path / "dataset.jsonl").is_file():
        raise ConfigError(
            f"no build at {path} (dataset.jsonl missing); run "
            f"{command_hint(f'factory build {recipe.name}', out, run)} or pick another --run"
        )
    return path.resolve()


def source_records(run_path: Path) -> list[dict]:
    """The build's records: dataset.built.jsonl once a pull has merged labels into dataset.jsonl."""
    built = run_path / "dataset.built.jsonl"
    return [obj for _, obj in read_jsonl(built if built.is_file() else run_path / "dataset.jsonl")]


def sample(
    records: list[dict], recipe: Recipe, n: int | None, strategy: str, seed: int = 0
) -> list[dict]:
    if strategy not in STRATEGIES:
        raise ConfigError(f"--strategy {strategy}: expected one of {', '.join(STRATEGIES)}")
    if n is not None and n < 1:
        raise ConfigError(f"--sample {n}: need at least 1 record")
    if n is None or n >= len(records):
        return list(records)
    rng = random.Random(seed)
    if strategy == "random":
        return rng.sample(records, n)
    if strategy == "low_confidence":

        def confidence(record: dict) -> tuple[float, str]:
            score = record.get("checks", {}).get("faithfulness")
            return (score if isinstance(score, (int, float)) else 2.0, record["id"])

        return sorted(records, key=confidence)[:n]
    strata: dict[tuple, list[dict]] = defaultdict(list)
    for record in records:
        strata[tuple(str(record.get("labels", {}).get(label)) for label in recipe.labels)].append(
            record
        )
    keys = sorted(strata)
    quotas = {key: len(strata[key]) * n // len(records) for key in keys}
    for key in keys:  # every stratum at least one, while the sample allows
        if quotas[key] == 0 and sum(quotas.values()) < n:
            quotas[key] = 1
    by_remainder = sorted(keys, key=lambda k: (-(len(strata[k]) * n % len(records)), k))
    for key in by_remainder:  # hand out what flooring left, largest remainders first
        if sum(quotas.values()) >= n:
            break
        if quotas[key] < len(strata[key]):
            quotas[key] += 1
    chosen = []
    for key in keys:
        chosen += rng.sample(strata[key], min(quotas[key], len(strata[key])))
    return chosen


def push(
    client,
    recipe: Recipe,
    records: list[dict],
    dataset_name: str,
    vectors: dict[str, list[float]] | None = None,
) -> dict:
    """Create or reuse the dataset and upsert `records`; returns counts."""
    import argilla as rg

    from annotation.client import workspace
    from annotation.settings import check_compatible, dataset_settings, to_argilla

    wanted = dataset_settings(recipe)
    space = workspace(client)
    dataset = client.datasets(name=dataset_name, workspace=space)
    created = dataset is None
    if created:
        dataset = rg.Dataset(
            name=dataset_name, workspace=space, settings=wanted, client=client
        ).create()
    else:
        check_compatible(dataset.settings, wanted, dataset_name)
    before = dataset.progress()["total"] if not created else 0
    vectors = vectors or {}
    dataset.records.log(
        [to_argilla(record, recipe, vectors.get(record["id"])) for record in records],
        batch_size=max(1, min(256, len(records))),
    )
    after = dataset.progress()["total"]
    return {
        "dataset": dataset_name,
        "workspace": space.name,
        "created": created,
        "sent": len(records),
        "new": after - before,
        "total": after,
    }


def input_vectors(records: list[dict], cache_path: Path) -> dict[str, list[float]]:
    """all-MiniLM-L6-v2 vectors of the inputs, from the build's embedding cache where it has them."""
    from factory.embeddings import EmbeddingCache, embed

    cache = EmbeddingCache(cache_path)
    try:
        matrix = embed([str(record["input"]) for record in records], cache)
    finally:
        cache.close()
    return {record["id"]: [float(x) for x in row] for record, row in zip(records, matrix)}


def push_run(
    client,
    recipe: Recipe,
    *,
    out: Path,
    run: str,
    n: int | None,
    strategy: str,
    seed: int,
    dataset_name: str,
) -> dict:
    """Sample a build's records and push them with their input vectors; returns counts."""
    from factory.stages.base import cache_file

    records = source_records(run_dir(out, recipe, run))
    if not records:
        raise ConfigError(f"{run_dir(out, recipe, run)}/dataset.jsonl is empty: nothing to label")
    chosen = sample(records, recipe, n, strategy, seed)
    vectors = input_vectors(chosen, cache_file(out, "embeddings.sqlite"))
    return {**push(client, recipe, chosen, dataset_name, vectors), "strategy": strategy}
