"""`factory export`: a build's dataset -> leakage-safe splits in a training format, a DatasetDict and a card.

Reads data/<recipe>/<run>/dataset.jsonl (run: `latest` by default) and writes
data/<recipe>/<run>/export/: <split>.jsonl in the chosen format, records/<split>.jsonl (the
records themselves, for eval), hf/ (datasets.DatasetDict.save_to_disk), README.md (the card),
labels.png, export.json (the summary) and rejected.jsonl (decontaminated records).
Leaks from train into validation/test move the whole seed group to train; `--decontaminate`
drops training records too close to the user's own eval texts. Deterministic for a seed.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

from factory.embeddings import EmbeddingCache
from factory.errors import ConfigError, InputError, command_hint
from factory.export import card
from factory.export.formats import FORMATS, student_turns
from factory.export.split import (
    NGRAM,
    check_fields,
    find_leaks,
    label_value,
    parse_split,
    split_groups,
)
from factory.jsonl import AtomicWriter, read_jsonl, write_json_file
from factory.recipes import load_recipe
from factory.record import Rejected
from factory.stages.base import cache_file
from factory.stats import too_few

TEXT_KEYS = ("input", "text", "prompt", "question", "instruction")


def _eval_texts(path: Path) -> list[str]:
    texts = []
    for lineno, obj in read_jsonl(path):
        text = next(
            (obj[k] for k in TEXT_KEYS if isinstance(obj, dict) and isinstance(obj.get(k), str)),
            None,
        )
        if text is None:
            raise InputError(
                f"{path}:{lineno}: no text field; each line needs one of {', '.join(TEXT_KEYS)}"
            )
        texts.append(text)
    return texts


def _move_leaks(splits: dict[str, list[dict]], threshold: float, cache) -> tuple[int, int, int]:
    """Move seed groups that leak into validation/test over to train until none is left (bounded)."""
    moved_groups = moved_records = 0
    for _ in range(5):
        leaking = set()
        for name in [n for n in splits if n != "train"]:
            leaks = find_leaks(splits["train"], splits[name], threshold, cache)
            leaking |= {r["seed_id"] for r in splits[name] if r["id"] in leaks}
        if not leaking:
            return moved_groups, moved_records, 0
        moved_groups += len(leaking)
        for name in [n for n in splits if n != "train"]:
            moving = [r for r in splits[name] if r["seed_id"] in leaking]
            splits[name] = [r for r in splits[name] if r["seed_id"] not in leaking]
            splits["train"] += moving
            moved_records += len(moving)
    remaining = sum(
        len(find_leaks(splits["train"], splits[n], threshold, cache))
        for n in splits
        if n != "train"
    )
    return moved_groups, moved_records, remaining


def _decontaminate(
    train: list[dict], texts: list[str], threshold: float, cache
) -> tuple[list[dict], list[Rejected]]:
    pseudo = [{"id": f"eval-{i}", "input": text} for i, text in enumerate(texts)]
    close = find_leaks(
        pseudo, train, threshold, cache
    )  # training records that leak from the user's eval set
    kept = [r for r in train if r["id"] not in close]
    dropped = [
        Rejected(
            r, "decontaminated", f"{close[r['id']][0]} with line {int(close[r['id']][1][5:]) + 1}"
        )
        for r in train
        if r["id"] in close
    ]
    return kept, dropped


def export(
    recipe_name: str,
    *,
    out: Path = Path("data"),
    run: str = "latest",
    split: str = "80/10/10",
    stratify: list[str] | None = None,
    fmt: str = "messages",
    seed: int = 0,
    decontaminate: Path | None = None,
    push_to_hub: str | None = None,
    command: str = "",
) -> dict:
    recipe = load_recipe(recipe_name)
    run_dir = Path(out) / recipe.name / run
    dataset = run_dir / "dataset.jsonl"
    if not dataset.is_file():
        raise ConfigError(
            f"no dataset at {dataset}; run {command_hint(f'factory build {recipe.name}', out, run)} "
            "first (or pass another --run / --out)"
        )
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    fractions = parse_split(split)
    records = [obj for _, obj in read_jsonl(dataset)]
    if not records:
        raise ConfigError(
            f"{dataset} has no records; nothing to export (see the build's rejected/ for why)"
        )
    stratify = list(recipe.labels if stratify is None else stratify)
    check_fields(records, stratify)
    eval_texts = _eval_texts(decontaminate) if decontaminate else []
    splits, notes = split_groups(records, fractions, stratify, seed)
    notes += [
        w
        for name in ("validation", "test")
        if name in splits
        for w in [too_few(len(splits[name]), f"the {name} split")]
        if w
    ]
    cache = EmbeddingCache(cache_file(out, "embeddings.sqlite"))
    try:
        moved_groups, moved_records, remaining = _move_leaks(splits, recipe.dedup_threshold, cache)
        splits["train"], dropped = _decontaminate(
            splits["train"], eval_texts, recipe.dedup_threshold, cache
        )
    finally:
        cache.close()
    for name in splits:
        splits[name].sort(key=lambda r: r["id"])
    target = run_dir / "export"
    summary = _write(recipe, target, splits, dropped, fmt, push_to_hub)
    report = _read_report(run_dir)
    summary.update(
        {
            "recipe": recipe.name,
            "run_id": run_dir.resolve().name,
            "format": fmt,
            "split": split,
            "seed": seed,
            "stratify": stratify,
            "notes": notes,
            "command": command,
            "build_command": report.get("command", ""),
            "teacher": report.get("teacher", {}).get("model", "unknown"),
            "teacher_sha256": report.get("teacher", {}).get(
                "model_sha256"
            ),  # an embedded teacher's weights
            "origins": dict(Counter(r["provenance"].get("origin", "unknown") for r in records)),
            "human_label_share": sum(1 for r in records if "human" in r.get("checks", {}))
            / len(records),
            "leakage": {
                "threshold": recipe.dedup_threshold,
                "ngram": NGRAM,
                "moved_groups": moved_groups,
                "moved_records": moved_records,
                "remaining": remaining,
            },
            "decontamination": (
                f"{len(dropped)} training records removed as too close to {decontaminate} "
                f"({len(eval_texts)} texts)"
                if decontaminate
                else "not requested"
            ),
            "quality": {f: card.quality(records, f, _known_values(recipe, f)) for f in stratify},
        }
    )
    (target / "README.md").write_text(card.render(summary), encoding="utf-8")
    write_json_file(target / "export.json", summary)
    return summary


def _read_report(run_dir: Path) -> dict:
    path = run_dir / "report.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _known_values(recipe, field: str) -> list | None:
    return recipe.schema().get("properties", {}).get(field, {}).get("enum")


def _write(
    recipe,
    target: Path,
    splits: dict[str, list[dict]],
    dropped: list[Rejected],
    fmt: str,
    push_to_hub,
) -> dict:
    from datasets import Dataset, DatasetDict

    if (target / "hf").exists():
        shutil.rmtree(target / "hf")
    rows = {
        name: [FORMATS[fmt](r["id"], *student_turns(recipe, r)) for r in records]
        for name, records in splits.items()
    }
    for name, records in splits.items():
        with AtomicWriter(target / f"{name}.jsonl") as out:
            for row in rows[name]:
                out.write_json(row)
        with AtomicWriter(target / "records" / f"{name}.jsonl") as out:
            for record in records:
                out.write_json(record)
    with AtomicWriter(target / "rejected.jsonl") as out:
        for item in dropped:
            out.write_json(item.to_dict("export"))
    dataset_dict = DatasetDict({name: Dataset.from_list(rows[name]) for name in splits})
    dataset_dict.save_to_disk(str(target / "hf"))
    if push_to_hub:
        dataset_dict.push_to_hub(push_to_hub)
    field = recipe.labels[0] if recipe.labels else None
    if field:
        card.chart(splits, field, target / "labels.png")
    return {
        "splits": {
            name: {
                "records": len(records),
                "seeds": len({r["seed_id"] for r in records}),
                "labels": {
                    f: dict(sorted(Counter(str(label_value(r, f)) for r in records).items()))
                    for f in recipe.labels
                },
            }
            for name, records in splits.items()
        },
        "chart": "labels.png" if field else None,
        "rejected": len(dropped),
    }
