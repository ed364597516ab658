"""Exact and semantic near-duplicate detection over texts: normalisation, cached embeddings, faiss.

- `normalise(text)`: case-folded, whitespace collapsed, trailing punctuation dropped.
- `EmbeddingCache(path)`: float32 vectors in SQLite keyed by a hash of the text, so neither a
  rerun nor a later stage (faithfulness, then dedup) encodes the same text twice.
- `embed(texts, cache)`: vectors for all, encoding only the cache misses, in batches.
- `embed_into(out, keys, text_of, cache)`: the same into a given array, asking `text_of(i)`
  only for the texts it has to encode (the dedup stage reads those back from disk).
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
import sqlite3
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

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
DIM = 384
LOOKUP_BATCH = 500  # keys per SQLite query
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACES.sub(" ", text.casefold()).strip().rstrip(".!?;: ")


class EmbeddingCache:
    """Vectors by key. `hits` and `misses` count texts served from it and texts encoded (see embed_into)."""

    def __init__(self, path: Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
        )
        self.hits = self.misses = 0

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), LOOKUP_BATCH):
            chunk = keys[start : start + LOOKUP_BATCH]
            rows = self._conn.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            found.update((key, np.frombuffer(blob, dtype=np.float32)) for key, blob in rows)
        return found

    def put_many(self, items: list[tuple[str, np.ndarray]]) -> None:
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "INSERT OR IGNORE INTO vectors (key, vector) VALUES (?, ?)",
                [(key, vector.astype(np.float32).tobytes()) for key, vector in items],
            )

    def close(self) -> None:
        self._conn.close()


def embed(texts: list[str], cache: EmbeddingCache | None, batch_size: int = 256) -> np.ndarray:
    """Normalised float32 vectors (n x 384) of the texts, from the cache where it has them."""
    from factory.record import content_hash

    vectors = np.zeros((len(texts), DIM), dtype=np.float32)
    embed_into(
        vectors, [content_hash(text) for text in texts], texts.__getitem__, cache, batch_size
    )
    return vectors


def embed_into(
    out: np.ndarray,
    keys: Sequence[str | bytes],
    text_of: Callable[[int], str],
    cache: EmbeddingCache | None,
    batch_size: int = 256,
) -> None:
    """Fill out[i] with the vector of text i, whose key (content_hash of the text) is keys[i].
    Every key is looked up before any is written, then the misses are encoded in order, in
    chunks of 8 batches, each chunk stored in the cache as soon as it is encoded: a run killed
    midway loses at most one chunk."""
    from factory.embeddings import encode

    missing: list[int] = []
    for start in range(0, len(keys), LOOKUP_BATCH):
        chunk = [_text(key) for key in keys[start : start + LOOKUP_BATCH]]
        known = cache.get_many(chunk) if cache is not None else {}
        found = [n for n, key in enumerate(chunk) if key in known]
        if found:
            out[[start + n for n in found]] = np.stack([known[chunk[n]] for n in found])
        missing += [start + n for n, key in enumerate(chunk) if key not in known]
    if cache is not None:
        cache.hits += len(keys) - len(missing)
        cache.misses += len(missing)
    for start in range(0, len(missing), batch_size * 8):
        chunk = missing[start : start + batch_size * 8]
        encoded = encode([text_of(i) for i in chunk], batch_size=batch_size)
        out[chunk] = encoded
        if cache is not None:
            cache.put_many([(_text(keys[i]), encoded[n]) for n, i in enumerate(chunk)])


def _text(key: str | bytes) -> str:
    return key.decode("ascii") if isinstance(key, bytes) else key


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
