"""Leakage-safe splits: stratified by label fields, grouped by seed, checked for near-copies across splits.

- `parse_split("80/10/10")` -> fractions (train, validation, test); two parts -> (train, test).
- `split_groups(records, fractions, stratify, seed)`: every record of a seed lands in the same
  split; within each stratum (the label values of the seed's records) seeds are shuffled with
  `seed` and each goes to the split furthest below its target, so each stratum's proportions
  are within one seed group of the target. Returns {split: [records]} and notes on strata
  too small for every split.
- `find_leaks(train, other, threshold, cache, template)`: records of `other` whose input has
  cosine >= threshold with a training input, or shares a 13-gram of words with one; returns
  {id: (reason, train id)}. Both checks look past the recipe's prompt template
  (factory.export.template: runs of words in a large share of all seed groups): n-grams holding a
  template word are not compared, and the embeddings are of the inputs less their template runs.
  `template` defaults to the one of train + other.
It does not write files or formats (factory.export.write does).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from factory.errors import ConfigError
from factory.export.template import Template

SPLIT_NAMES = {2: ("train", "test"), 3: ("train", "validation", "test")}
NGRAM = 13


def parse_split(text: str) -> dict[str, float]:
    try:
        parts = [float(p) for p in text.split("/")]
    except ValueError:
        raise ConfigError(
            f"--split {text!r}: expected numbers joined by '/', e.g. 80/10/10 or 0.8/0.2"
        ) from None
    if len(parts) not in SPLIT_NAMES or any(p <= 0 for p in parts):
        raise ConfigError(
            f"--split {text!r}: give 2 or 3 positive parts (train/test or train/validation/test)"
        )
    total = sum(parts)
    if abs(total - 100) > 1e-6 and abs(total - 1) > 1e-6:
        raise ConfigError(
            f"--split {text!r}: parts sum to {total:g}; they must sum to 100 (or to 1)"
        )
    return {name: part / total for name, part in zip(SPLIT_NAMES[len(parts)], parts, strict=True)}


def label_value(record: dict, field: str):
    return record.get("labels", {}).get(field, record.get(field))


def check_fields(records: list[dict], fields: list[str]) -> None:
    available = sorted({*records[0].get("labels", {})})
    for field in fields:
        if all(label_value(r, field) is None for r in records):
            raise ConfigError(
                f"--stratify {field!r}: no record has that label; available: {', '.join(available) or 'none'}"
            )


def split_groups(
    records: list[dict], fractions: dict[str, float], stratify: list[str], seed: int
) -> tuple[dict[str, list[dict]], list[str]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        groups[record["seed_id"]].append(record)
    strata: dict[tuple, list[str]] = defaultdict(list)
    for seed_id, members in sorted(groups.items()):
        votes = Counter(tuple(str(label_value(r, f)) for f in stratify) for r in members)
        strata[max(sorted(votes), key=votes.__getitem__)].append(seed_id)
    rng = random.Random(seed)
    splits: dict[str, list[dict]] = {name: [] for name in fractions}
    notes = []
    for stratum, seed_ids in sorted(strata.items()):
        rng.shuffle(seed_ids)
        total = sum(len(groups[s]) for s in seed_ids)
        counts = dict.fromkeys(fractions, 0)
        for seed_id in seed_ids:
            # the split furthest below its target, in this stratum plus overall so far (so that the
            # rounding of one stratum is made up in the next, not piled up); ties: the first in --split order
            assigned = sum(len(rows) for rows in splits.values()) + len(groups[seed_id])
            name = max(
                fractions,
                key=lambda n: round(
                    fractions[n] * total - counts[n] + fractions[n] * assigned - len(splits[n]), 9
                ),
            )
            counts[name] += len(groups[seed_id])
            splits[name] += groups[seed_id]
        if len(seed_ids) < len(fractions):
            empty = [n for n in fractions if counts[n] == 0]
            label = ", ".join(f"{f}={v}" for f, v in zip(stratify, stratum, strict=True)) or "all"
            notes.append(
                f"stratum {label} has {len(seed_ids)} seed group(s) for {len(fractions)} splits: "
                f"none in {', '.join(empty)}"
            )
    return splits, notes


def find_leaks(
    train: list[dict],
    other: list[dict],
    threshold: float,
    cache=None,
    template: Template | None = None,
) -> dict[str, tuple[str, str]]:
    """{id of an `other` record: (reason, id of the training record it leaks from)}."""
    import faiss

    from factory.embeddings import embed

    leaks: dict[str, tuple[str, str]] = {}
    if not train or not other:
        return leaks
    if template is None:
        template = Template.of([*train, *other])
    owner: dict[tuple, str] = {}
    for record in train:
        for gram in template.ngrams(str(record["input"]), NGRAM):
            owner.setdefault(gram, record["id"])
    for record in other:
        shared = next(
            (owner[g] for g in sorted(template.ngrams(str(record["input"]), NGRAM)) if g in owner),
            None,
        )
        if shared:
            leaks[record["id"]] = ("leakage_ngram", shared)
    train_vectors = embed([template.content(str(r["input"])) for r in train], cache)
    other_vectors = embed([template.content(str(r["input"])) for r in other], cache)
    index = faiss.IndexFlatIP(train_vectors.shape[1])
    index.add(train_vectors)
    scores, ids = index.search(other_vectors, 1)
    for record, score, nearest in zip(other, scores[:, 0], ids[:, 0], strict=True):
        if score >= threshold and record["id"] not in leaks:
            leaks[record["id"]] = ("leakage_cosine", train[int(nearest)]["id"])
    return leaks
