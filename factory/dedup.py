"""Exact and semantic near-duplicate detection over texts: normalisation, vector arrays, faiss.

- `normalise(text)`: case-folded, whitespace collapsed, trailing punctuation dropped.
- the vectors come from factory.embeddings (`EmbeddingCache`, `embed`, `embed_into`: cached by
  text, so neither a rerun nor a later stage encodes the same text twice).
- `vector_array(n, folder)`: where n vectors go: in memory below MEMMAP_MIN, else an
  np.memmap in a scratch file under `folder` (the caller removes it; it is named like the
  temporary files that factory.jsonl.remove_partials clears after a killed build).
- `similar_pairs(vectors, threshold)`: per query batch, arrays (i, j, cosine) of every pair
  with i < j at or above the threshold, from an exact IndexFlatIP up to FLAT_MAX vectors and
  an IVF index past it.
It does not decide which record survives; the dedup stage does.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np

from factory.embeddings import DIM
from factory.jsonl import PARTIAL

# Exact search up to here. Measured on 2 cores, clustered 384-d vectors, threshold 0.87: flat range search
# 0.6 s at 10k, 2.4 s at 25k, 9.4 s at 50k (IVF 0.2 / 0.9 / 3.1 s, same pairs there); encoding 50k inputs
# takes ~140 s, so exact search costs < 7% of the stage up to 50k and grows quadratically past it.
FLAT_MAX = 50_000
# Past it: IVF, 4 * sqrt(n) lists, NPROBE of them searched per query. bench/scale.py at 1M synthetic clustered
# vectors (4,000 lists): for 10,000 sampled queries it found all 9,536 pairs >= 0.87 that an exact search
# finds. It holds a copy of every vector (1.5 GiB at 1M); searching 1M queries takes most of the stage's
# ~10-17 min there (2 busy cores), training and adding ~2-4 min.
NPROBE = 16
# Vectors held in memory up to here (150 MiB); past it they go to an on-disk np.memmap.
MEMMAP_MIN = 100_000
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACES.sub(" ", text.casefold()).strip().rstrip(".!?;: ")


def vector_array(n: int, folder: Path) -> np.ndarray:
    """A zeroed n x DIM float32 array: in memory below MEMMAP_MIN rows, else an np.memmap in a
    scratch file under `folder` (`.vectors.*.partial`; remove it with `remove_vectors`)."""
    if n < MEMMAP_MIN:
        return np.zeros((n, DIM), dtype=np.float32)
    Path(folder).mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".vectors.", suffix=PARTIAL, dir=folder)
    os.close(fd)
    return np.memmap(name, dtype=np.float32, mode="w+", shape=(n, DIM))


def remove_vectors(vectors: np.ndarray) -> None:
    """Delete the scratch file behind a vector_array (nothing for an in-memory one)."""
    filename = getattr(vectors, "filename", None)
    if filename:
        Path(filename).unlink(missing_ok=True)


def _index(vectors: np.ndarray):
    import faiss

    n, dim = vectors.shape
    if n <= FLAT_MAX:
        index = faiss.IndexFlatIP(dim)
    else:
        nlist = int(4 * math.sqrt(n))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors[np.random.default_rng(0).choice(n, size=min(n, nlist * 64), replace=False)]
        index.train(sample)
        del sample
        index.nprobe = NPROBE
    index.add(vectors)
    return index


def similar_pairs(
    vectors: np.ndarray, threshold: float, query_batch: int = 4096
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per batch of queries, arrays (i, j, cosine) of the pairs with i < j and cosine >= threshold
    (vectors must be L2-normalised; cosine as faiss computed it, float32)."""
    if len(vectors) < 2:
        return
    index = _index(vectors)
    for start in range(0, len(vectors), query_batch):
        limits, scores, ids = index.range_search(vectors[start : start + query_batch], threshold)
        rows = np.repeat(
            np.arange(start, start + len(limits) - 1), np.diff(limits).astype(np.int64)
        )
        later = ids > rows
        yield rows[later], ids[later], scores[later]
