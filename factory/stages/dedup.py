"""dedup: one record per training input — exact duplicates first, then near-duplicates by embedding.

Dedup is global: it decides after reading every record of the previous stage. On the input
side of each pair:
1. exact: same normalised input text (factory.dedup.normalise). Same output too: the
   extras are rejected as `exact_duplicate`. Different outputs: every record of that
   input is rejected as `conflicting_outputs` (nobody can tell which is right) — unless the
   recipe says `dedup.conflicts: keep`: for tasks with many right answers, each already
   proven by the validator (a test, a function), they are alternatives and all stay.
2. semantic: all-MiniLM-L6-v2 vectors of the inputs (cached by text), faiss pairs with
   cosine >= the recipe's `dedup.threshold` join one cluster (with `dedup.same_output_only`
   or `dedup.conflicts: keep`, only pairs whose outputs are equal). One representative per cluster survives: the
   record closest to its seed (a seed itself: 1.0; a teacher variation: checks.faithfulness),
   ties by id. The others are rejected as `near_duplicate` with `duplicate_of`.
Records whose seeds showed different contexts (a request logged with other tools) are never
duplicates of each other: the student sees the context too.
Writes checks.dedup = {"cluster": representative id, "size": n} on survivors of clusters
with more than one member, and <run>/dedup/clusters.jsonl (one line per such cluster).
Output order: the exact pass's rejections (by first appearance of their input), then each
cluster of survivors (by first appearance), its rejections before its representative.

Bounded memory: records are spooled to a scratch file under <run>/dedup/ as they arrive and
read back by offset when written out; per record about 150 bytes stay in memory (id, hashes
of the normalised input, text, output and context, closeness, offset). Past
factory.dedup.MEMMAP_MIN survivors their vectors live in an on-disk np.memmap there too; the
faiss index holds its own copy of them (see factory.dedup). Measured at 1M records
(bench/scale.py): peak RSS 3.6 GiB, 2.1 GiB of it anonymous (the rest: the memmap's pages).
The scratch files are removed when the stage ends; a killed build leaves them under the
temporary-file names that the next build of the run removes (factory.jsonl.remove_partials).
A killed dedup restarts from the beginning but encodes only what the embedding cache lacks.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from array import array
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from factory.dedup import normalise, remove_vectors, similar_pairs, vector_array
from factory.embeddings import EmbeddingCache, embed_into
from factory.jsonl import PARTIAL, AtomicWriter
from factory.record import Rejected, content_hash
from factory.stages.base import Stage


def _closeness(record: dict) -> float:
    if record["provenance"].get("origin") == "teacher":
        return float(record["checks"].get("faithfulness", 0.0))
    return 1.0


def _context_hash(record: dict) -> str:
    context = record.get("provenance", {}).get("context")
    return content_hash(context) if context else ""


class _Spool:
    """The stage's input, one JSON line per record in a scratch file, with the columns the decisions use."""

    def __init__(self, folder: Path, keep_alternatives: bool):
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".spool.", suffix=PARTIAL, dir=folder)
        self.path, self._file = Path(name), os.fdopen(fd, "w+b")
        self.keep_alternatives = keep_alternatives
        self.ids: list[str] = []
        self._offsets, self._closeness = array("q", [0]), array("d")
        self._group, self._output, self._context, self._text = (
            bytearray(),
            bytearray(),
            bytearray(),
            bytearray(),
        )

    def add(self, record: dict) -> None:
        text, output, context = (
            str(record["input"]),
            content_hash(record["output"]),
            _context_hash(record),
        )
        key = (
            normalise(text)
            + ("|" + context if context else "")
            + ("\0" + output if self.keep_alternatives else "")
        )
        self._group += hashlib.blake2b(
            key.encode("utf-8", "surrogatepass"), digest_size=16
        ).digest()
        self._output += output.encode("ascii")
        self._context += context.encode("ascii").ljust(16, b"\0")
        self._text += content_hash(text).encode("ascii")
        self._closeness.append(_closeness(record))
        self.ids.append(record["id"])
        line = json.dumps(record).encode("ascii") + b"\n"  # ASCII: lone surrogates round-trip too
        self._file.write(line)
        self._offsets.append(self._offsets[-1] + len(line))

    def close_input(self) -> None:
        """End of input: the columns become arrays; records can be read back."""
        self._file.flush()
        self.offsets = np.frombuffer(self._offsets, dtype=np.int64)
        self.closeness = np.frombuffer(self._closeness, dtype=np.float64)
        self.group, self.output, self.context, self.text = (
            np.frombuffer(column, dtype="S16")
            for column in (self._group, self._output, self._context, self._text)
        )

    def __len__(self) -> int:
        return len(self.ids)

    def read(self, position: int) -> dict:
        start, end = int(self.offsets[position]), int(self.offsets[position + 1])
        return json.loads(os.pread(self._file.fileno(), end - start, start))

    def best(self, positions: list[int]) -> int:
        """The position closest to its seed, ties by id, the first of equals."""
        return min(positions, key=lambda p: (-self.closeness[p], self.ids[p]))

    def remove(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


class _Clusters:
    """Union-find over positions; a cluster's root is its smallest position."""

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


class DedupStage(Stage):
    name = "dedup"

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        folder = self.context.run_dir / "dedup"
        spool = _Spool(folder, keep_alternatives=self.context.recipe.dedup_conflicts == "keep")
        try:
            for record in records:
                spool.add(record)
            spool.close_input()
            survivors = yield from self._exact(spool)
            yield from self._semantic(spool, survivors, folder)
        finally:
            spool.remove()

    def _exact(self, spool: _Spool) -> Iterator[Rejected]:
        """Rejects exact duplicates and conflicts; returns the survivors' positions, by first appearance."""
        if not len(spool):
            self.extras["conflicts"] = 0
            return np.zeros(0, dtype=np.int64)
        _, first, inverse, counts = np.unique(
            spool.group, return_index=True, return_inverse=True, return_counts=True
        )
        members, starts = np.argsort(inverse, kind="stable"), np.cumsum(counts) - counts
        order = np.argsort(first)  # groups by first appearance
        keeper, conflicts = first.copy(), 0
        for group in order[counts[order] > 1].tolist():
            positions = members[starts[group] : starts[group] + counts[group]].tolist()
            if len({spool.output[p] for p in positions}) > 1:
                ids = sorted(spool.ids[p] for p in positions)
                for p in positions:
                    yield Rejected(
                        spool.read(p),
                        "conflicting_outputs",
                        f"{len(positions)} records share this input with different outputs",
                        {"conflicts_with": [i for i in ids if i != spool.ids[p]]},
                    )
                keeper[group], conflicts = -1, conflicts + len(positions)
                continue
            keeper[group] = best = spool.best(positions)
            for p in positions:
                if p != best:
                    yield Rejected(
                        spool.read(p),
                        "exact_duplicate",
                        "same input and output",
                        {"duplicate_of": spool.ids[best]},
                    )
        self.extras["conflicts"] = conflicts
        survivors = keeper[order]
        return survivors[survivors >= 0]

    def _semantic(
        self, spool: _Spool, survivors: np.ndarray, folder: Path
    ) -> Iterator[dict | Rejected]:
        """Clusters of survivors by embedding, by first appearance: each one's rejections, then its representative."""
        vectors = vector_array(len(survivors), folder)
        try:
            self._embed(spool, survivors, vectors)
            roots, best = self._cluster(spool, survivors, vectors)
        finally:
            remove_vectors(vectors)
        del vectors
        members: dict[int, list[int]] = defaultdict(
            list
        )  # clusters of two or more: root -> survivor indices
        sizes = np.bincount(roots, minlength=len(roots))
        for k in np.flatnonzero(sizes[roots] > 1).tolist():
            members[int(roots[k])].append(k)
        report: list[dict] = []
        for k, root in enumerate(roots.tolist()):
            if k in members:
                yield from self._cluster_out(
                    spool, [(int(survivors[m]), float(best[m])) for m in members.pop(k)], report
                )
            elif root == k:
                yield spool.read(int(survivors[k]))
        self.extras["clusters"] = len(report)
        with AtomicWriter(self.context.run_dir / "dedup" / "clusters.jsonl") as out:
            for line in sorted(report, key=lambda c: c["representative"]):
                out.write_json(line)

    def _cluster_out(
        self, spool: _Spool, members: list[tuple[int, float]], report: list[dict]
    ) -> Iterator[dict | Rejected]:
        """One cluster, members as (position, best cosine): the representative survives, the others are rejected."""
        positions = [p for p, _ in members]
        keeper, threshold = spool.best(positions), self.context.recipe.dedup_threshold
        for p, score in members:
            if p != keeper:
                yield Rejected(
                    spool.read(p),
                    "near_duplicate",
                    f"cosine {score:.3f} >= {threshold}",
                    {"duplicate_of": spool.ids[keeper]},
                )
        record = spool.read(keeper)
        record["checks"]["dedup"] = {"cluster": record["id"], "size": len(positions)}
        report.append(
            {
                "representative": record["id"],
                "size": len(positions),
                "members": sorted(spool.ids[p] for p in positions),
            }
        )
        yield record

    def _embed(self, spool: _Spool, survivors: np.ndarray, vectors: np.ndarray) -> None:
        cache = EmbeddingCache(self.context.embedding_cache_path)
        try:
            embed_into(
                vectors,
                spool.text[survivors],
                lambda k: str(spool.read(int(survivors[k]))["input"]),
                cache,
            )
            self.extras["embedding_cache"] = {"hits": cache.hits, "misses": cache.misses}
        finally:
            cache.close()

    def _cluster(
        self, spool: _Spool, survivors: np.ndarray, vectors: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each survivor's cluster root (its smallest member) and its best cosine to a member of its cluster."""
        recipe = self.context.recipe
        same_output_only = recipe.dedup_same_output_only or recipe.dedup_conflicts == "keep"
        outputs, contexts = spool.output[survivors], spool.context[survivors]
        clusters, best = _Clusters(len(survivors)), np.zeros(len(survivors))
        for i, j, score in similar_pairs(vectors, recipe.dedup_threshold):
            joined = contexts[i] == contexts[j]  # one request, other tools: two tasks
            if same_output_only:
                joined &= outputs[i] == outputs[j]
            i, j, score = i[joined], j[joined], score[joined]
            for a, b in zip(i.tolist(), j.tolist()):
                clusters.union(a, b)
            np.maximum.at(best, i, score)
            np.maximum.at(best, j, score)
        roots = np.fromiter(
            (clusters.find(i) for i in range(len(survivors))), dtype=np.int64, count=len(survivors)
        )
        return roots, best
