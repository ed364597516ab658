"""The dedup stage as it was before it streamed (commit 58a8497): the reference the streaming stage must equal.

Everything in memory: `records = list(records)`, one n x 384 array, the faiss index. Its
decision code, embedding and faiss search are copied here unchanged (only `_index` reads
FLAT_MAX from factory.dedup at call time, so that a test forcing the IVF path forces it on
both). Used by tests/stages/test_dedup_streaming.py (same output for the same input) and by
bench/scale.py (the in-memory baseline of time and peak memory). Not used by the factory.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Iterable, Iterator

import numpy as np

import factory.dedup
from factory.dedup import normalise
from factory.embeddings import DIM, EmbeddingCache
from factory.jsonl import AtomicWriter
from factory.record import Rejected, content_hash
from factory.stages.base import Stage


def embed(texts: list[str], cache: EmbeddingCache | None, batch_size: int = 256) -> np.ndarray:
    from factory.embeddings import encode

    keys = [content_hash(text) for text in texts]
    vectors = np.zeros((len(texts), DIM), dtype=np.float32)
    known = cache.get_many(keys) if cache is not None else {}
    missing = [i for i, key in enumerate(keys) if key not in known]
    for i, key in enumerate(keys):
        if key in known:
            vectors[i] = known[key]
    for start in range(0, len(missing), batch_size * 8):
        chunk = missing[start : start + batch_size * 8]
        encoded = encode([texts[i] for i in chunk], batch_size=batch_size)
        vectors[chunk] = encoded
        if cache is not None:
            cache.put_many([(keys[i], encoded[n]) for n, i in enumerate(chunk)])
    return vectors


def _index(vectors: np.ndarray):
    import faiss

    n, dim = vectors.shape
    if n <= factory.dedup.FLAT_MAX:
        index = faiss.IndexFlatIP(dim)
    else:
        nlist = int(4 * math.sqrt(n))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors[np.random.default_rng(0).choice(n, size=min(n, nlist * 64), replace=False)]
        index.train(sample)
        index.nprobe = 16
    index.add(vectors)
    return index


def similar_pairs(
    vectors: np.ndarray, threshold: float, query_batch: int = 4096
) -> Iterator[tuple[int, int, float]]:
    if len(vectors) < 2:
        return
    index = _index(vectors)
    for start in range(0, len(vectors), query_batch):
        limits, scores, ids = index.range_search(vectors[start : start + query_batch], threshold)
        for row in range(len(limits) - 1):
            i = start + row
            for k in range(limits[row], limits[row + 1]):
                j = int(ids[k])
                if j > i:
                    yield i, j, float(scores[k])


def _closeness(record: dict) -> float:
    if record["provenance"].get("origin") == "teacher":
        return float(record["checks"].get("faithfulness", 0.0))
    return 1.0


def _output_key(record: dict) -> str:
    return content_hash(record["output"])


def _context_key(record: dict) -> str:
    context = record.get("provenance", {}).get("context")
    return "|" + content_hash(context) if context else ""


class _Clusters:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


class ReferenceDedup(Stage):
    name = "dedup"

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        records = list(records)
        survivors, rejected = self._exact(records)
        yield from rejected
        yield from self._semantic(survivors)

    def _exact(self, records: list[dict]) -> tuple[list[dict], list[Rejected]]:
        groups: dict[str, list[dict]] = defaultdict(list)
        keep_alternatives = self.context.recipe.dedup_conflicts == "keep"
        for record in records:
            key = normalise(str(record["input"])) + _context_key(record)
            groups[(key, _output_key(record)) if keep_alternatives else key].append(record)
        survivors, rejected = [], []
        for group in groups.values():
            if len({_output_key(r) for r in group}) > 1:
                ids = sorted(r["id"] for r in group)
                rejected += [
                    Rejected(
                        r,
                        "conflicting_outputs",
                        f"{len(group)} records share this input with different outputs",
                        {"conflicts_with": [i for i in ids if i != r["id"]]},
                    )
                    for r in group
                ]
                continue
            keeper = min(group, key=lambda r: (-_closeness(r), r["id"]))
            survivors.append(keeper)
            rejected += [
                Rejected(
                    r, "exact_duplicate", "same input and output", {"duplicate_of": keeper["id"]}
                )
                for r in group
                if r is not keeper
            ]
        self.extras["conflicts"] = sum(1 for r in rejected if r.reason == "conflicting_outputs")
        return survivors, rejected

    def _semantic(self, records: list[dict]) -> Iterator[dict | Rejected]:
        recipe = self.context.recipe
        cache = EmbeddingCache(self.context.embedding_cache_path)
        try:
            vectors = embed([str(r["input"]) for r in records], cache)
        finally:
            cache.close()
        clusters, best = _Clusters(len(records)), defaultdict(float)
        for i, j, score in similar_pairs(vectors, recipe.dedup_threshold):
            same_output_only = recipe.dedup_same_output_only or recipe.dedup_conflicts == "keep"
            if same_output_only and _output_key(records[i]) != _output_key(records[j]):
                continue
            if _context_key(records[i]) != _context_key(records[j]):
                continue
            clusters.union(i, j)
            best[i], best[j] = max(best[i], score), max(best[j], score)
        members: dict[int, list[int]] = defaultdict(list)
        for i in range(len(records)):
            members[clusters.find(i)].append(i)
        report = []
        for positions in members.values():
            keeper = min(positions, key=lambda i: (-_closeness(records[i]), records[i]["id"]))
            for i in positions:
                if i != keeper:
                    yield Rejected(
                        records[i],
                        "near_duplicate",
                        f"cosine {best[i]:.3f} >= {recipe.dedup_threshold}",
                        {"duplicate_of": records[keeper]["id"]},
                    )
            if len(positions) > 1:
                records[keeper]["checks"]["dedup"] = {
                    "cluster": records[keeper]["id"],
                    "size": len(positions),
                }
                report.append(
                    {
                        "representative": records[keeper]["id"],
                        "size": len(positions),
                        "members": sorted(records[i]["id"] for i in positions),
                    }
                )
            yield records[keeper]
        self.extras["clusters"] = len(report)
        with AtomicWriter(self.context.run_dir / "dedup" / "clusters.jsonl") as out:
            for line in sorted(report, key=lambda c: c["representative"]):
                out.write_json(line)
